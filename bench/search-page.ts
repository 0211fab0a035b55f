// Search benchmark, run in the page: the WebGPU kernel, its CPU twin and the
// backend 'auto' picks, on the same random unit vectors. Driven by
// bench/run.mjs (headless) or bench/search.html (any browser, real GPUs too).
import { requestGpu } from '../src/gpu/device';
import { GpuFlatIndex } from '../src/gpu/gpu-index';
import { createVectorIndex } from '../src/engine/vector-index-factory';
import { CpuFlatIndex } from '../src/search/cpu-index';
import type { SearchHits, VectorIndex } from '../src/search/vector-index';

/** One table row. */
export interface BenchRow {
  n: number;
  dim: number;
  batch: number;
  k: number;
  /** ms per query on WebGPU (null without an adapter). */
  gpuMs: number | null;
  /** ms per query on the CPU twin. */
  cpuMs: number;
  /** What createVectorIndex({ backend: 'auto' }) picked. */
  auto: 'webgpu' | 'cpu';
  /** ms per query of the picked backend. */
  autoMs: number;
  /** cpuMs / gpuMs (> 1: the GPU is faster). */
  speedup: number | null;
  /** Fraction of GPU hit ids also in the CPU hits (1 = identical sets). */
  agreement: number | null;
  /** Timed calls per backend. */
  gpuReps: number;
  cpuReps: number;
}

/** Adapter facts for the table header. */
export interface BenchEnv {
  adapter: string | null;
  software: boolean | null;
  autoReason: string;
  userAgent: string;
}

interface Built {
  n: number;
  dim: number;
  cpu: CpuFlatIndex;
  gpu: GpuFlatIndex | null;
}

let built: Built | null = null;
const autoCache = new Map<number, { backend: 'webgpu' | 'cpu'; reason: string }>();

/** Random unit rows from a small LCG (fast: 51M numbers for 100k × 512). */
function unitRows(rows: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(rows * dim);
  let s = seed >>> 0;
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v = s / 2 ** 31 - 1;
      out[r * dim + i] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) out[r * dim + i]! *= inv;
  }
  return out;
}

async function build(n: number, dim: number): Promise<Built> {
  if (built && built.n === n && built.dim === dim) return built;
  built?.cpu.dispose();
  built?.gpu?.dispose();
  built = null;
  const data = unitRows(n, dim, n + dim);
  const cpu = new CpuFlatIndex({ dim, initialCapacity: n });
  await cpu.write(0, data);
  const { gpu: ctx } = await requestGpu();
  const gpu = ctx ? await GpuFlatIndex.create({ dim, gpu: ctx }) : null;
  if (gpu) {
    // Appended in 10 batches, as an app would.
    for (let b = 0; b < 10; b++) {
      const lo = Math.floor((b * n) / 10);
      const hi = Math.floor(((b + 1) * n) / 10);
      await gpu.write(lo, data.subarray(lo * dim, hi * dim));
    }
  }
  built = { n, dim, cpu, gpu };
  return built;
}

/**
 * Median ms per call: one warm-up, then samples until `budgetMs` is spent (≥ minReps). A sample
 * repeats the call until 1 ms has passed: the page's clock is coarsened (0.1 ms here), and a
 * tiny search timed once reads 0.
 */
async function time(
  f: () => Promise<unknown>,
  budgetMs: number,
  minReps: number,
): Promise<{ ms: number; reps: number; last: unknown }> {
  let last = await f();
  const runs: number[] = [];
  const start = performance.now();
  while (runs.length < minReps || (performance.now() - start < budgetMs && runs.length < 200)) {
    const t0 = performance.now();
    let calls = 0;
    do {
      last = await f();
      calls++;
    } while (performance.now() - t0 < 1);
    runs.push((performance.now() - t0) / calls);
  }
  runs.sort((a, b) => a - b);
  return { ms: runs[runs.length >> 1]!, reps: runs.length, last };
}

function agreement(a: SearchHits[], b: SearchHits[]): number {
  let same = 0;
  let total = 0;
  a.forEach((h, q) => {
    const other = new Set(b[q]!.slots);
    for (const s of h.slots) if (other.has(s)) same++;
    total += h.slots.length;
  });
  return total ? same / total : 1;
}

/** What 'auto' picks for `dim` (cached per dim). */
export async function autoChoice(
  dim: number,
): Promise<{ backend: 'webgpu' | 'cpu'; reason: string }> {
  let c = autoCache.get(dim);
  if (!c) {
    const chosen = await createVectorIndex({ dim, backend: 'auto' });
    chosen.index.dispose();
    c = { backend: chosen.backend, reason: chosen.reason };
    autoCache.set(dim, c);
  }
  return c;
}

/** Adapter facts and the 'auto' reason for `dim`. */
export async function env(dim: number): Promise<BenchEnv> {
  const { gpu } = await requestGpu();
  const info = gpu?.info;
  return {
    adapter: info ? [info.vendor, info.architecture].filter(Boolean).join(' ') : null,
    software: info?.software ?? null,
    autoReason: (await autoChoice(dim)).reason,
    userAgent: navigator.userAgent,
  };
}

/** Options of {@link runCase}. */
export interface CaseOptions {
  n: number;
  dim: number;
  batch: number;
  k?: number;
  /** Time per backend, ms (default 1500). */
  budgetMs?: number;
  /** Least timed calls per backend (default 2). */
  minReps?: number;
}

/**
 * Builds (or reuses) the N × dim data and times one (batch, k) case.
 * @param o - see {@link CaseOptions}
 */
export async function runCase(o: CaseOptions): Promise<BenchRow> {
  const k = o.k ?? 10;
  const budget = o.budgetMs ?? 1500;
  const minReps = o.minReps ?? 2;
  const b = await build(o.n, o.dim);
  const queries = unitRows(o.batch, o.dim, 7 + o.batch);
  const run = (index: VectorIndex) => () => index.search(queries, k);
  const cpu = await time(run(b.cpu), budget, minReps);
  const gpu = b.gpu ? await time(run(b.gpu), budget, minReps) : null;
  const cpuMs = cpu.ms / o.batch;
  const gpuMs = gpu ? gpu.ms / o.batch : null;
  const auto = (await autoChoice(o.dim)).backend;
  return {
    n: o.n,
    dim: o.dim,
    batch: o.batch,
    k,
    gpuMs,
    cpuMs,
    auto,
    autoMs: auto === 'webgpu' && gpuMs !== null ? gpuMs : cpuMs,
    speedup: gpuMs ? cpuMs / gpuMs : null,
    agreement: gpu ? agreement(gpu.last as SearchHits[], cpu.last as SearchHits[]) : null,
    gpuReps: gpu?.reps ?? 0,
    cpuReps: cpu.reps,
  };
}
