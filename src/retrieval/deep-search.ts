// Top-k beyond the vector index's per-call limit: repeated passes, each masking what the
// previous ones returned, so any k works on every backend with the same ranking contract.
import type { SearchHits, VectorIndex } from '../search/vector-index';
import { MAX_K } from '../search/topk';

/**
 * Top-`k` hits of one query for any `k ≥ 1`. Up to {@link MAX_K} it is one `index.search`; above
 * it, passes of `MAX_K` hits, each with the slots already returned masked out, until `k` hits or
 * the index runs dry. Each pass returns the best of what is left (score desc, ties by slot), so
 * the concatenation is the exact global ranking of the index.
 * @param index - the vector index
 * @param query - one query vector (`dim` floats)
 * @param k - hits wanted (≥ 1)
 * @param allow - optional per-slot filter (as for `VectorIndex.search`)
 * @returns the hits, best first (fewer than `k` when fewer slots are eligible)
 * @example
 * const hits = await deepSearch(state.index, vector, 1000);
 */
export async function deepSearch(
  index: VectorIndex,
  query: Float32Array,
  k: number,
  allow?: Uint8Array,
): Promise<SearchHits> {
  if (k <= MAX_K) {
    const [hits] = await index.search(query, k, allow);
    return hits ?? { slots: new Int32Array(0), scores: new Float32Array(0) };
  }
  const mask = new Uint8Array(index.size);
  if (allow) mask.set(allow.subarray(0, index.size));
  else mask.fill(1);
  const slots: number[] = [];
  const scores: number[] = [];
  while (slots.length < k) {
    const [hits] = await index.search(query, Math.min(MAX_K, k - slots.length), mask);
    if (!hits || hits.slots.length === 0) break;
    hits.slots.forEach((s, i) => {
      slots.push(s);
      scores.push(hits.scores[i]!);
      mask[s] = 0;
    });
    if (hits.slots.length < MAX_K) break;
  }
  return { slots: Int32Array.from(slots), scores: Float32Array.from(scores) };
}
