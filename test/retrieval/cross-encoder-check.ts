// What the cross-encoder stage should make of a search, from the search without it: shared by
// the Node and Chromium tests of the stage inside Engine.search.
import { blendCrossEncoder } from '../../src/retrieval/cross-encoder-stage';
import { tinyCrossEncoderReference } from '../fixtures/build-tiny-cross-encoder';

/** Memories for the engine tests of the stage: every one shares words with {@link CROSS_QUERY}. */
export const CROSS_MEMORIES = [
  'the cat sat on the mat',
  'a cat playing on the mat',
  'the dog sat on a mat',
  'cat memory engine',
  'the stock market cat',
  'a local first browser cat',
  'kitten on the mat',
  'dogs playing on the mat',
];
/** The query of those tests. */
export const CROSS_QUERY = 'cat on the mat';

/** A search result, as much of it as the check reads. */
export interface Hit {
  memory: string;
  score: number;
}

/**
 * The memories of `base` (a search without the stage, as many results as the stage's `top`),
 * ordered as the tiny cross-encoder's stage should order them: by the model alone (weight 1),
 * and blended at `weight`.
 * @param query - the query searched
 * @param base - results without the stage, best first
 * @param weight - the blend weight
 */
export function crossEncoderExpectations(
  query: string,
  base: readonly Hit[],
  weight: number,
): { byModel: string[]; blended: string[] } {
  const logits = Float32Array.from(base, (h) => tinyCrossEncoderReference(query, h.memory));
  const ranked = base.map((h) => ({ id: h.memory, score: h.score }));
  return {
    byModel: blendCrossEncoder(ranked, logits, 1).map((r) => r.id),
    blended: blendCrossEncoder(ranked, logits, weight).map((r) => r.id),
  };
}
