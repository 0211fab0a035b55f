// Step 5 of a search, the rerank, as one fused pass: per-memory features folded into the
// scores, the best `pool` kept, MMR over them. The same job runs on the CPU twin
// (`rerankFused`) or on the GPU (`GpuReranker`); both give the same order.
import type { Scores, TieOrder } from './fusion';
import { ranked } from './fusion';
import type { MemoryFeatures } from './rerank';
import type { RerankStageOptions } from './options';
import {
  MAX_CANDIDATES,
  MAX_POOL,
  type FusedRerankInput,
  type FusedRerankResult,
} from '../search/rerank-fused';

/** A rerank ready for the fused kernel: candidate ids (best score first) and the kernel input. */
export interface RerankJob {
  /** Candidate `i` of the input is `ids[i]`. */
  ids: string[];
  input: FusedRerankInput;
}

/**
 * Whether the fused kernel can take a rerank: not with an episode penalty (a CPU-only step) or
 * a limit beyond its largest pool.
 * @param o - rerank options
 * @param limit - results wanted
 */
export function fusable(o: RerankStageOptions, limit: number): boolean {
  return (o.episodePenalty ?? 0) <= 0 && limit <= MAX_POOL;
}

/**
 * Builds the kernel input from the scores before features: candidates as `ranked()` orders
 * them (best first, ties in `tie` order; ties in the kernel go to the lower index, so equal
 * scores, and scores equal once rounded to float32, keep that order), a zero vector row for a
 * candidate without one (or every row when MMR is off), features `c × 3` with NaN unknown.
 * Beyond {@link MAX_CANDIDATES} only the best raw scores take part.
 * @param scores - relevance scores (stages 1–4)
 * @param limit - results wanted
 * @param o - rerank options (λ default 1: no MMR)
 * @param vector - a memory's unit vector, if known
 * @param features - a memory's features, if known
 * @param tie - order of equal scores (default by id)
 */
export function rerankJob(
  scores: Scores,
  limit: number,
  o: RerankStageOptions,
  vector?: (id: string) => Float32Array | undefined,
  features?: (id: string) => MemoryFeatures | undefined,
  tie?: TieOrder,
): RerankJob {
  const best = ranked(scores, MAX_CANDIDATES, tie);
  const ids = best.map(([id]) => id);
  const c = ids.length;
  const lambda = o.lambda ?? 1;
  const vecs = lambda < 1 && vector ? ids.map((id) => vector(id)) : [];
  const dim = vecs.find((v) => v !== undefined)?.length ?? 1;
  const vectors = new Float32Array(c * dim);
  vecs.forEach((v, i) => v && vectors.set(v, i * dim));
  const input: FusedRerankInput = {
    vectors,
    dim,
    scores: Float32Array.from(best, ([, s]) => s),
    lambda,
    pool: o.pool ?? 100,
    limit: Math.min(limit, c),
    ...(o.features ? { weights: o.features } : {}),
  };
  if (features) {
    const f = new Float32Array(c * 3).fill(NaN);
    ids.forEach((id, i) => {
      const x = features(id);
      if (x?.recency !== undefined) f[i * 3] = x.recency;
      if (x?.retention !== undefined) f[i * 3 + 1] = x.retention;
      if (x?.trust !== undefined) f[i * 3 + 2] = x.trust;
    });
    input.features = f;
  }
  return { ids, input };
}

/**
 * A job with its candidates' vectors filled in (for MMR when the vectors were not at hand when
 * the job was built, e.g. read from the store); unknown ones stay zero rows.
 * @param job - the job
 * @param vectors - candidate `i`'s unit vector, or undefined
 * @param dim - vector length
 */
export function withVectors(
  job: RerankJob,
  vectors: readonly (Float32Array | undefined)[],
  dim: number,
): RerankJob {
  const rows = new Float32Array(job.ids.length * dim);
  vectors.forEach((v, i) => v && rows.set(v, i * dim));
  return { ids: job.ids, input: { ...job.input, vectors: rows, dim } };
}

/**
 * The picks of a rerank as ids with their feature-adjusted scores, best first.
 * @param job - the job
 * @param result - what the kernel or its twin returned
 */
export function rerankResult(
  job: RerankJob,
  result: FusedRerankResult,
): { id: string; score: number }[] {
  return Array.from(result.order, (i, r) => ({ id: job.ids[i]!, score: result.scores[r]! }));
}
