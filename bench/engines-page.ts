// `npm run bench`, in the page: Engram's CPU paths, a plain JS loop and the
// peer libraries on the same vectors and queries. Driven by bench/engines.mjs.
import { Engram } from '../src/engram';
import { CpuFlatIndex } from '../src/search/cpu-index';
import { IvfIndex } from '../src/search/ivf-index';
import { IVF_FROM } from '../src/search/index-mode';
import { WasmFlatIndex } from '../src/search/wasm/wasm-index';
import type { VectorIndex } from '../src/search/vector-index';
import { PEERS, type PeerIndex } from './peers';
import { noisy, randomRows } from './vector-sets';

/** One row of the table (the JSON schema of the issue, plus a few notes). */
export interface Row {
  engine: string;
  mode: string;
  data: string;
  n: number;
  dim: number;
  batch: number;
  msPerQuery: number;
  p95Ms: number;
  recallAt10: number;
  bytesPerVector: number | null;
  buildMs: number;
  note?: string;
}

interface DataSet {
  name: string;
  n: number;
  dim: number;
  rows: Float32Array;
  queries: Float32Array;
  nq: number;
  truth: Int32Array[];
}

const K = 10;
/** Probe counts the IVF index alone is timed at. */
const IVF_PROBES = [4, 6, 8, 12, 16, 24, 32, 48, 64];
/** Probe counts the IVF index alone is timed at with its fp32 scan. */
const IVF32_PROBES = [8, 16, 24, 32];
/** `nprobe`s the API rows reopen the store with (besides the default). */
const API_PROBES = [6, 8, 12, 16, 32];
let set: DataSet | null = null;
const built = new Map<string, { index: unknown; buildMs: number }>();

/**
 * Makes the data set and its exact top-10 (the reference for recall).
 * @param o - `data`: 'random' or 'real' (LoCoMo turns and questions, USE-lite, 512 dims)
 */
export async function prepare(o: { data: 'random' | 'real'; n: number; dim: number; nq: number }) {
  for (const b of built.values()) (b.index as { dispose?: () => void }).dispose?.();
  built.clear();
  await dropStore();
  set = null;
  let rows: Float32Array;
  let queries: Float32Array;
  if (o.data === 'random') {
    rows = randomRows(o.n, o.dim, o.n + o.dim);
    queries = randomRows(o.nq, o.dim, 99);
  } else {
    const get = async (f: string) =>
      new Float32Array(await (await fetch(`/bench/.cache/${f}`)).arrayBuffer());
    const turns = await get('locomo-turns-use-lite-512.f32');
    const questions = await get('locomo-questions-use-lite-512.f32');
    if (o.dim !== 512) throw new Error('real embeddings are 512-dimensional (USE-lite)');
    rows = noisy(turns, 512, o.n, 0.25, 7);
    queries = questions.slice(0, o.nq * 512);
  }
  const nq = queries.length / o.dim;
  const exact = new WasmFlatIndex({ dim: o.dim, initialCapacity: o.n });
  await exact.write(0, rows);
  const truth = (await exact.search(queries, K)).map((h) => h.slots);
  exact.dispose();
  set = { name: o.data, n: o.n, dim: o.dim, rows, queries, nq, truth };
  return { n: o.n, dim: o.dim, nq };
}

/** The plain unrolled JS loop: the reference every engine is compared with. */
function plainJs(rows: Float32Array, dim: number, q: Float32Array, k: number): number[] {
  const n = rows.length / dim;
  const best: { s: number; i: number }[] = [];
  let worst = -Infinity;
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    let a = 0, b = 0, c = 0, d = 0; // prettier-ignore
    let i = 0;
    for (; i + 4 <= dim; i += 4) {
      a += rows[o + i]! * q[i]!;
      b += rows[o + i + 1]! * q[i + 1]!;
      c += rows[o + i + 2]! * q[i + 2]!;
      d += rows[o + i + 3]! * q[i + 3]!;
    }
    for (; i < dim; i++) a += rows[o + i]! * q[i]!;
    const s = a + b + c + d;
    if (best.length < k || s > worst) {
      best.push({ s, i: r });
      best.sort((x, y) => y.s - x.s);
      if (best.length > k) best.pop();
      worst = best[best.length - 1]!.s;
    }
  }
  return best.map((h) => h.i);
}

