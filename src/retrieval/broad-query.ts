// Broad queries: a question with few topic words ("What books has John read?", "What is Joanna
// inspired by?") asks for something spread over many episodes (every book read, everything that
// inspires), not for the one conversation about it. The episode stage lifts the memories of the
// episodes that match the query as a whole; for a broad query it weighs less, so the matches in
// the other episodes keep their places in the results.
import { EngramError } from '../errors';
import { terms } from './analyzer';
import type { EpisodeStageOptions } from './options';
import type { ProcessedQuery } from './query';

/** The episode stage's weight unless `episode.weight` sets it. */
export const DEFAULT_EPISODE_WEIGHT = 1.5;

/** A query with at most this many topic terms is broad unless `episode.broadTerms` says otherwise. */
export const DEFAULT_BROAD_TERMS = 2;

/** The episode weight of a broad query unless `episode.broadWeight` sets it. */
export const DEFAULT_BROAD_WEIGHT = 0.25;

/**
 * How many topic terms a query holds: its lexical terms, the names of the speakers it names
 * left out (a speaker's name says whose memories, not what about).
 * @param q - the processed query
 * @param speaks - whether a name (as written in the query) is a speaker's
 * @example
 * topicTerms(processQuery('What books has John read?', now), (n) => n === 'John') // 2: book, read
 */
export function topicTerms(q: ProcessedQuery, speaks: (name: string) => boolean): number {
  let n = q.terms.size;
  if (q.names.length === 0) return n;
  const names = new Set<string>();
  for (const name of q.names) if (speaks(name)) for (const t of terms(name)) names.add(t);
  for (const t of names) if (q.terms.has(t)) n--;
  return n;
}

/**
 * The episode stage's weight for a query: `broadWeight` when it has at most `broadTerms` topic
 * terms (a broad query), else `weight`.
 * @param o - the episode stage's options
 * @param topic - the query's topic terms ({@link topicTerms}), computed only when needed
 */
export function episodeWeight(o: EpisodeStageOptions, topic: () => number): number {
  const broad = o.broadTerms ?? DEFAULT_BROAD_TERMS;
  if (broad > 0 && topic() <= broad) return o.broadWeight ?? DEFAULT_BROAD_WEIGHT;
  return o.weight ?? DEFAULT_EPISODE_WEIGHT;
}

/**
 * Checks `retrieval.episode`'s broad-query settings (option names are checked with the other
 * search options).
 * @param s - the stage's options
 * @throws EngramError `InvalidArgument` unless `broadTerms` is a whole number ≥ 0 and
 *   `broadWeight` a finite number ≥ 0
 */
export function checkEpisodeOptions(s: object): void {
  const { broadTerms, broadWeight } = s as EpisodeStageOptions;
  if (broadTerms !== undefined && !(Number.isInteger(broadTerms) && broadTerms >= 0))
    throw new EngramError(
      'InvalidArgument',
      'retrieval.episode.broadTerms must be a whole number ≥ 0',
    );
  if (
    broadWeight !== undefined &&
    !(typeof broadWeight === 'number' && Number.isFinite(broadWeight) && broadWeight >= 0)
  )
    throw new EngramError(
      'InvalidArgument',
      'retrieval.episode.broadWeight must be a finite number ≥ 0',
    );
}
