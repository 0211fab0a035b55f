// Speaker boost: memories said by someone the query names rise. It runs twice in a search:
// early (before the context and link stages: which memories lend to their neighbours and
// seed the walk) and late, on the final score (a turn lifted by its neighbours, such as an
// answer right after the other speaker's question, counts as the named speaker's own).
import { EngramError } from '../errors';
import type { Scores } from './fusion';

/**
 * Scales the score of every memory whose speaker the query names by `1 + boost`.
 * @param scores - scores by id (left unchanged unless it is `out`)
 * @param names - names found in the query (any case)
 * @param speakerOf - a memory's speaker, lower case, if known
 * @param boost - the boost (0: no change)
 * @param out - where the scores go (default a copy of `scores`; `scores` itself: in place, no
 *   copy made)
 * @returns `out`
 * @example
 * boostSpeakers(scores, ['Caroline'], (id) => info.get(id)?.speaker, 0.5)
 */
export function boostSpeakers(
  scores: Scores,
  names: readonly string[],
  speakerOf: (id: string) => string | undefined,
  boost: number,
  out: Scores = new Map(scores),
): Scores {
  if (!(boost > 0) || names.length === 0) return out;
  const named = new Set(names.map((n) => n.toLowerCase()));
  scores.forEach((s, id) => {
    const sp = speakerOf(id);
    if (sp !== undefined && named.has(sp)) out.set(id, s * (1 + boost));
  });
  return out;
}

/**
 * Checks the speaker boosts of a `retrieval.lexical` option: each, where given, a finite
 * number ≥ 0.
 * @param lexical - the lexical stage options as given
 * @throws EngramError `InvalidArgument`
 */
export function checkSpeakerOptions(lexical: object): void {
  for (const k of ['speaker', 'speakerLate', 'firstPerson'] as const) {
    const v: unknown = (lexical as Record<string, unknown>)[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0))
      throw new EngramError(
        'InvalidArgument',
        `retrieval.lexical.${k} must be a finite number ≥ 0`,
      );
  }
}
