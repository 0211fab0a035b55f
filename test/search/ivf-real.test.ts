// The IVF recall floor on real embeddings: LoCoMo's turns embedded with the offline model
// (USE-lite, 512-d; bench/locomo-vectors.ts, cached in bench/.cache), repeated with noise to
// 50 000 rows as the engines bench does, queried with LoCoMo's questions. (100 000 until
// 2 December: the two recall tests took 62 s of a clean-clone CI run; the README's 100k
// figures come from `ENGRAM_IVF_REAL_N=100000 CI=true npx vitest run test/search/ivf-real.test.ts`.)
// The index is the one `index: { mode: 'ivf' }` opens (the engine's factory, default nprobe). Skipped without
// ../shared/data/locomo and without the cache. The last test runs `node bench/run.mjs api-profile`
// (named in the README) at a tiny size here, after this file made the same cached vectors: run
// beside this file from another, it would embed LoCoMo a second time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import { noisy } from '../../bench/vector-sets';
import { createVectorIndex } from '../../src/engine/vector-index-factory';
import { DEFAULT_NPROBE, indexFootprint } from '../../src/search/index-mode';
import { IvfIndex } from '../../src/search/ivf-index';
import type { SearchHits } from '../../src/search/vector-index';

const CACHE = 'bench/.cache';
const TURNS = `${CACHE}/locomo-turns-use-lite-512.f32`;
const QUESTIONS = `${CACHE}/locomo-questions-use-lite-512.f32`;
const LOCOMO = '../shared/data/locomo';

/** The cached vectors, embedding LoCoMo first where the data is there and the cache is not. */
function vectors(): { turns: Float32Array; questions: Float32Array } | null {
  if (!existsSync(TURNS) || !existsSync(QUESTIONS)) {
    if (!existsSync(LOCOMO)) return null;
    const r = spawnSync('node_modules/.bin/tsx', ['bench/locomo-vectors.ts', LOCOMO], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('bench/locomo-vectors.ts failed');
  }
  const read = (f: string) => {
    const b = readFileSync(f);
    return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
  };
  return { turns: read(TURNS), questions: read(QUESTIONS) };
}

const data = existsSync(LOCOMO) || existsSync(TURNS) ? vectors() : null;
const dim = 512;
const n = Number(process.env.ENGRAM_IVF_REAL_N ?? 50_000);
const nq = 200;
let shared: { rows: Float32Array; queries: Float32Array; truth: SearchHits[] } | undefined;

// The Node project runs files one after another in a worker process: let the next file have
// the memory back.
afterAll(() => {
  shared = undefined;
});

/** The noisy rows, the questions and the exact top-10 (computed once for both tests). */
async function realSet() {
  if (shared) return shared;
  const rows = noisy(data!.turns, dim, n, 0.25, 7);
  const queries = data!.questions.slice(0, nq * dim);
  const exact = (await createVectorIndex({ dim, backend: 'cpu', mode: 'fp32' })).index;
  await exact.write(0, rows);
  const truth = await exact.search(queries, 10);
  exact.dispose();
  shared = { rows, queries, truth };
  return shared;
}

/** recall@10 of hits against the exact answers. */
function recallOf(got: SearchHits[], truth: SearchHits[]): number {
  let hits = 0;
  got.forEach((h, q) => {
    const want = new Set(truth[q]!.slots);
    for (const s of h.slots) if (want.has(s)) hits++;
  });
  return hits / (got.length * 10);
}

test.skipIf(!data)(
  `mode ivf: recall@10 ≥ 0.97 against the exact scan on ${n} real 512-d embeddings at the default nprobe (${DEFAULT_NPROBE})`,
  { timeout: 300_000 }, // builds two 100k × 512 indexes (37 s at load 10); minutes on a loaded 2-core machine
  async () => {
    const { rows, queries, truth } = await realSet();
    const { index } = await createVectorIndex({ dim, backend: 'cpu', mode: 'ivf' });
    await index.write(0, rows);
    // Past 20k rows a search starts training in the background and answers exactly meanwhile:
    // train now, so that the recall measured is the lists'.
    expect(index).toBeInstanceOf(IvfIndex);
    await (index as IvfIndex).build();
    const got = await index.search(queries, 10);
    expect(indexFootprint(index).mode).toBe('ivf');
    const recall = recallOf(got, truth);
    console.log(
      `ivf recall@10 on ${n} × ${dim} real embeddings, nprobe ${DEFAULT_NPROBE}: ${recall}`,
    );
    expect(recall).toBeGreaterThanOrEqual(0.97);
    index.dispose();
  },
);

test.skipIf(!data)(
  `modes int8 and binary (codes, then the rescore from 16-bit rows): recall@10 ≥ 0.99 and ≥ 0.97 against the exact scan on the same ${n} real embeddings`,
  { timeout: 900_000 }, // two 100k × 512 indexes; 14 min at load 25 on 2 cores
  async () => {
    const { rows, queries, truth } = await realSet();
    for (const [mode, floor] of [
      ['int8', 0.99],
      ['binary', 0.97],
    ] as const) {
      const { index } = await createVectorIndex({ dim, backend: 'cpu', mode });
      // Written as a store's open streams them: the codec retrains from the 16-bit rows as they double.
      for (let f = 0; f < n; f += 4096) {
        await index.write(f, rows.subarray(f * dim, Math.min(n, f + 4096) * dim));
      }
      const recall = recallOf(await index.search(queries, 10), truth);
      console.log(`${mode} recall@10 on ${n} × ${dim} real embeddings: ${recall}`);
      expect(recall).toBeGreaterThanOrEqual(floor);
      index.dispose();
    }
  },
);

test.skipIf(!data)(
  'node bench/run.mjs api-profile at a tiny size: index, page and Worker timed, the same answers on both sides',
  { timeout: 240_000 },
  () => {
    const r = spawnSync(
      'node',
      ['bench/run.mjs', 'api-profile', '--n=1500', '--queries=8', '--rounds=1'],
      { encoding: 'utf8', timeout: 230_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const line = (prefix: string) => {
      const l = r.stdout.split('\n').find((x) => x.startsWith(prefix));
      expect(l, `no line "${prefix}" in:\n${r.stdout}`).toBeDefined();
      return l!.slice(l!.indexOf(':', prefix.length - 1) + 1).trim();
    };
    const perQuery = JSON.parse(line('ms/query')) as Record<string, number>;
    const parts = JSON.parse(line('parts, ms')) as Record<string, number>;
    for (const ms of [...Object.values(perQuery), parts['bareRoundTrip']!, parts['apiSearch']!])
      expect(ms).toBeGreaterThan(0);
    expect(Object.keys(perQuery).length).toBeGreaterThanOrEqual(3);
    const [same, of] = line('worker and page stores give the same ids and scores').split('/');
    expect(Number(of)).toBe(8);
    expect(Number(same)).toBe(8);
  },
);
