// The diagnostic benches that README.md and bench/RESULTS.md name, run as a user runs them at a
// tiny size so they cannot rot (bench.test.ts runs the others): each must exit 0 and end with a
// JSON line whose figures are finite, plausible and of the size asked for. The ones that read
// chat texts are skipped where ../shared/data is absent.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { lastJson, positive } from '../helpers/last-json';

const BEAM = '../shared/data/beam/100K';

/** A timed kind's figures in bench/scale-node.ts's JSON line (ms). */
interface Spread {
  calls: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

test(
  'node bench/run.mjs index-memory at a tiny size: every mode built, smaller codes, recall in (0, 1]',
  { timeout: 180_000 },
  () => {
    const out = lastJson('node', [
      'bench/run.mjs',
      'index-memory',
      '--n=2000',
      '--dim=64',
      '--nq=50',
      '--json',
    ]) as { rows: Record<string, number | string>[] };
    const rows = Object.fromEntries(out.rows.map((r) => [r.mode, r]));
    expect(out.rows.map((r) => r.mode)).toEqual(['fp32', 'int8', 'binary', 'ivf']);
    for (const r of out.rows) {
      expect(r).toMatchObject({ built: r.mode, kind: 'cpu', n: 2000, dim: 64 });
      expect(r.gpuBytesPerVector).toBe(0);
      // The heap reading is a difference of two GCs' figures: finite, not exact.
      expect(Number.isFinite(r.heapBytesPerVector)).toBe(true);
      positive(r.msPerQuery as number);
      positive(r.buildMs as number);
      expect(r.p95Ms).toBeGreaterThanOrEqual(r.p50Ms as number);
      expect(r.recallAt10).toBeGreaterThan(0);
      expect(r.recallAt10).toBeLessThanOrEqual(1);
    }
    // fp32 is the truth; the codes take what their mode says: 4, 1 and 1/8 bytes a dimension.
    expect(rows.fp32!.recallAt10).toBe(1);
    expect(rows.fp32!.reportedBytesPerVector).toBe(64 * 4);
    expect(rows.int8!.reportedBytesPerVector).toBeLessThan(64 * 4);
    expect(rows.int8!.reportedBytesPerVector).toBeGreaterThanOrEqual(64);
    expect(rows.binary!.reportedBytesPerVector).toBeLessThan(rows.int8!.reportedBytesPerVector);
    expect(rows.binary!.reportedBytesPerVector).toBeGreaterThanOrEqual(64 / 8);
    expect(rows.ivf!.reportedBytesPerVector).toBeGreaterThanOrEqual(64 * 4);
  },
);

test.skipIf(!existsSync('../shared/data/locomo') && !existsSync(BEAM))(
  'node bench/cold-open.mjs --formats=2,3 --mode=ivf at a tiny size: both formats open to the same results',
  { timeout: 180_000 },
  () => {
    // Its own browser profile and a free port, so that it neither reuses nor clobbers a real run's store.
    const profile = mkdtempSync(join(tmpdir(), 'engram-cold-open-test-'));
    try {
      const out = lastJson('node', [
        'bench/cold-open.mjs',
        '--memories=100',
        '--runs=1',
        '--formats=2,3',
        '--mode=ivf',
        '--port=0',
        `--profile=${profile}`,
      ]) as {
        memories: number;
        mode: string;
        runs: number;
        phases: Record<string, number>;
        sameResultsEveryRun: boolean;
        byFormat: Record<string, Record<string, number>>;
      } & Record<string, number>;
      expect(out).toMatchObject({ memories: 100, mode: 'ivf', runs: 1, sameResultsEveryRun: true });
      for (const k of ['coldOpenMs', 'openMs', 'firstSearchMs', 'secondSearchMs'])
        positive(out[k]!);
      expect(out.bestColdOpenMs).toBeLessThanOrEqual(out.coldOpenMs!);
      // The engine's open log line was found and split into its phases.
      expect(Object.keys(out.phases)).toContain('checkpointMs');
      for (const ms of Object.values(out.phases)) expect(ms).toBeGreaterThanOrEqual(0);
      expect(Object.keys(out.byFormat).sort()).toEqual(['format2', 'format3']);
      for (const f of Object.values(out.byFormat)) {
        positive(f.checkpointBytes!);
        positive(f.firstSearchMs!);
        // One run each: the total is that run's open plus its first search.
        expect(f.coldOpenMs).toBeCloseTo(f.openMs! + f.firstSearchMs!, 0);
      }
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  },
);

test(
  'node bench/cold-open.mjs --texts=turns at a tiny size: a store of the end-to-end turns',
  { timeout: 180_000 },
  () => {
    const profile = mkdtempSync(join(tmpdir(), 'engram-cold-open-test-'));
    try {
      const out = lastJson('node', [
        'bench/cold-open.mjs',
        '--memories=120',
        '--runs=1',
        '--texts=turns',
        '--port=0',
        `--profile=${profile}`,
        '--data=/nonexistent', // the turns need no data set
      ]) as { memories: number; texts: string; firstIds: string[]; sameResultsEveryRun: boolean };
      expect(out).toMatchObject({ memories: 120, texts: 'turns', sameResultsEveryRun: true });
      expect(out.firstIds.length).toBe(10);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  },
);

test.skipIf(!existsSync(BEAM))(
  'node bench/scale-profile.mjs at a tiny size: each phase timed and profiled',
  { timeout: 150_000 },
  () => {
    const out = lastJson('node', [
      'bench/scale-profile.mjs',
      '--n=300',
      '--searches=5',
      '--adds=4',
      '--top=3',
    ]) as {
      n: number;
      mode: string;
      fillS: number;
      memoriesAtEnd: number;
      phases: {
        phase: string;
        calls: number;
        p50Ms: number;
        p95Ms: number;
        maxMs: number;
        selfMsPerCall: { fn: string; ms: number }[];
      }[];
    };
    expect(out).toMatchObject({ n: 300, mode: 'fp32' });
    positive(out.fillS);
    // add() may store inferred facts beside the text: at least what was filled.
    expect(out.memoriesAtEnd).toBeGreaterThanOrEqual(300);
    expect(out.phases.map((p) => [p.phase, p.calls])).toEqual([
      ['default search', 5],
      ['search, reinforce: false', 5],
      ['add()', 4],
    ]);
    for (const p of out.phases) {
      positive(p.p50Ms);
      expect(p.p95Ms).toBeGreaterThanOrEqual(p.p50Ms);
      expect(p.maxMs).toBeGreaterThanOrEqual(p.p95Ms);
      expect(p.selfMsPerCall).toHaveLength(3);
      for (const f of p.selfMsPerCall) positive(f.ms);
    }
  },
);

test.skipIf(!existsSync(BEAM))(
  'npx vite-node bench/scale-node.ts --profile --alloc --ids at a tiny size: every kind timed, allocation per search, top 10s written',
  { timeout: 150_000 },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'engram-scale-node-test-'));
    try {
      const ids = join(dir, 'ids.json');
      const out = lastJson('npx', [
        'vite-node',
        'bench/scale-node.ts',
        '--',
        '--n=300',
        '--searches=5',
        '--adds=4',
        '--profile',
        '--alloc',
        `--ids=${ids}`,
      ]) as {
        n: number;
        index: string;
        fillS: number;
        firstSearchMs: number;
        memoriesAtEnd: number;
        allocKbPerSearch: number;
      } & Record<'default' | 'noReinforce' | 'dense' | 'add', Spread>;
      expect(out).toMatchObject({ n: 300, index: 'fp32' });
      positive(out.fillS);
      positive(out.firstSearchMs);
      expect(out.memoriesAtEnd).toBeGreaterThanOrEqual(300);
      // --alloc: the default searches allocate something (a search makes its result at least).
      positive(out.allocKbPerSearch);
      for (const [k, calls] of [
        ['default', 5],
        ['noReinforce', 5],
        ['dense', 5],
        ['add', 4],
      ] as const) {
        const s = out[k];
        expect(s.calls, k).toBe(calls);
        positive(s.p50);
        expect(s.p95).toBeGreaterThanOrEqual(s.p50);
        expect(s.max).toBeGreaterThanOrEqual(s.p95);
        expect(s.mean).toBeLessThanOrEqual(s.max);
        positive(s.mean);
      }
      // --ids: the default search's top 10 for the first 100 questions.
      const top = JSON.parse(readFileSync(ids, 'utf8')) as string[][];
      expect(top).toHaveLength(100);
      for (const t of top) expect(t.length).toBeLessThanOrEqual(10);
      expect(top.some((t) => t.length === 10)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'node bench/run.mjs ingest at a tiny size: 1 and 2 model instances side by side, every turn stored',
  { timeout: 180_000 },
  () => {
    const out = lastJson('node', [
      'bench/run.mjs',
      'ingest',
      '--n=48',
      '--rounds=1',
      '--instances=1,2',
    ]) as {
      rows: Array<Record<string, number | string>>;
      summary: Record<string, Record<string, number>>;
    };
    expect(out.rows.map((r) => `${r.instances}:${r.phase}`)).toEqual([
      '1:first',
      '1:again',
      '1:model',
      '2:first',
      '2:again',
      '2:model',
    ]);
    for (const r of out.rows) {
      expect(r).toMatchObject({ n: 48, stored: 48 });
      for (const k of ['turnsPerSec', 'cpuSeconds', 'turnsPerCpuSecond', 'rssMB'] as const)
        positive(r[k] as number);
    }
    expect(out.summary['1:again']!.efficiency).toBe(1);
    positive(out.summary['2:again']!.efficiency!);
  },
);
