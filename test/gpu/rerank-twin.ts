// Runs in the test page: the fused rerank kernel and its CPU twin on the same
// candidates, inside a validation error scope.
import { requestGpu } from '../../src/gpu/device';
import { GpuReranker } from '../../src/gpu/rerank-kernel';
import { rerankFused, type FusedRerankInput } from '../../src/search/rerank-fused';
import { rng, sixteenths } from '../search/fixtures';
import { clusteredRows } from '../search/quant-fixtures';

/** One rerank case. */
export interface RerankCase {
  c: number;
  dim: number;
  seed: number;
  /** Dyadic data (exact in f32) or clustered floats. */
  exact: boolean;
  lambda: number;
  pool: number;
  limit: number;
  /** Drop the features entirely. */
  noFeatures?: boolean;
}

/**
 * Both orders for each case, plus validation errors.
 * @param cases - the cases
 */
export async function runRerankTwin(
  cases: RerankCase[],
): Promise<{ gpu: number[][]; cpu: number[][]; errors: string[] }> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  gpu.device.pushErrorScope('validation');
  const reranker = await GpuReranker.create(gpu);
  const out = { gpu: [] as number[][], cpu: [] as number[][], errors: [] as string[] };
  for (const k of cases) {
    const r = rng(k.seed);
    const q = (x: number) => (k.exact ? Math.round(x * 64) / 64 : x);
    const input: FusedRerankInput = {
      vectors: k.exact
        ? sixteenths(k.c, k.dim, k.seed, 4)
        : clusteredRows(k.c, k.dim, k.seed, 8, 0.6),
      dim: k.dim,
      scores: Float32Array.from({ length: k.c }, () => q(r())),
      features: k.noFeatures
        ? undefined
        : Float32Array.from({ length: k.c * 3 }, () => (r() < 0.2 ? NaN : q(r()))),
      weights: { recency: 0.25, retention: 0.125, trust: 0.5 },
      lambda: k.lambda,
      pool: k.pool,
      limit: k.limit,
    };
    out.gpu.push(Array.from((await reranker.rerank(input)).order));
    out.cpu.push(Array.from(rerankFused(input).order));
  }
  const error = await gpu.device.popErrorScope();
  if (error) out.errors.push(error.message);
  return out;
}
