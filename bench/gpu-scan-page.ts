// A hook for `bench/gpu-scan.mjs`: times the fp32 top-k scan on the page's
// WebGPU adapter with the kernel before register blocking (bench/baseline/
// scan-topk-4q.wgsl: one row per invocation, 4 queries per workgroup), the
// current one (shaders/scan-topk.wgsl) with the barrier-only top-k sort, and
// the current one with the subgroup sort (where the adapter has `subgroups`),
// on the same shards, queries and k, and checks that all return the same hits.
import baselineScan from './baseline/scan-topk-4q.wgsl?raw';
import scanSrc from '../shaders/scan-topk.wgsl?raw';
import { requestGpu } from '../src/gpu/device';
import {
  CHUNK,
  compileTopK,
  SCAN_QUERIES_PER_GROUP,
  type TopKPipelines,
} from '../src/gpu/pipelines';
import { TopKRunner } from '../src/gpu/topk-search';
import { VectorShards } from '../src/gpu/vector-shards';
import { unitRows } from '../test/search/fixtures';

/** Options of {@link runGpuScanBench}. */
export interface GpuScanBenchOptions {
  /** Stored rows. */
  n: number;
  /** Vector length. */
  dim: number;
  /** Queries per search, one row of the table per value. */
  batches: number[];
  /** Hits per query. */
  k: number;
  /** Timed searches per kernel and batch (after one warm-up). */
  reps: number;
  /** PRNG seed. */
  seed: number;
}

/** One kernel at one batch size. */
export interface GpuScanBenchRow {
  /** baseline and blocked sort with barriers only; subgroups: blocked with the subgroup sort. */
  kernel: 'baseline' | 'blocked' | 'subgroups';
  batch: number;
  /** Median wall time of one search divided by the batch. */
  msPerQuery: number;
  /** Fastest rep's wall time divided by the batch. */
  minMsPerQuery: number;
  /** Each rep's wall time of one search, ms. */
  searchMs: number[];
}

/** What {@link runGpuScanBench} measured. */
export interface GpuScanBenchResult {
  adapter: string;
  features: string[];
  rows: GpuScanBenchRow[];
  /** Per batch: every kernel returned identical (score, slot) pairs. */
  sameHits: Record<number, boolean>;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Builds the shards once and times both kernels at each batch size.
 * @param o - see {@link GpuScanBenchOptions}
 */
export async function runGpuScanBench(o: GpuScanBenchOptions): Promise<GpuScanBenchResult> {
  const { gpu, reason } = await requestGpu();
  if (!gpu) throw new Error(`no WebGPU: ${reason}`);
  const { device } = gpu;
  const barrier = { subgroups: false };
  const kernels: [GpuScanBenchRow['kernel'], TopKPipelines][] = [
    ['baseline', await compileTopK(device, baselineScan, 4, barrier)],
    ['blocked', await compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP, barrier)],
  ];
  if (device.features.has('subgroups')) {
    kernels.push(['subgroups', await compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP)]);
  }
  const shards = new VectorShards(device, o.dim, VectorShards.maxShardRows(device, o.dim), 'bench');
  shards.ensure(o.n, 0);
  shards.write(0, unitRows(o.n, o.dim, o.seed));
  const removed = device.createBuffer({
    size: Math.max(16, Math.ceil(o.n / 128) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
  });
  const views = shards.views(o.n);
  const chunks = views.reduce((a, s) => a + Math.ceil(s.rows / CHUNK), 0);
  const rows: GpuScanBenchRow[] = [];
  const sameHits: Record<number, boolean> = {};
  try {
    for (const batch of o.batches) {
      const queries = new Float32Array(batch * shards.stride);
      const q = unitRows(batch, o.dim, o.seed + batch);
      for (let i = 0; i < batch; i++)
        queries.set(q.subarray(i * o.dim, (i + 1) * o.dim), i * shards.stride);
      // Reps alternate between the kernels, so a change in machine load hits both alike.
      const runners = kernels.map(
        ([kernel, pipelines]) => new TopKRunner(device, pipelines, `bench ${kernel}`),
      );
      if (runners[0]!.maxBatch(chunks, o.k) < batch) throw new Error(`batch ${batch} too large`);
      const job = {
        shards: views,
        removed,
        queries,
        nq: batch,
        stride: shards.stride,
        k: o.k,
        allow: null,
      };
      const answers: Uint32Array[] = [];
      for (const runner of runners) answers.push(await runner.run(job)); // warm-up, and the answers compared
      const searchMs: number[][] = kernels.map(() => []);
      for (let r = 0; r < o.reps; r++) {
        for (const [i, runner] of runners.entries()) {
          const t0 = performance.now();
          await runner.run(job);
          searchMs[i]!.push(performance.now() - t0);
        }
      }
      for (const [i, [kernel]] of kernels.entries()) {
        runners[i]!.destroy();
        const ms = searchMs[i]!;
        rows.push({
          kernel,
          batch,
          msPerQuery: median(ms) / batch,
          minMsPerQuery: Math.min(...ms) / batch,
          searchMs: ms,
        });
      }
      sameHits[batch] = answers.every((a) => a.every((w, i) => w === answers[0]![i]));
    }
  } finally {
    shards.destroy();
    removed.destroy();
  }
  const name = [gpu.info.vendor, gpu.info.architecture].filter(Boolean).join(' ');
  return { adapter: name, features: gpu.info.features, rows, sameHits };
}
