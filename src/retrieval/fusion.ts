// Fusing ranked lists: score normalisation, weighted sum, and weighted reciprocal-rank fusion.
import { selectAt } from './select';
import { sortFew } from './sort-few';

/** Scores by memory id. */
export type Scores = Map<string, number>;

/** How a list's scores are brought to 0..1 before fusing. */
export type Normalisation = 'max' | 'minmax' | 'none';

/**
 * Scales scores to 0..1: `'max'` divides by the best score (keeps zero at zero, right for
 * BM25), `'minmax'` maps the worst to 0 and the best to 1 (right for cosine lists).
 * @param scores - raw scores
 * @param how - the scaling
 * @returns new map
 */
export function normalise(scores: Scores, how: Normalisation = 'max'): Scores {
  const scale = scaler(scores, how);
  const out: Scores = new Map();
  scores.forEach((s, id) => out.set(id, scale(s)));
  return out;
}

/**
 * How {@link normalise} scales each score of `scores` (their min and max taken once): the same
 * arithmetic, for a caller that scales only the scores it looks up.
 * @param scores - raw scores
 * @param how - the scaling
 */
export function scaler(scores: Scores, how: Normalisation): (s: number) => number {
  if (how === 'none') return (s) => s;
  const b = range(scores);
  const lo = b[0]!;
  const hi = b[1]!;
  if (how === 'max') return (s) => (hi > 0 ? Math.max(0, s) / hi : 0);
  const span = hi - lo;
  return (s) => (span > 0 ? (s - lo) / span : 1);
}

/** Reused by {@link range} (one call at a time). */
const bounds = new Float64Array(2);

/**
 * The smallest and largest score (`Infinity`, `-Infinity` for none). Kept apart from
 * {@link scaler}: there the closures capture the bounds, and a captured variable updated in
 * the loop allocated a number per score.
 */
function range(scores: Scores): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of scores.values()) {
    lo = Math.min(lo, s);
    hi = Math.max(hi, s);
  }
  bounds[0] = lo;
  bounds[1] = hi;
  return bounds;
}

/** One list to fuse. */
export interface FusionInput {
  scores: Scores;
  /** Weight of this list (default 1). */
  weight?: number;
  /** Scaling before the weighted sum (default `'max'`). */
  normalise?: Normalisation;
}

/**
 * Score-normalised weighted fusion: Σ weightᵢ · normᵢ(score). An id absent from a list gets 0 there.
 * @param inputs - the lists
 * @param reuseFirst - the caller gives up the first list's map: its scores are overwritten with
 *   the fused ones and it is returned (the same entries, order and scores as a fresh map would
 *   have; one map fewer per search to allocate and collect). Only where nothing reads that map
 *   afterwards. Ignored when the first list's weight is 0.
 * @example
 * weightedFusion([{ scores: bm25, weight: 1 }, { scores: dense, weight: 0.3, normalise: 'minmax' }])
 */
export function weightedFusion(inputs: readonly FusionInput[], reuseFirst = false): Scores {
  const first = inputs[0];
  const reuse = reuseFirst && first !== undefined && (first.weight ?? 1) !== 0;
  const out: Scores = reuse ? first.scores : new Map();
  for (let i = 0; i < inputs.length; i++) {
    const inp = inputs[i]!;
    const w = inp.weight ?? 1;
    if (w === 0) continue;
    // As `normalise` would scale them, without the intermediate map (one per list per search).
    // (The min and max are read before any score of a reused map is overwritten.)
    const scale = scaler(inp.scores, inp.normalise ?? 'max');
    // (`forEach`, here and in the per-candidate loops of the stages: no [id, score] array made
    // per entry, as a `for … of` over the map may.) A reused first map: each id once, on an
    // empty sum, so `0 + …` exactly as `(out.get(id) ?? 0) + …` on a fresh map.
    if (reuse && i === 0) out.forEach((s, id) => out.set(id, 0 + w * scale(s)));
    else inp.scores.forEach((s, id) => out.set(id, (out.get(id) ?? 0) + w * scale(s)));
  }
  return out;
}

/**
 * Weighted reciprocal-rank fusion: Σ weightᵢ / (k + rankᵢ), rank from 1.
 * @param inputs - the lists (only `scores` and `weight` are used)
 * @param k - rank offset (default 60)
 */
export function reciprocalRankFusion(inputs: readonly FusionInput[], k = 60): Scores {
  const out: Scores = new Map();
  for (const inp of inputs) {
    const w = inp.weight ?? 1;
    ranked(inp.scores).forEach(([id], i) => out.set(id, (out.get(id) ?? 0) + w / (k + i + 1)));
  }
  return out;
}

/**
 * The order of memories with equal scores: negative when `a` goes first. A retriever's
 * (`Corpus.tieOrder`) puts the later event first, then the later write, then the smaller id, so
 * a ranking does not depend on the (random) ids memories were given.
 */
export type TieOrder = (a: string, b: string) => number;

/** Ties by id (the order of a plain string sort). */
export const byId: TieOrder = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Entries best first; ties in `tie` order (default by id), so rankings are deterministic. A
 * prefix (fewer than all: the seeds or the pool of a stage) sorts only the entries at or above
 * the limit-th score.
 * @param scores - scores by id
 * @param limit - how many (default all)
 * @param tie - order of equal scores (default {@link byId})
 */
export function ranked(scores: Scores, limit = Infinity, tie: TieOrder = byId): [string, number][] {
  // (-1 / 1, not `b[1] - a[1]`: the sort boxes a comparator's fractional result, a heap
  // number per comparison. The same order: a difference of 0 or NaN fell to `tie` too.)
  const order = (a: [string, number], b: [string, number]): number =>
    a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : tie(a[0], b[0]);
  if (limit <= 0) return [];
  // (A fractional limit, as slice() reads it, by the full sort: the selection takes whole ones.)
  if (limit >= scores.size || !Number.isInteger(limit))
    return prefix(sortFew([...scores], order), limit);
  const values = scratchOf(scores.size);
  let i = 0;
  for (const v of scores.values()) values[i++] = v;
  const cut = selectAt(values, values.length - limit);
  if (Number.isNaN(cut)) return prefix(sortFew([...scores], order), limit);
  const top: [string, number][] = [];
  scores.forEach((s, id) => {
    if (s >= cut) top.push([id, s]);
  });
  return prefix(sortFew(top, order), limit);
}

/** `items.slice(0, limit)` for an array of one's own: cut in place, no copy. */
function prefix<T>(items: T[], limit: number): T[] {
  if (limit >= items.length) return items;
  if (!Number.isInteger(limit)) return items.slice(0, limit);
  items.length = limit;
  return items;
}

/** Reused by {@link ranked}'s selection (one search at a time; nothing kept across calls). */
let scratch = new Float64Array(1024);

/** A view of `n` scratch values (their contents are left over from earlier calls). */
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  return scratch.subarray(0, n);
}

/**
 * The best score (`-Infinity` for none): the first entry of `ranked(scores, 1)`'s score,
 * without a copy of the scores.
 * @param scores - scores by id
 */
export function bestScore(scores: Scores): number {
  let best = -Infinity;
  for (const v of scores.values()) if (v > best) best = v;
  return best;
}
