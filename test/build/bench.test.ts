// The benchmark commands run from the repo as a user runs them (real npm scripts, their own
// Vite server and headless Chromium), at a tiny size, so they cannot rot: each must exit 0 and
// end with a JSON line whose figures are finite and plausible. The diagnostic benches the docs
// name (index-memory, cold-open, scale-profile, scale-node) run in bench-diagnostics.test.ts.
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Row } from '../../bench/engines-page';
import { lastJson, positive } from '../helpers/last-json';

test(
  'npm run bench at a tiny size: engine rows and end-to-end figures',
  { timeout: 180_000 },
  () => {
    const out = lastJson('npm', [
      'run',
      'bench',
      '--',
      '--sizes=600',
      '--sets=random-64',
      '--queries=16',
      '--budget=50',
      '--e2e-n=200',
      '--ingest-n=12',
      '--e2e-searches=8',
    ]) as { rows: Row[]; endToEnd: Record<string, number | boolean> };
    const engines = new Set(out.rows.map((r) => r.engine));
    for (const e of [
      'plain-js',
      'engram-cpu',
      'engram',
      '@orama/orama',
      'hnswlib-wasm',
      'voy-search',
    ])
      expect(engines, e).toContain(e);
    for (const r of out.rows) {
      expect(r).toMatchObject({ data: 'random', n: 600, dim: 64 });
      expect([1, 16]).toContain(r.batch);
      positive(r.msPerQuery);
      expect(r.p95Ms).toBeGreaterThanOrEqual(r.msPerQuery);
      expect(r.recallAt10).toBeGreaterThan(0);
      expect(r.recallAt10).toBeLessThanOrEqual(1);
      expect(r.buildMs).toBeGreaterThanOrEqual(0);
      if (r.bytesPerVector !== null) expect(r.bytesPerVector).toBeGreaterThanOrEqual(64);
    }
    // Through the public API (Engram.open, index mode ivf): below IVF's 1 000 vectors it is exact.
    expect(out.rows.find((r) => r.engine === 'engram')).toMatchObject({
      mode: 'ivf',
      recallAt10: 1,
      note: 'info(): fp32, 600 memories, cpu',
    });
    // Exact search is exact: the plain loop, the JS twin and the WASM scan all find the true top-10.
    const exact = out.rows.filter((r) => r.engine === 'plain-js' || r.engine === 'engram-cpu');
    expect(exact.map((r) => r.mode).sort()).toEqual(
      ['fp32', 'fp32-js', 'fp32-js', 'fp32-wasm', 'fp32-wasm'].sort(),
    );
    for (const r of exact) {
      expect(r.recallAt10).toBe(1);
      expect(r.bytesPerVector).toBe(64 * 4);
    }

    const e = out.endToEnd;
    // From the library build made for the run (bench/.cache/e2e-dist), as an app bundles it.
    expect(e).toMatchObject({
      memories: 200,
      dim: 512,
      inWorker: true,
      ingestN: 12,
      engine: 'library build',
    });
    for (const k of [
      'ingestTurnsPerSec',
      'modelTurnsPerSec',
      'coldOpenMs',
      'firstSearchMs',
      'hybridSearchP50Ms',
      'hybridSearchP95Ms',
      'idbBytesPerMemory',
    ])
      positive(e[k] as number);
    expect(e.hybridSearchP95Ms).toBeGreaterThanOrEqual(e.hybridSearchP50Ms as number);
    // 200 memories: below IVF, so no lists to open from (past 20k the open must be staged).
    expect(e.stagedFromCodes).toBe(false);
    // Heap is a difference of two readings: finite, and at 200 memories within ±1 MiB a memory.
    expect(Math.abs(e.heapBytesPerMemory as number)).toBeLessThan(2 ** 20);
    // A memory stores at least its 512-d fp32 vector (2 KiB) in IndexedDB, and not 1 MiB.
    expect(e.idbBytesPerMemory).toBeGreaterThan(2048);
    expect(e.idbBytesPerMemory).toBeLessThan(2 ** 20);
  },
);

test(
  'npm run bench:search at a tiny size: the CPU twin and WebGPU agree',
  { timeout: 120_000 },
  () => {
    const out = lastJson('npm', [
      'run',
      'bench:search',
      '--',
      '--json',
      '--sizes=500',
      '--dims=64',
      '--batches=1',
      '--budget=50',
    ]) as {
      rows: {
        n: number;
        dim: number;
        cpuMs: number;
        gpuMs: number | null;
        agreement: number | null;
      }[];
    };
    expect(out.rows).toHaveLength(1);
    expect(out.rows[0]).toMatchObject({ n: 500, dim: 64 });
    positive(out.rows[0]!.cpuMs);
    if (out.rows[0]!.gpuMs !== null) {
      positive(out.rows[0]!.gpuMs);
      expect(out.rows[0]!.agreement).toBe(1);
    }
  },
);