function recall(got: ArrayLike<number>[], from: number): number {
  let hit = 0;
  got.forEach((slots, j) => {
    const want = new Set(set!.truth[from + j]!);
    for (let r = 0; r < Math.min(K, slots.length); r++) if (want.has(slots[r]!)) hit++;
  });
  return hit / (got.length * K);
}

/** Times batches over the query set until `budgetMs`; ms per query (median, p95 of batches). */
async function timeBatches(
  batch: number,
  budgetMs: number,
  run: (q: Float32Array, nq: number) => Promise<ArrayLike<number>[]>,
) {
  const { dim, nq, queries } = set!;
  const per: number[] = [];
  let hits = 0;
  let seen = 0;
  const start = performance.now();
  for (let from = 0; from + batch <= nq; from += batch) {
    const q = queries.subarray(from * dim, (from + batch) * dim);
    // A page's clock ticks in 100 µs steps (no cross-origin isolation): a batch that is
    // faster than that is repeated until the elapsed time is measurable, or it reads as 0.
    const t0 = performance.now();
    const got = await run(q, batch);
    let reps = 1;
    while (performance.now() - t0 < 2) {
      await run(q, batch);
      reps++;
    }
    per.push((performance.now() - t0) / (batch * reps));
    hits += recall(got, from) * batch;
    seen += batch;
    if (performance.now() - start > budgetMs && per.length >= 3) break;
  }
  per.sort((a, b) => a - b);
  return {
    msPerQuery: per[per.length >> 1]!,
    p95Ms: per[Math.min(per.length - 1, Math.floor(per.length * 0.95))]!,
    recallAt10: seen ? hits / seen : 0,
  };
}

async function once<T>(
  key: string,
  make: () => Promise<T>,
): Promise<{ index: T; buildMs: number }> {
  let b = built.get(key);
  if (!b) {
    const t0 = performance.now();
    const index = await make();
    b = { index, buildMs: performance.now() - t0 };
    built.set(key, b);
  }
  return b as { index: T; buildMs: number };
}

/** The engines and modes this page runs, for the driver's loop. */
export function engines(): {
  engine: string;
  mode: string;
  maxN: number;
  minN?: number;
  batches?: number[];
}[] {
  return [
    { engine: 'plain-js', mode: 'fp32', maxN: Infinity, batches: [1] },
    { engine: 'engram-cpu', mode: 'fp32-js', maxN: Infinity },
    { engine: 'engram-cpu', mode: 'fp32-wasm', maxN: Infinity },
    // The IVF index alone over several probe counts (for the equal-recall comparison): its
    // default int8 code scan, and the fp32 scan (`ivf32`) beside it.
    ...[...IVF_PROBES.map((p) => `ivf-p${p}`), ...IVF32_PROBES.map((p) => `ivf32-p${p}`)].map(
      (mode) => ({
        engine: 'engram-cpu',
        mode,
        maxN: Infinity,
        minN: 20_000,
        batches: [1],
      }),
    ),
    // Through the public API: Engram.open({ index: { mode: 'ivf' } }) in its Worker, at the
    // default nprobe, then reopened with other `nprobe`s.
    { engine: 'engram', mode: 'ivf', maxN: Infinity, batches: [1] },
    ...API_PROBES.map((p) => ({
      engine: 'engram',
      mode: `ivf-p${p}`,
      maxN: Infinity,
      minN: 20_000,
      batches: [1],
    })),
    ...PEERS.flatMap((p) =>
      p.modes.map((mode) => ({ engine: p.engine, mode, maxN: p.maxN, batches: [1] })),
    ),
  ];
}

