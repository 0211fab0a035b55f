// The CPU twin of the fused rerank kernel (shaders/rerank-*.wgsl): per-memory
// features folded into the relevance score, the best `pool` kept, then MMR
// picks with the pool's pairwise similarities. f32 arithmetic at the same
// steps as the kernel, so both give the same order on the same data.
import { EngramError } from '../errors';

/** Weights of the per-memory features (defaults as src/retrieval/rerank.ts). */
export interface FusedWeights {
  /** Default 0. */
  recency?: number;
  /** Default 0.2. */
  retention?: number;
  /** Default 0.2. */
  trust?: number;
}

/** Input of {@link rerankFused} and `GpuReranker.rerank`. */
export interface FusedRerankInput {
  /**
   * Candidate vectors, row-major `c × dim` (unit length; a zero row for a
   * candidate without a vector). Candidates are ranked with ties broken by
   * their index here, so pass them in `ranked()` order to match it.
   */
  vectors: Float32Array;
  /** Vector length. */
  dim: number;
  /** Relevance score of each candidate (`c`). */
  scores: Float32Array;
  /** Optional `c × 3` features (recency, retention, trust) in 0..1; NaN or negative = unknown. */
  features?: Float32Array;
  /** Feature weights. */
  weights?: FusedWeights;
  /** Relevance vs novelty, 0..1 (default 0.7; ≥ 1 = no MMR). */
  lambda?: number;
  /** How many of the best candidates take part (default 100, at most {@link MAX_POOL}). */
  pool?: number;
  /** How many to pick. */
  limit: number;
}

/** Picked candidates, best pick first. */
export interface FusedRerankResult {
  /** Candidate indices. */
  order: Int32Array;
  /** Their feature-adjusted scores. */
  scores: Float32Array;
}

/** Most candidates one call takes. */
export const MAX_CANDIDATES = 2048;
/** Largest pool. */
export const MAX_POOL = 1024;

const f = Math.fround;

/**
 * Checks a rerank input and returns `[c, pool, limit]`.
 * @param input - the input
 * @throws EngramError `InvalidArgument` or `DimensionMismatch`
 */
export function checkRerank(input: FusedRerankInput): [number, number, number] {
  const c = input.scores.length;
  if (c > MAX_CANDIDATES) {
    throw new EngramError('InvalidArgument', `at most ${MAX_CANDIDATES} candidates, got ${c}`);
  }
  if (input.vectors.length !== c * input.dim) {
    throw new EngramError('DimensionMismatch', `vectors must hold ${c} × ${input.dim} floats`);
  }
  if (input.features && input.features.length !== c * 3) {
    throw new EngramError('InvalidArgument', `features must hold ${c} × 3 floats`);
  }
  if (!Number.isInteger(input.limit) || input.limit < 0) {
    throw new EngramError('InvalidArgument', `limit must be a non-negative integer`);
  }
  const pool = Math.min(c, MAX_POOL, Math.max(input.limit, input.pool ?? 100));
  return [c, pool, Math.min(input.limit, pool)];
}

/**
 * Feature-adjusted scores: `s · max(0, 1 + Σ wᵢ (fᵢ − 1))` over known features.
 * @param input - the input
 */
export function adjustedScores(input: FusedRerankInput): Float32Array {
  const w = { recency: 0, retention: 0.2, trust: 0.2, ...input.weights };
  const ws = [f(w.recency), f(w.retention), f(w.trust)];
  const out = new Float32Array(input.scores.length);
  for (let i = 0; i < out.length; i++) {
    let m = 1;
    for (let j = 0; j < 3; j++) {
      const v = input.features?.[i * 3 + j];
      if (v !== undefined && v >= 0) m = f(m + f(ws[j]! * f(v - 1)));
    }
    out[i] = f(input.scores[i]! * Math.max(0, m));
  }
  return out;
}

/**
 * Fused rerank on the CPU: the same order as the GPU kernel, and (for
 * candidates passed in id order, up to f32 rounding) as
 * `mmr(applyFeatures(scores, …), limit, dot, { lambda, pool })` of
 * src/retrieval/rerank.ts.
 * @param input - see {@link FusedRerankInput}
 * @example
 * const { order } = rerankFused({ vectors, dim: 384, scores, features, lambda: 0.7, limit: 10 });
 */
export function rerankFused(input: FusedRerankInput): FusedRerankResult {
  const [c, P, limit] = checkRerank(input);
  const adj = adjustedScores(input);
  const pool = Array.from({ length: c }, (_, i) => i)
    // (-1 / 1, not `adj[b] - adj[a]`: no heap number per comparison; see `TopK.result`.)
    .sort((a, b) => (adj[a]! > adj[b]! ? -1 : adj[a]! < adj[b]! ? 1 : a - b))
    .slice(0, P);
  const lambda = f(input.lambda ?? 0.7);
  let picked: number[];
  if (lambda >= 1 || P === 0) {
    picked = pool.slice(0, limit);
  } else {
    const { vectors, dim } = input;
    const sim = (a: number, b: number) => {
      let s = 0;
      for (let i = 0; i < dim; i++) s += vectors[a * dim + i]! * vectors[b * dim + i]!;
      return f(s);
    };
    // v = λ·adj/top − (1−λ)·maxSim, multiplied through by |top| (same argmax).
    const top = adj[pool[0]!]! || 1;
    const sgn = top < 0 ? -1 : 1;
    const c1 = f(f(1 - lambda) * Math.abs(top));
    const maxSim = new Float32Array(P);
    const taken = new Uint8Array(P);
    picked = [];
    while (picked.length < limit) {
      let best = -1;
      let bestV = -Infinity;
      for (let a = 0; a < P; a++) {
        if (taken[a]) continue;
        const v = f(f(lambda * adj[pool[a]!]!) * sgn - f(c1 * maxSim[a]!));
        if (v > bestV) {
          bestV = v;
          best = a;
        }
      }
      taken[best] = 1;
      picked.push(pool[best]!);
      for (let a = 0; a < P; a++) maxSim[a] = Math.max(maxSim[a]!, sim(pool[best]!, pool[a]!));
    }
  }
  return { order: Int32Array.from(picked), scores: Float32Array.from(picked, (i) => adj[i]!) };
}
