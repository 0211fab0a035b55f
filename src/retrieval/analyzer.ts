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

/** A letter or digit of any script at `lastIndex` (sticky: a match moves `lastIndex` past it). */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/uy;
/** A letter of any script at `lastIndex`. */
const LETTER = /\p{L}/uy;

/**
 * Where the letter (or, with `digits`, letter or digit) at `i` of lower-case `s` ends, or -1 if
 * there is none: ASCII by its code, anything else by a sticky test (no match object), which
 * takes a surrogate pair whole.
 */
function charEnd(s: string, i: number, digits: boolean): number {
  const c = s.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (digits && c >= 48 && c <= 57) ? i + 1 : -1;
  if (i >= s.length) return -1;
  const re = digits ? LETTER_OR_DIGIT : LETTER;
  re.lastIndex = i;
  return re.test(s) ? re.lastIndex : -1;
}

/** Whether `c` is an apostrophe, straight or curly. */
const apostrophe = (c: number): boolean => c === 39 || c === 0x2019;

/**
 * Whether `s` from `i` to `end` is a clitic dropped after an apostrophe: s, d, ll, ve, re, m.
 */
function clitic(s: string, i: number, end: number): boolean {
  const a = s.charCodeAt(i);
  if (end - i === 1) return a === 115 || a === 100 || a === 109; // s d m
  if (end - i !== 2) return false;
  const b = s.charCodeAt(i + 1);
  return (a === 108 && b === 108) || (a === 118 && b === 101) || (a === 114 && b === 101); // ll ve re
}

/**
 * Splits text into lower-case word tokens (letters and digits; "Caroline's" → "caroline").
 * A token is a run of letters and digits, with at most one apostrophe followed by letters
 * inside it; "n't" and the clitics 's 'd 'll 've 're 'm are dropped, any other apostrophe is
 * removed ("o'clock" → "oclock"). Scans by character code: no match object or array per word.
 * @param text - any text
 * @returns the tokens in order, stop words kept
 * @example
 * words("Caroline's dog, Max!") // ['caroline', 'dog', 'max']
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const s = text.toLowerCase();
  const n = s.length;
  let i = 0;
  while (i < n) {
    let e = charEnd(s, i, true);
    if (e < 0) {
      // Not in a token: step over one code point (a surrogate pair whole).
      const c = s.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      i += pair ? 2 : 1;
      continue;
    }
    const start = i;
    while (e >= 0) e = charEnd(s, (i = e), true);
    const mark = i; // the end of the letters and digits
    if (i + 1 < n && apostrophe(s.charCodeAt(i)) && (e = charEnd(s, i + 1, false)) >= 0)
      while (e >= 0) e = charEnd(s, (i = e), false);
    let w: string;
    if (i === mark) w = s.slice(start, i);
    else if (i - mark === 2 && s.charCodeAt(i - 1) === 116 && s.charCodeAt(mark - 1) === 110)
      w = s.slice(start, mark - 1); // n't
    else if (clitic(s, mark + 1, i)) w = s.slice(start, mark);
    else w = s.slice(start, mark) + s.slice(mark + 1, i);
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