/**
 * The filled store of the API rows (one per data set): its name and its open handles, the
 * first (the default nprobe) that filled it, then one per other `nprobe` on the same database
 * (as another tab would open it), all kept open so that `--rounds` can time them in turn.
 */
let store: { name: string; handles: Engram[] } | null = null;

/** Memories from which a store writes checkpoints (the `checkpoint.minMemories` default). */
const CHECKPOINT_FROM = 2000;

/**
 * Waits until the store is settled: no IVF training or layout in the background, and (for a
 * store just filled past {@link CHECKPOINT_FROM}) its idle checkpoint written, so searches are
 * not timed beside the checkpoint's pass over every memory (2.30 against 1.35 ms/q at 100k).
 */
async function settle(mem: Engram, log: string[], n: number, checkpoint: boolean) {
  const started = performance.now();
  const wait = () => new Promise((r) => setTimeout(r, 250));
  // `indexBuilding`: lists already trained at fewer rows may be retraining in the background (a
  // run that waited for the mode alone timed searches beside the k-means: 23.7 ms/q, recall 0.993).
  // `warmingUp`: every open handle warms its search path once idle (searches of its own, on
  // the same two cores): a run that did not wait timed the reopened nprobes beside the other
  // handles' warm-ups and staged-row reads (means of 4–242 ms/q, p95 ≈ 0.27–0.33 s at 100k).
  const building = async () => {
    const info = await mem.info();
    return info.indexMode !== 'ivf' || info.indexBuilding === true || info.warmingUp === true;
  };
  // Below IVF_FROM rows nothing trains (every search is exact): nothing to wait for.
  while (n >= IVF_FROM && (await building()) && performance.now() - started < 900_000) await wait();
  const written = () => log.some((m) => m.includes('checkpoint written'));
  while (checkpoint && n >= CHECKPOINT_FROM && !written() && performance.now() - started < 900_000)
    await wait();
}

/**
 * A store of the data set's rows through the public API: `Engram.open` (Worker, CPU backend,
 * a hash embedder of the set's dim; every memory brings its vector) in index mode `ivf`, filled
 * with `addMany`, then one search and the wait for the lists it trains and the idle checkpoint
 * (part of the build time; the first 100k run timed the exact scan that answers meanwhile).
 * Another `nprobe` opens the same store again beside it (lists restored, not retrained).
 * Queries are `search(…, { vector, retrieval: false })`: the dense top-10 by cosine, Worker
 * included.
 */
async function openEngram(nprobe: number | undefined) {
  const { rows, dim, n } = set!;
  const log: string[] = [];
  const open = (name: string) =>
    Engram.open({
      name,
      embedder: { type: 'hash', dim },
      backend: 'cpu',
      index: { mode: 'ivf', ...(nprobe ? { nprobe } : {}) },
      // The idle checkpoint stays on, as users get it (the rows are timed once it is written).
      log: (m) => log.push(m),
    });
  const search = (mem: Engram, q: Float32Array) =>
    mem.search('bench query', { vector: q, limit: K, reinforce: false, retrieval: false });
  let mem: Engram;
  if (store) {
    mem = await open(store.name);
    store.handles.push(mem);
    await search(mem, set!.queries.slice(0, dim));
    await settle(mem, log, n, false);
  } else {
    const name = `engram-bench-ivf-${Date.now()}`;
    mem = await open(name);
    const chunk = 5000;
    for (let from = 0; from < n; from += chunk) {
      const items = [];
      for (let r = from; r < Math.min(n, from + chunk); r++) {
        items.push({
          text: `row ${r}`,
          vector: rows.slice(r * dim, (r + 1) * dim),
          infer: false,
          link: false,
        });
      }
      await mem.addMany(items);
    }
    // That search starts the lists' training in the background (searches scan every row until
    // it is done): settle() waits for it, so the queries time the IVF lists.
    await search(mem, set!.queries.slice(0, dim));
    await settle(mem, log, n, true);
    store = { name, handles: [mem] };
  }
  const info = await mem.info();
  return {
    bytesPerVector: info.residentBytesPerVector,
    note: `info(): ${info.indexMode}, ${info.count} memories, ${info.backend}`,
    async query(q: Float32Array, nq: number): Promise<number[][]> {
      const out: number[][] = [];
      for (let j = 0; j < nq; j++) {
        const { results } = await search(mem, q.slice(j * dim, (j + 1) * dim));
        out.push(results.map((m) => Number(m.memory.slice(4))));
      }
      return out;
    },
    dispose() {},
  };
}

