// The query-side `llm` hook: a user function (a local model, a remote API, a rule table) that
// rewrites a query into one or several queries. Each is searched and the result lists are
// merged round-robin (first occurrence wins), so every rewrite contributes its best hits.
import { EngramError } from '../errors';

/** Most queries one rewrite may return. */
export const MAX_REWRITES = 8;

/**
 * Query rewriting: given the query, return the query to search instead, or several.
 * @example
 * const llm = { rewriteQuery: async (q) => [q, await chat(`Rephrase as a statement: ${q}`)] };
 * await mem.search('Where did Ada move?', { llm });
 */
export type RewriteQuery = (query: string) => Promise<string | string[]>;

/**
 * Checks what a rewrite returned: a non-empty string, or 1..{@link MAX_REWRITES} of them, each at
 * most `maxLength` characters (trimmed; duplicates dropped).
 * @param out - the hook's value
 * @param maxLength - longest accepted query
 * @throws EngramError `LlmFailed`
 */
export function checkRewrites(out: unknown, maxLength: number): string[] {
  const list = typeof out === 'string' ? [out] : out;
  const bad = (why: string) =>
    new EngramError('LlmFailed', `llm.rewriteQuery must return ${why}`, {
      details: { got: Array.isArray(out) ? 'array' : typeof out },
    });
  if (!Array.isArray(list)) throw bad('a string or an array of strings');
  if (list.length === 0 || list.length > MAX_REWRITES)
    throw bad(`1 to ${MAX_REWRITES} queries, not ${list.length}`);
  const seen = new Set<string>();
  for (const q of list) {
    if (typeof q !== 'string' || q.trim().length === 0) throw bad('non-empty strings');
    if (q.length > maxLength) throw bad(`queries of at most ${maxLength} characters`);
    seen.add(q.trim());
  }
  return [...seen];
}

/**
 * Round-robin merge of ranked lists: the first of each list, then the second of each, …;
 * a memory already taken is skipped.
 * @param lists - ranked lists, best first
 * @param limit - how many to return
 */
export function mergeRoundRobin<T extends { id: string }>(
  lists: readonly (readonly T[])[],
  limit: number,
): T[] {
  const out: T[] = [];
  const taken = new Set<string>();
  for (let r = 0; out.length < limit && lists.some((l) => r < l.length); r++) {
    for (const l of lists) {
      const h = l[r];
      if (h && !taken.has(h.id) && out.length < limit) {
        out.push(h);
        taken.add(h.id);
      }
    }
  }
  return out;
}
