// Where a dense-only search through the API spends its time (driven by bench/api-profile.mjs):
// the same store opened twice, in its Worker and in the page, and the page store's own vector
// index, timed query by query in turns on the same queries.
import { Engram } from '../src/engram';
import type { VectorIndex } from '../src/search/vector-index';
import { noisy } from './vector-sets';

const K = 10;
let stores: { worker: Engram; page: Engram; index: VectorIndex; names: string[] } | undefined;
let queries: Float32Array[] = [];

/** Opens both stores (`index: { mode }`) and fills them with `n` real-512 rows. */
export async function setup(o: { n: number; nq: number; mode: 'ivf' | 'fp32' }) {
  const get = async (f: string) =>
    new Float32Array(await (await fetch(`/bench/.cache/${f}`)).arrayBuffer());
  const dim = 512;
  const rows = noisy(await get('locomo-turns-use-lite-512.f32'), dim, o.n, 0.25, 7);
  const qs = await get('locomo-questions-use-lite-512.f32');
  queries = Array.from({ length: o.nq }, (_, j) => qs.slice(j * dim, (j + 1) * dim));
  const names = ['w', 'p'].map((s) => `engram-api-profile-${s}-${Date.now()}`);
  const open = (name: string, worker: boolean) =>
    Engram.open({
      name,
      worker,
      embedder: { type: 'hash', dim },
      backend: 'cpu',
      index: { mode: o.mode },
      checkpoint: { idleMs: false },
    });
  const worker = await open(names[0]!, true);
  const page = await open(names[1]!, false);
  const t0 = performance.now();
  for (const mem of [worker, page]) {
    for (let from = 0; from < o.n; from += 5000) {
      const items = [];
      for (let r = from; r < Math.min(o.n, from + 5000); r++)
        items.push({ text: `row ${r}`, vector: rows.slice(r * dim, (r + 1) * dim), infer: false });
      await mem.addMany(items);
    }
    await search(mem, queries[0]!);
    const started = performance.now();
    while (o.mode === 'ivf' && (await mem.info()).indexMode !== 'ivf') {
      if (performance.now() - started > 600_000) throw new Error('lists never trained');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // The page store's engine and its index (internals, for this bench only).
  const engine = (
    page as unknown as { host: { engine: { core: { state: { index: VectorIndex } } } } }
  ).host.engine;
  stores = { worker, page, index: engine.core.state.index, names };
  return { fillMs: performance.now() - t0, info: await worker.info() };
}

function search(mem: Engram, q: Float32Array) {
  return mem.search('bench query', { vector: q, limit: K, reinforce: false, retrieval: false });
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Times `rounds` passes over the queries; in each pass every query runs once per path, the
 * paths in turns. Each timing repeats its query until ≥ 2 ms pass (the page clock's 0.1 ms
 * steps). Also checks that the Worker and page stores return the same ids and scores.
 */
export async function time(o: { rounds: number }) {
  const s = stores!;
  const paths: Record<string, (q: Float32Array) => Promise<unknown>> = {
    index: (q) => s.index.search(q, K),
    page: (q) => search(s.page, q),
    worker: (q) => search(s.worker, q),
  };
  const per: Record<string, number[]> = { index: [], page: [], worker: [] };
  let same = 0;
  // Each in-page path runs the whole query set back to back (as the engines bench does); the
  // two Worker paths then take each query in turns (first one, then the other), so the load of
  // the moment weighs on both alike. `rounds` times.
  const timeOne = async (name: string, q: Float32Array) => {
    const run = paths[name]!;
    const t0 = performance.now();
    let reps = 0;
    do {
      await run(q);
      reps++;
    } while (performance.now() - t0 < 2);
    per[name]!.push((performance.now() - t0) / reps);
  };
  for (let round = 0; round < o.rounds; round++) {
    for (const name of ['index', 'page', 'worker']) for (const q of queries) await timeOne(name, q);
  }
  for (const q of queries) {
    const [a, b] = await Promise.all([search(s.worker, q), search(s.page, q)]);
    const key = (r: typeof a) => r.results.map((m) => `${m.memory}:${m.score}`).join();
    if (key(a) === key(b)) same++;
  }
  // The pieces of the round trip, apart: cloning a result list, and a Comlink call that does
  // nearly nothing in the Worker.
  const results = (await search(s.page, queries[0]!)).results;
  const each = async (f: () => unknown) => {
    const t0 = performance.now();
    let reps = 0;
    do {
      await f();
      reps++;
    } while (performance.now() - t0 < 50);
    return (performance.now() - t0) / reps;
  };
  const parts = {
    structuredClone: await each(() => structuredClone(results)),
    json: await each(() => JSON.parse(JSON.stringify(results))),
    infoRoundTrip: await each(() => s.worker.info()),
    infoInPage: await each(() => s.page.info()),
  };
  return {
    parts,
    msPerQuery: Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)])),
    sameResults: `${same}/${queries.length}`,
  };
}

/** Runs `seconds` of back-to-back searches on one path (for a CPU profile taken meanwhile). */
export async function spin(o: { path: 'page' | 'worker'; seconds: number }) {
  const s = stores!;
  const mem = o.path === 'page' ? s.page : s.worker;
  const end = performance.now() + o.seconds * 1000;
  let n = 0;
  while (performance.now() < end) await search(mem, queries[n++ % queries.length]!);
  return n;
}

/** Closes and deletes both stores. */
export async function teardown() {
  const s = stores!;
  await s.worker.close();
  await s.page.close();
  for (const name of s.names) indexedDB.deleteDatabase(name);
  stores = undefined;
}
