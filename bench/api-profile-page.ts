// Where a dense-only search through the API spends its time (driven by bench/api-profile.mjs):
// the same store opened twice, in its Worker and in the page, and the page store's own vector
// index, timed query by query in turns on the same queries.
import { Engram } from '../src/engram';
import { IVF_FROM } from '../src/search/index-mode';
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
    // (Below IVF_FROM rows an IVF index trains no lists, an exact scan: nothing to wait for;
    // `--n=300` waited here until the timeout.)
    while (
      o.mode === 'ivf' &&
      o.n >= IVF_FROM &&
      ((await mem.info()).indexMode !== 'ivf' || (await mem.info()).indexBuilding)
    ) {
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
  // The floor: a bare Worker (no Comlink, no engine) answering a ping with nothing or with a
  // result list it holds (as a search's reply would clone it), and a Comlink call on the
  // engine's own Worker that the engine never sees (a property read of the host: `undefined`).
  const bare = new Worker(
    URL.createObjectURL(
      new Blob(
        [
          'let r;onmessage=(e)=>{if(e.data.set)r=e.data.set;else postMessage(e.data.send?{id:e.data.id,r}:{id:e.data.id})}',
        ],
        { type: 'text/javascript' },
      ),
    ),
  );
  bare.postMessage({ set: results });
  let seq = 0;
  const ping = (send: boolean) =>
    new Promise<void>((resolve) => {
      const id = ++seq;
      const on = (e: MessageEvent) => {
        if (e.data.id !== id) return;
        bare.removeEventListener('message', on);
        resolve();
      };
      bare.addEventListener('message', on);
      bare.postMessage({ id, send });
    });
  const remote = (s.worker as unknown as { host: Record<string, Promise<unknown>> }).host;
  const fns: Record<string, () => unknown> = {
    bareRoundTrip: () => ping(false),
    bareRoundTripWithResults: () => ping(true),
    comlinkNoop: () => remote['nothing'],
    apiSearch: () => search(s.worker, queries[0]!),
    pageSearch: () => search(s.page, queries[0]!),
    indexOnly: () => s.index.search(queries[0]!, K),
    structuredClone: () => structuredClone(results),
    json: () => JSON.parse(JSON.stringify(results)),
    infoRoundTrip: () => s.worker.info(),
    infoInPage: () => s.page.info(),
  };
  // In turns, 15 times 20 ms each, so the load of the moment weighs on all alike: medians.
  const runs: Record<string, number[]> = {};
  const names = Object.keys(fns);
  for (let r = 0; r < 15; r++)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      (runs[name] ??= []).push(await each(fns[name]!));
    }
  const parts = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  bare.terminate();
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

/**
 * What a search's message costs on the wire, apart from the engine: a bare Worker holding a
 * list of `limit` results shaped as `search` returns them, answering a request that carries a
 * 512-d query vector. Ways in turns: the reply as objects (structured clone), as columns
 * (rebuilt into objects here), as JSON; the vector copied and transferred, or cloned.
 */
export async function wire(o: { rounds: number; limit?: number }) {
  const limit = o.limit ?? 10;
  const results = Array.from({ length: limit }, (_, i) => ({
    id: `0190c3b2-7e4a-7c1d-9f2e-${String(100000000000 + i)}`,
    memory: `Caroline said she went to the LGBTQ support group yesterday and it was powerful ${i}`,
    metadata: {},
    createdAt: 1700000000000 + i,
    updatedAt: 1700000000000 + i,
    version: 1,
    state: 'active',
    validFrom: 1700000000000 + i,
    recordedAt: 1700000000000 + i,
    strength: 1,
    lastRecalledAt: 1700000000000 + i,
    userId: 'caroline',
    score: 0.8123456789 - i / 100,
    similarity: 0.8123456789 - i / 100,
    retention: 0.99991234,
  }));
  const src = `
    let r; let cols; let json; const b1 = new Uint8Array(1024); const b16 = new Uint8Array(16384); const s4 = 'x'.repeat(4096);
    onmessage = (e) => {
      const d = e.data;
      if (d.set) { r = d.set; json = JSON.stringify(r);
        const keys = Object.keys(r[0]);
        cols = { keys, values: keys.map((k) => r.map((x) => x[k])) }; return; }
      const reply = d.way === 'objects' ? r : d.way === 'columns' ? cols : d.way === 'json' ? json : d.way === 'b1' ? b1 : d.way === 'b16' ? b16 : d.way === 's4' ? s4 : undefined;
      postMessage({ id: d.id, reply });
    };`;
  const bare = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
  bare.postMessage({ set: results });
  const vector = new Float32Array(512).map((_, i) => Math.sin(i));
  let seq = 0;
  const call = (way: string, send: 'transfer' | 'clone' | 'none') =>
    new Promise<unknown>((resolve) => {
      const id = ++seq;
      const on = (e: MessageEvent) => {
        if (e.data.id !== id) return;
        bare.removeEventListener('message', on);
        resolve(e.data.reply);
      };
      bare.addEventListener('message', on);
      if (send === 'transfer') {
        const v = new Float32Array(vector);
        bare.postMessage({ id, way, options: { vector: v, limit: 10 } }, [v.buffer]);
      } else if (send === 'clone') bare.postMessage({ id, way, options: { vector, limit: 10 } });
      else bare.postMessage({ id, way });
    });
  const fromColumns = (c: { keys: string[]; values: unknown[][] }) => {
    const n = c.values[0]!.length;
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const m: Record<string, unknown> = {};
      c.keys.forEach((k, j) => (m[k] = c.values[j]![i]));
      out.push(m);
    }
    return out;
  };
  const ways: Record<string, () => Promise<unknown>> = {
    nothing: () => call('none', 'none'),
    vectorTransferred: () => call('none', 'transfer'),
    vectorCloned: () => call('none', 'clone'),
    replyObjects: () => call('objects', 'none'),
    replyColumns: async () => fromColumns((await call('columns', 'none')) as never),
    replyJson: async () => JSON.parse((await call('json', 'none')) as string),
    replyBytes1k: () => call('b1', 'none'),
    replyBytes16k: () => call('b16', 'none'),
    replyString4k: () => call('s4', 'none'),
  };
  const runs: Record<string, number[]> = {};
  // Each round starts at another way (the order itself weighs on a loaded machine).
  const names = Object.keys(ways);
  for (let r = 0; r < o.rounds; r++)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]!;
      (runs[name] ??= []).push(await each(ways[name]!));
    }
  bare.terminate();
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

/** Mean ms per call of `f`, called back to back for 20 ms. */
async function each(f: () => unknown): Promise<number> {
  const t0 = performance.now();
  let reps = 0;
  do {
    await f();
    reps++;
  } while (performance.now() - t0 < 20);
  return (performance.now() - t0) / reps;
}