test('node bench/reads.mjs at a tiny size: searches write nothing', { timeout: 120_000 }, () => {
  const out = lastJson('node', [
    'bench/reads.mjs',
    '--memories=100',
    '--searches=10',
    '--runs=1',
    '--json',
  ]) as {
    p50: number;
    p95: number;
    logGrowthDuringSearches: number;
    distinctHits: number;
    underLock: { tried: number; done: number };
  }[];
  expect(out).toHaveLength(1);
  positive(out[0]!.p50);
  expect(out[0]!.p95).toBeGreaterThanOrEqual(out[0]!.p50);
  expect(out[0]!.logGrowthDuringSearches).toBe(0);
  expect(out[0]!.distinctHits).toBeGreaterThan(0);
  expect(out[0]!.underLock.done).toBe(out[0]!.underLock.tried);
});

test(
  'node bench/run.mjs encryption at a tiny size: every cost as a finite ratio',
  { timeout: 120_000 },
  () => {
    const out = lastJson('node', [
      'bench/run.mjs',
      'encryption',
      '--memories=100',
      '--searches=10',
      '--runs=1',
      '--json',
    ]) as {
      memories: number;
      plain: Record<string, number>;
      encrypted: Record<string, number>;
      ratio: Record<string, number>;
    };
    expect(out.memories).toBe(100);
    const keys = ['createMs', 'addManyMsPerMemory', 'addMs', 'searchP50Ms', 'reopenMs'];
    for (const k of keys) {
      positive(out.plain[k]!);
      positive(out.encrypted[k]!);
      expect(out.ratio[k]).toBeCloseTo(out.encrypted[k]! / out.plain[k]!, 6);
    }
  },
);

test.skipIf(!existsSync('../shared/data/beam/100K'))(
  'node bench/scale.mjs at two tiny sizes: one row per size and the log-log slopes',
  { timeout: 120_000 },
  () => {
    const out = lastJson('node', [
      'bench/scale.mjs',
      '--sizes=150,300',
      '--searches=5',
      '--adds=5',
      '--json',
    ]) as {
      rows: Record<string, number>[];
      slopes: Record<string, number | null>;
    };
    expect(out.rows.map((r) => r.n)).toEqual([150, 300]);
    // No --index: the engine's default ('auto'), exact at these sizes.
    expect(out.rows.map((r) => r.indexMode as unknown)).toEqual(['fp32', 'fp32']);
    for (const r of out.rows) {
      for (const k of ['fillS', 'searchP50', 'againP50', 'denseP50', 'addPerS']) positive(r[k]!);
      expect(r.searchP95).toBeGreaterThanOrEqual(r.searchP50!);
      expect(r.againP95).toBeGreaterThanOrEqual(r.againP50!);
      expect(r.denseP95).toBeGreaterThanOrEqual(r.denseP50!);
    }
    // The slope is the log-log ratio of the two rows, as printed.
    const [a, b] = out.rows as [Record<string, number>, Record<string, number>];
    expect(out.slopes.addPerS).toBeCloseTo(Math.log(b.addPerS! / a.addPerS!) / Math.log(2), 9);
  },
);

test(
  'node bench/run.mjs gpu-scan at a tiny size: every kernel (and the subgroup sort where offered) finds the same hits',
  { timeout: 120_000 },
  () => {
    const out = lastJson('node', [
      'bench/run.mjs',
      'gpu-scan',
      '--n=1000',
      '--dim=64',
      '--batches=1,9',
      '--reps=1',
      '--json',
    ]) as {
      adapter: string;
      features: string[];
      rows: { kernel: string; batch: number; msPerQuery: number; minMsPerQuery: number }[];
      sameHits: Record<string, boolean>;
    };
    const kernels = ['baseline', 'blocked'];
    if (out.features.includes('subgroups')) kernels.push('subgroups');
    expect(out.rows.map((r) => `${r.kernel}/${r.batch}`).sort()).toEqual(
      kernels.flatMap((k) => [`${k}/1`, `${k}/9`]).sort(),
    );
    for (const r of out.rows) {
      positive(r.msPerQuery);
      expect(r.minMsPerQuery).toBeLessThanOrEqual(r.msPerQuery);
    }
    expect(out.sameHits).toEqual({ 1: true, 9: true });
  },
);

test(
  'node bench/run.mjs sync at a tiny size: both scenarios converge, with a plausible rate',
  { timeout: 150_000 },
  () => {
    // The bench exits non-zero unless every device ends holding every event with none pending.
    const out = lastJson('node', ['bench/run.mjs', 'sync', '--events=60']) as {
      events: number;
      rows: { scenario: string; events: number; ms: number; eventsPerSecond: number }[];
    };
    expect(out.events).toBe(60);
    expect(out.rows.map((r) => r.scenario)).toEqual(['one way', 'both ways']);
    for (const r of out.rows) {
      expect(r.events).toBe(60);
      positive(r.ms);
      expect(r.eventsPerSecond).toBe(Math.round((r.events / r.ms) * 1000));
    }
  },
);
