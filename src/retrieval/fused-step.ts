// Step 5 of a search, the rerank, as one fused pass: per-memory features folded into the
// scores, the best `pool` kept, MMR over them. The same job runs on the CPU twin
// (`rerankFused`) or on the GPU (`GpuReranker`); both give the same order.
import type { Scores, TieOrder } from './fusion';
import { byId, ranked } from './fusion';
import { selectAt } from './select';
import type { MemoryFeatures } from './rerank';
import type { RerankStageOptions } from './options';
import {
  adjustedScores,
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
 * Builds the kernel input from the scores before features: the candidates the kernel's pool
 * would hold, in the order it would hold them. The kernel ranks its candidates by
 * feature-adjusted score, ties to the lower index; given them as `ranked()` orders them (best
 * raw score first, ties in `tie` order), its pool is the best `pool` by adjusted score, then
 * raw score, then `tie`. That pool is picked here (features of every candidate, a full sort of
 * the pool only), and only it goes to the kernel: the same picks and scores as the whole list,
 * without sorting every candidate twice. A zero vector row for a candidate without one (or
 * every row when MMR is off), features `c × 3` with NaN unknown. Beyond {@link MAX_CANDIDATES}
 * only the best raw scores take part.
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
  tie: TieOrder = byId,
): RerankJob {
  let all: string[];
  let raw: Float64Array;
  if (scores.size > MAX_CANDIDATES) {
    const best = ranked(scores, MAX_CANDIDATES, tie);
    all = best.map(([id]) => id);
    raw = Float64Array.from(best, ([, s]) => s);
  } else {
    all = [...scores.keys()];
    raw = new Float64Array(all.length);
    let i = 0;
    for (const v of scores.values()) raw[i++] = v;
  }
  const c = all.length;
  const f = features ? featureRows(all, features) : undefined;
  const weights = o.features ? { weights: o.features } : {};
  const adj = adjustedScores({
    vectors: NO_VECTORS,
    dim: 1,
    scores: Float32Array.from(raw),
    limit: 0,
    ...(f ? { features: f } : {}),
    ...weights,
  });
  const pool = o.pool ?? 100;
  const size = Math.min(c, MAX_POOL, Math.max(Math.min(limit, c), pool));
  const order = poolOrder(adj, raw, all, size, tie);
  // A loop, not `order.map`: V8's optimised `map` makes an array of another elements kind
  // than the builtin's, and the `ids.length` below then threw this function's optimised code
  // away on its first run (a recompile in the first searches after a bulk fill).
  const ids: string[] = [];
  for (const i of order) ids.push(all[i]!);
  const lambda = o.lambda ?? 1;
  const vecs = lambda < 1 && vector ? ids.map((id) => vector(id)) : [];
  const dim = vecs.find((v) => v !== undefined)?.length ?? 1;
  const vectors = new Float32Array(ids.length * dim);
  vecs.forEach((v, i) => v && vectors.set(v, i * dim));
  const input: FusedRerankInput = {
    vectors,
    dim,
    scores: Float32Array.from(order, (i) => raw[i]!),
    lambda,
    pool,
    limit: Math.min(limit, ids.length),
    ...weights,
  };
  if (f) {
    const rows = new Float32Array(ids.length * 3);
    order.forEach((i, k) => rows.set(f.subarray(i * 3, i * 3 + 3), k * 3));
    input.features = rows;
  }
  return { ids, input };
}

const NO_VECTORS = new Float32Array(0);

/** Each candidate's features as the kernel takes them: `c × 3`, NaN unknown. */
function featureRows(
  ids: readonly string[],
  features: (id: string) => MemoryFeatures | undefined,
): Float32Array {
  const f = new Float32Array(ids.length * 3).fill(NaN);
  for (let i = 0; i < ids.length; i++) {
    const x = features(ids[i]!);
    if (x?.recency !== undefined) f[i * 3] = x.recency;
    if (x?.retention !== undefined) f[i * 3 + 1] = x.retention;
    if (x?.trust !== undefined) f[i * 3 + 2] = x.trust;
  }
  return f;
}

/**
 * The `size` best candidates in the kernel's pool order: adjusted score, then raw score (best
 * first), then `tie`. Only those at or above the size-th adjusted score are sorted.
 */
function poolOrder(
  adj: Float32Array,
  raw: Float64Array,
  ids: readonly string[],
  size: number,
  tie: TieOrder,
): number[] {
  const c = adj.length;
  if (size <= 0) return [];
  let cut = -Infinity;
  if (size < c) {
    cut = selectAt(Float64Array.from(adj), c - size);
    if (Number.isNaN(cut)) cut = -Infinity;
  }
  const held: number[] = [];
  for (let i = 0; i < c; i++) if (!(adj[i]! < cut)) held.push(i);
  held.sort((a, b) => adj[b]! - adj[a]! || raw[b]! - raw[a]! || tie(ids[a]!, ids[b]!));
  return held.length > size ? held.slice(0, size) : held;
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