/** Closes and deletes the API rows' store. */
async function dropStore() {
  if (!store) return;
  const { handles, name } = store;
  store = null;
  for (const mem of handles) await mem.close();
  indexedDB.deleteDatabase(name);
}

/**
 * Builds (once per data set) and times one engine/mode at one batch size.
 * @param o - engine, mode, batch, time budget per case
 */
export async function runEngine(o: {
  engine: string;
  mode: string;
  batch: number;
  budgetMs: number;
}) {
  const s = set!;
  const { dim, n } = s;
  let buildMs = 0;
  let bytes: number | null = dim * 4;
  let run: (q: Float32Array, nq: number) => Promise<ArrayLike<number>[]>;
  let note: string | undefined;
  if (o.engine === 'plain-js') {
    run = async (q, nq) =>
      Array.from({ length: nq }, (_, j) =>
        plainJs(s.rows, dim, q.subarray(j * dim, (j + 1) * dim), K),
      );
  } else if (o.engine === 'engram') {
    const probes = o.mode === 'ivf' ? undefined : Number(o.mode.slice(5));
    const b = await once(`engram-${o.mode}`, () => openEngram(probes));
    buildMs = b.buildMs;
    bytes = b.index.bytesPerVector;
    note = b.index.note;
    run = b.index.query;
  } else if (o.mode.startsWith('ivf')) {
    const b = await once<IvfIndex>('ivf', async () => {
      const index = new IvfIndex({ dim });
      await index.write(0, s.rows);
      await index.build();
      return index;
    });
    buildMs = b.buildMs;
    bytes = b.index.bytesPerVector;
    const [scan, probes] = o.mode.split('-p');
    b.index.probes = Number(probes);
    // The int8 code scan (its default shortlist), or the fp32 rows (shortlist 0).
    b.index.shortlist = scan === 'ivf32' ? 0 : 48;
    run = async (q) => (await b.index.search(q, K)).map((h) => h.slots);
  } else if (o.engine === 'engram-cpu') {
    const b = await once<VectorIndex>(o.mode, async () => {
      const index =
        o.mode === 'fp32-js'
          ? new CpuFlatIndex({ dim, initialCapacity: n })
          : new WasmFlatIndex({ dim, initialCapacity: n });
      await index.write(0, s.rows);
      return index;
    });
    buildMs = b.buildMs;
    if (b.index instanceof WasmFlatIndex) bytes = b.index.bytesPerVector;
    run = async (q) => (await b.index.search(q, K)).map((h) => h.slots);
  } else {
    const peer = PEERS.find((p) => p.engine === o.engine)!;
    const b = await once<PeerIndex>(o.engine, () => peer.build(s.rows, dim));
    buildMs = b.buildMs;
    bytes = b.index.bytesPerVector;
    run = async (q, nq) => {
      const out: number[][] = [];
      for (let j = 0; j < nq; j++)
        out.push(await b.index.query(q.subarray(j * dim, (j + 1) * dim), K, o.mode));
      return out;
    };
  }
  const t = await timeBatches(o.batch, o.budgetMs, run);
  const row: Row = {
    engine: o.engine,
    mode: o.mode,
    data: s.name,
    n,
    dim,
    batch: o.batch,
    ...t,
    bytesPerVector: bytes,
    buildMs,
    ...(note ? { note } : {}),
  };
  return row;
}
