// Final rerank on the CPU: per-memory features (recency, retention, trust) folded into the
// score in one pass, then MMR for diversity.
import { ranked, type Scores, type TieOrder } from './fusion';

/** Per-memory features, each 0..1 where known. */
export interface MemoryFeatures {
  /** 1 for a memory of now, falling towards 0 with age. */
  recency?: number;
  /** How well the memory is retained (1 = fully). */
  retention?: number;
  /** How far its source is trusted (1 = fully). */
  trust?: number;
}

/** Weights of the features in `applyFeatures`. */
export interface FeatureWeights {
  /** Default 0: LoCoMo-style questions about the past must not favour the latest. */
  recency?: number;
  /** Default 0.2. */
  retention?: number;
  /** Default 0.2. */
  trust?: number;
}

/**
 * Multiplies each score by `1 + Σ wᵢ · (fᵢ − 1)` over the features a memory has, so a
 * memory with every feature at 1 keeps its score and weak ones are pushed down.
 * @param scores - relevance scores
 * @param features - features of a memory (undefined: none known)
 * @param weights - the weights
 */
export function applyFeatures(
  scores: Scores,
  features: (id: string) => MemoryFeatures | undefined,
  weights: FeatureWeights = {},
): Scores {
  const w = { recency: 0, retention: 0.2, trust: 0.2, ...weights };
  const out: Scores = new Map();
  for (const [id, s] of scores) {
    const f = features(id);
    let m = 1;
    if (f) {
      if (f.recency !== undefined) m += w.recency * (f.recency - 1);
      if (f.retention !== undefined) m += w.retention * (f.retention - 1);
      if (f.trust !== undefined) m += w.trust * (f.trust - 1);
    }
    out.set(id, s * Math.max(0, m));
  }
  return out;
}

/** Options of {@link mmr}. */
export interface MmrOptions {
  /** Relevance vs. novelty, 0..1 (default 0.7; 1 = no diversity). */
  lambda?: number;
  /** How many of the best candidates take part (default 100). */
  pool?: number;
}

/**
 * Maximal marginal relevance: picks, one at a time, the candidate maximising
 * `λ · rel − (1 − λ) · max sim(to those picked)`, relevance scaled to 0..1.
 * Returns the picked ids with their original scores, best pick first.
 * @param scores - relevance scores
 * @param limit - how many to pick
 * @param similarity - similarity of two memories (e.g. cosine of their vectors), or undefined if unknown
 * @param options - λ and pool size
 * @param tie - order of equal scores (default by id)
 */
export function mmr(
  scores: Scores,
  limit: number,
  similarity: (a: string, b: string) => number | undefined,
  options: MmrOptions = {},
  tie?: TieOrder,
): [string, number][] {
  const lambda = options.lambda ?? 0.7;
  const pool = ranked(scores, Math.max(limit, options.pool ?? 100), tie);
  if (lambda >= 1 || pool.length === 0) return pool.slice(0, limit);
  const top = pool[0]![1] || 1;
  const maxSim = new Map<string, number>(pool.map(([id]) => [id, 0]));
  const left = new Map(pool);
  const picked: [string, number][] = [];
  while (picked.length < limit && left.size > 0) {
    let best: string | undefined;
    let bestVal = -Infinity;
    for (const [id, s] of left) {
      const v = (lambda * s) / top - (1 - lambda) * maxSim.get(id)!;
      if (v > bestVal) {
        bestVal = v;
        best = id;
      }
    }
    picked.push([best!, left.get(best!)!]);
    left.delete(best!);
    for (const id of left.keys()) {
      const sim = similarity(best!, id);
      if (sim !== undefined && sim > maxSim.get(id)!) maxSim.set(id, sim);
    }
  }
  return picked;
}

/**
 * Cosine of two unit vectors (their dot product).
 * @param a - first vector
 * @param b - second vector, same length
 */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Greedy picks from the best `5 · limit`, each further one from an episode already picked
 * scaled by (1 − penalty)ⁿ (n = picks from it so far).
 * @param scores - relevance scores
 * @param limit - how many to pick
 * @param penalty - 0..1
 * @param episodeOf - a memory's episode, if any
 * @param tie - order of equal scores (default by id)
 * @returns picks with their original scores, in pick order
 */
export function diversify(
  scores: Scores,
  limit: number,
  penalty: number,
  episodeOf: (id: string) => string | undefined,
  tie?: TieOrder,
): { id: string; score: number }[] {
  const pool = ranked(scores, limit * 5, tie);
  const seen = new Map<string, number>();
  const out: { id: string; score: number }[] = [];
  const left = new Set(pool.map((_, i) => i));
  while (out.length < limit && left.size) {
    let best = -1;
    let bestVal = -Infinity;
    for (const i of left) {
      const [id, s] = pool[i]!;
      const ep = episodeOf(id);
      const v = s * Math.pow(1 - penalty, ep === undefined ? 0 : (seen.get(ep) ?? 0));
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
    }
    left.delete(best);
    const [id, s] = pool[best]!;
    const ep = episodeOf(id);
    if (ep !== undefined) seen.set(ep, (seen.get(ep) ?? 0) + 1);
    out.push({ id, score: s });
  }
  return out;
}
