// A hook for the benchmark: builds each quantized mode (and the fp32 flat
// index) on the same data, times searches and measures recall@10 against
// exact fp32. Runs in a page (WebGPU or CPU twin) or in Node (CPU twin).
import { CpuFlatIndex } from '../src/search/cpu-index';
import type { QuantMode } from '../src/search/quant/codec';
import { QuantizedIndex } from '../src/search/quant/quantized-index';
import type { SearchHits, VectorIndex } from '../src/search/vector-index';
import { unitRows } from '../test/search/fixtures';
import { clusteredRows, recallAt } from '../test/search/quant-fixtures';

/** Options of {@link runQuantBench}. */
export interface QuantBenchOptions {
  /** Stored rows. */
  n: number;
  /** Vector length. */
  dim: number;
  /** Random unit vectors, or a clustered Gaussian mixture. */
  data: 'random' | 'clustered';
  /** Modes (default fp32, int8, binary-rescore, fp16). */
  modes?: BenchMode[];
  /** Backend of the quantized indexes (default 'cpu'). */
  backend?: 'cpu' | 'webgpu';
  /** Timed queries (default 20). */
  nq?: number;
  /** Queries per search call (default 1). */
  batch?: number;
  /** Hits (default 10). */
  k?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

/** A mode of the bench: the flat fp32 index, or a quantized index with its settings. */
export interface BenchMode {
  /** Row label, e.g. 'binary-rescore'. */
  name: string;
  /** Quantization (absent: exact fp32 flat index). */
  mode?: QuantMode;
  /** Candidates per hit of the coarse pass. */
  candidates?: number;
  /** Share of the rows the coarse pass keeps at least (binary default 0.04). */
  candidateFraction?: number;
  /** false: no rescore. */
  rescore?: boolean;
}

/** One result row (the shape of the `npm run bench` JSON rows). */
export interface QuantBenchRow {
  engine: 'engram-webgpu' | 'engram-cpu';
  mode: string;
  data: string;
  n: number;
  dim: number;
  batch: number;
  msPerQuery: number;
  p95Ms: number;
  recallAt10: number;
  /** Bytes per vector scanned (GPU-resident on webgpu). */
  bytesPerVector: number;
  /** Bytes per vector of the fp32 rescore cache (0 without rescore). */
  cacheBytesPerVector: number;
  buildMs: number;
}

/** The default modes. */
export const DEFAULT_MODES: BenchMode[] = [
  { name: 'fp32' },
  { name: 'int8', mode: 'int8', rescore: false },
  { name: 'int8-rescore', mode: 'int8', candidates: 10 },
  { name: 'binary-rescore', mode: 'binary', candidates: 10 },
  { name: 'binary-rescore-x25', mode: 'binary', candidates: 25 },
  { name: 'fp16', mode: 'fp16', rescore: false },
];

/**
 * Builds and times every mode on one data set.
 * @param opts - see {@link QuantBenchOptions}
 * @example
 * const rows = await runQuantBench({ n: 100_000, dim: 384, data: 'clustered' });
 */
export async function runQuantBench(opts: QuantBenchOptions): Promise<QuantBenchRow[]> {
  const { n, dim } = opts;
  const nq = opts.nq ?? 20;
  const batch = opts.batch ?? 1;
  const k = opts.k ?? 10;
  const gen = opts.data === 'clustered' ? clusteredRows : unitRows;
  const all = gen(n + nq, dim, opts.seed ?? 1);
  const rows = all.subarray(0, n * dim);
  const queries = all.subarray(n * dim);
  let truth: SearchHits[] = [];
  const out: QuantBenchRow[] = [];
  for (const m of opts.modes ?? DEFAULT_MODES) {
    const t0 = performance.now();
    let index: VectorIndex;
    let bytes = dim * 4;
    let cache = 0;
    if (m.mode) {
      const q = await QuantizedIndex.create({
        dim,
        mode: m.mode,
        // The GPU store is loaded only when asked for: its WGSL `?raw` imports need Vite (tsx runs the twin).
        codes:
          opts.backend === 'webgpu'
            ? async (codec) => (await import('../src/gpu/code-store')).createGpuCodeStore(codec, {})
            : undefined,
        candidates: m.candidates,
        candidateFraction: m.candidateFraction,
        rescore: m.rescore,
      });
      bytes = q.residentBytesPerVector;
      cache = q.cacheBytesPerVector;
      index = q;
    } else {
      index = new CpuFlatIndex({ dim });
    }
    await index.write(0, rows);
    await index.search(queries.subarray(0, dim), k); // warm-up
    const buildMs = performance.now() - t0;
    const times: number[] = [];
    const hits: SearchHits[] = [];
    for (let q = 0; q < nq; q += batch) {
      const b = Math.min(batch, nq - q);
      const t = performance.now();
      hits.push(...(await index.search(queries.subarray(q * dim, (q + b) * dim), k)));
      times.push((performance.now() - t) / b);
    }
    if (!m.mode) truth = hits;
    times.sort((a, b) => a - b);
    out.push({
      engine: index.kind === 'webgpu' ? 'engram-webgpu' : 'engram-cpu',
      mode: m.name,
      data: opts.data,
      n,
      dim,
      batch,
      msPerQuery: times[Math.floor(times.length / 2)]!,
      p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))]!,
      recallAt10: truth.length ? recallAt(hits, truth, Math.min(10, k)) : 1,
      bytesPerVector: bytes,
      cacheBytesPerVector: cache,
      buildMs,
    });
    index.dispose();
  }
  return out;
}
