// Text analysis for the lexical index: tokens, English stop words, Porter2 stems.
import stem from 'wink-porter2-stemmer';
import { eng } from 'stopword';

/**
 * Stop words: the `stopword` package's English list plus pronouns, auxiliaries and
 * conversational fillers that carry no topic in chat memories.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  ...eng,
  ...(
    'she hers herself it its itself they them themselves we us ourselves you yours ' +
    'yourself i me mine myself he him does doing done will shall would just ' +
    'really so oh yeah yes no not hey hi thanks thank lol wow ok okay let lets ' +
    'im ive id ill youre youve thats theres ca wo'
  ).split(' '),
]);

/**
 * Stems already computed (Porter2 is a pure function of the word; chat text repeats a small
 * vocabulary, so most words of a bulk add were stemmed before). Cleared when it reaches
 * {@link STEMS_KEPT} words, so it stays bounded.
 */
const stems = new Map<string, string>();
const STEMS_KEPT = 50_000;

/** The Porter2 stem of a lower-case word, memoised. */
function stemOf(w: string): string {
  let s = stems.get(w);
  if (s === undefined) {
    if (stems.size >= STEMS_KEPT) stems.clear();
    s = stem(w);
    stems.set(w, s);
  }
  return s;
}

const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/**
 * Splits text into lower-case word tokens (letters and digits; "Caroline's" → "caroline").
 * @param text - any text
 * @returns the tokens in order, stop words kept
 * @example
 * words("Caroline's dog, Max!") // ['caroline', 'dog', 'max']
 */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(TOKEN)) {
    let w = m[0].replace(/n['’]t$/u, '').replace(/['’](s|d|ll|ve|re|m)$/u, '');
    w = w.replace(/['’]/gu, '');
    if (w) out.push(w);
  }
  return out;
}

/**
 * Index terms of a text: tokens without stop words, Porter2-stemmed.
 * @param text - any text
 * @param stopWords - words to drop (default {@link STOP_WORDS})
 * @returns the terms in order (with repeats)
 * @example
 * terms('She was running to the meetings') // ['run', 'meet']
 */
export function terms(text: string, stopWords: ReadonlySet<string> = STOP_WORDS): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (stopWords.has(w)) continue;
    out.push(w.length > 2 && !/\d/.test(w) ? stemOf(w) : w); // numbers stay as written
  }
  return out;
}
