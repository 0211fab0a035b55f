// Query processing without a language model: drop question words, keep names, find time.
import { STOP_WORDS, terms } from './analyzer';
import { hasTimeIntent, parseTimeWindows, type TimeWindow } from './time';

/** Words that shape a question but say nothing about its topic. */
export const QUESTION_WORDS: ReadonlySet<string> = new Set([
  ...STOP_WORDS,
  ...'when why whom whose kind type sort ever likely think thinks'.split(' '),
]);

/** A query ready for the retrieval stages. */
export interface ProcessedQuery {
  /** The query as given. */
  text: string;
  /** Lexical terms (stemmed), with a weight each: names weigh `nameWeight`. */
  terms: Map<string, number>;
  /** Capitalised words inside the sentence, taken as names ("Caroline", "Paris"). */
  names: string[];
  /** Time windows named in the query. */
  windows: TimeWindow[];
  /** Whether it asks "when" / "how long". */
  timeIntent: boolean;
}

/** Options of {@link processQuery}. */
export interface QueryOptions {
  /** Weight of a name's term relative to other terms (default 1). */
  nameWeight?: number;
}

/**
 * Capitalised words inside a sentence (not its first word), taken as names, without a
 * possessive "'s"; question words left out.
 * @param text - the query
 * @example
 * queryNames("What do Melanie's kids like?") // ['Melanie']
 */
export function queryNames(text: string): string[] {
  // A loop, not spread, `map` and `filter`: V8's optimised `map` and `filter` make arrays of
  // another elements kind than the builtins, which threw away the optimised code of the
  // functions reading them (here and in the retriever) in the first searches.
  const names: string[] = [];
  for (const m of text.matchAll(/(?<=\S\s+)(\p{Lu}[\p{L}'’]*)/gu)) {
    const w = m[1]!.replace(/['’]s?$/u, '');
    if (!QUESTION_WORDS.has(w.toLowerCase())) names.push(w);
  }
  return names;
}

/**
 * Turns a question into weighted lexical terms, names and time windows.
 * @param text - the query
 * @param now - reference time for relative expressions (ms since epoch)
 * @param options - name weight
 * @example
 * processQuery('When did Caroline go to the support group?', Date.now()).terms
 * // Map { 'carolin' => 1, 'go' => 1, 'support' => 1, 'group' => 1 }
 */
export function processQuery(
  text: string,
  now: number,
  options: QueryOptions = {},
): ProcessedQuery {
  const nameWeight = options.nameWeight ?? 1;
  const names = queryNames(text);
  const nameTerms = new Set(names.flatMap((n) => terms(n)));
  const weights = new Map<string, number>();
  for (const t of terms(text, QUESTION_WORDS))
    weights.set(t, (weights.get(t) ?? 0) + (nameTerms.has(t) ? nameWeight : 1));
  return {
    text,
    terms: weights,
    names,
    windows: parseTimeWindows(text, now),
    timeIntent: hasTimeIntent(text),
  };
}
