// Page side of bench/index-memory.mjs: builds one index per mode on the same rows
// (through createVectorIndex, as the engine does), keeps it alive while the driver
// reads the page's heap over the DevTools protocol, then times queries and measures
// recall@10 against the exact fp32 answers.
import { createVectorIndex } from '../src/engine/vector-index-factory';
import type { IndexModeOption } from '../src/search/index-mode';
import type { SearchHits, VectorIndex } from '../src/search/vector-index';
import { clusteredRows, recallAt } from '../test/search/quant-fixtures';

/** Options of {@link memoryBenchData}. */
export interface MemoryBenchOptions {
  /** Stored rows. */
  n: number;
  /** Vector length. */
  dim: number;
  /** Queries for timing and recall. */
  nq: number;
  /** PRNG seed. */
  seed: number;
}

// WebAssembly memories are not in Runtime.getHeapUsage's figures: every one created on this
// page is tracked (weakly) so the driver can add the live ones' sizes.
const memories = new Set<WeakRef<WebAssembly.Memory>>();
WebAssembly.Memory = new Proxy(WebAssembly.Memory, {
  construct(target, args: [WebAssembly.MemoryDescriptor]) {
    const m = Reflect.construct(target, args) as WebAssembly.Memory;
    memories.add(new WeakRef(m));
    return m;
  },
});

/** Bytes of the live WebAssembly memories of this page (after the driver's GC). */
export function memoryBenchWasmBytes(): number {
  let bytes = 0;
  for (const r of memories) {
    const m = r.deref();
    if (m) bytes += m.buffer.byteLength;
    else memories.delete(r);
  }
  return bytes;
}

let rows: Float32Array = new Float32Array(0);
let queries: Float32Array = new Float32Array(0);
let truth: SearchHits[] = [];
let dim = 0;
let index: VectorIndex | undefined;
let gpuBytes = 0;

/**
 * Generates the rows and queries once (they stay alive for every mode's reading).
 * @param o - sizes and seed
 */
export function memoryBenchData(o: MemoryBenchOptions): { rowBytes: number } {
  const all = clusteredRows(o.n + o.nq, o.dim, o.seed, 256, 0.9);
  rows = all.subarray(0, o.n * o.dim);
  queries = all.subarray(o.n * o.dim);
  dim = o.dim;
  truth = [];
  return { rowBytes: rows.byteLength };
}

/**
 * Builds the index of `mode` over the rows (writes of 4096 rows, as a store's open
 * streams them) and runs one search so that lazy work (IVF training) is done.
 * @param mode - the index mode
 * @param backend - where it scans
 */
export async function memoryBenchBuild(
  mode: IndexModeOption,
  backend: 'cpu' | 'webgpu',
): Promise<{ buildMs: number; kind: string; mode: string; reportedBytes: number }> {
  const t0 = performance.now();
  const chosen = await createVectorIndex({ dim, backend, mode, calibrate: false });
  index = chosen.index;
  const n = rows.length / dim;
  for (let f = 0; f < n; f += 4096) {
    await index.write(f, rows.subarray(f * dim, Math.min(n, f + 4096) * dim));
  }
  const ivf = index as { build?: () => Promise<void> };
  if (typeof ivf.build === 'function') await ivf.build();
  await index.search(queries.subarray(0, dim), 10);
  const own = index as { residentBytesPerVector?: number; mode?: string };
  const store = (index as unknown as { store?: { bytes?: number; kind?: string } }).store;
  gpuBytes = store?.kind === 'webgpu' ? (store.bytes ?? 0) : 0;
  return {
    buildMs: performance.now() - t0,
    kind: index.kind,
    mode: own.mode ?? 'fp32',
    reportedBytes: own.residentBytesPerVector ?? dim * 4,
  };
}

/**
 * Times single queries on the built index and measures recall@10 against exact fp32
 * (the fp32 mode, run first, sets the truth).
 */
export async function memoryBenchSearch(): Promise<{
  msPerQuery: number;
  p50Ms: number;
  p95Ms: number;
  recallAt10: number;
  gpuBytes: number;
}> {
  const nq = queries.length / dim;
  const got: SearchHits[] = [];
  const times: number[] = [];
  for (let q = 0; q < nq; q++) {
    const t0 = performance.now();
    const [h] = await index!.search(queries.subarray(q * dim, (q + 1) * dim), 10);
    times.push(performance.now() - t0);
    got.push(h!);
  }
  if (truth.length === 0) truth = got;
  times.sort((a, b) => a - b);
  return {
    msPerQuery: times.reduce((a, b) => a + b, 0) / nq,
    p50Ms: times[Math.floor(nq / 2)]!,
    p95Ms: times[Math.min(nq - 1, Math.floor(nq * 0.95))]!,
    recallAt10: recallAt(got, truth, 10),
    gpuBytes,
  };
}

/** Disposes the index (the driver reads the heap again after it). */
export function memoryBenchDrop(): void {
  index?.dispose();
  index = undefined;
  gpuBytes = 0;
}
