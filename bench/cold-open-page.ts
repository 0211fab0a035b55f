// Loaded in a bench page by bench/cold-open.mjs: fills a store through the public API (Engram
// with its Worker, hash embedder, CPU backend), and times a cold open to the first result.
import { openDB } from 'idb';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { settled, turn } from './e2e-page';
import { Engram } from '../src/engram';
import { writeCheckpoint } from '../src/store/checkpoint-io';
import type { EngramDB } from '../src/store/schema';

/** Index mode of the bench store (`--mode`; default: the engine's default, fp32). */
export type BenchMode = 'fp32' | 'ivf' | 'auto' | 'int8' | 'binary';
let mode: BenchMode | undefined;
/** The embedder the bench store is opened with (`--embedder`; default the hash embedder). */
let model: 'hash' | 'use-lite' = 'hash';
let inWorker = true;
/** Where {@link coldOpen} imports Engram from: the sources (default) or the library build. */
let engramModule = '/src/engram.ts';

/**
 * Times later cold opens with the library build (`dist/engram.js` and its `dist/worker.js`, made
 * by `vite build`, as an app bundles them) instead of the sources: the Worker then loads a few
 * chunks, not every source module one by one from the dev server.
 */
export function useBuilt(built: boolean): void {
  engramModule = built ? '/dist/engram.js' : '/src/engram.ts';
}

/** Whether later opens run the engine in its Worker (false: in the page, for a CPU profile). */
export function useWorker(w: boolean): void {
  inWorker = w;
}

/**
 * Opens the store with the offline model (USE-lite, 512-d) instead of the hash embedder: its
 * load is then part of every open, as for an app's users. The fill gives each memory a hash
 * vector of its text (the model would take minutes per 10k); searches embed with the model.
 */
export function useEmbedder(m: 'hash' | 'use-lite'): void {
  model = m;
}

/** Sets the index mode every later call in this page opens the store with. */
export function useMode(m: BenchMode | undefined): void {
  mode = m;
}

/** The options every run opens the store with (same embedder id and dimension each time). */
function options(name: string, dim: number, log?: (m: string) => void) {
  return {
    name,
    embedder: model === 'use-lite' ? { type: 'use-lite' as const } : { type: 'hash' as const, dim },
    backend: 'cpu' as const,
    worker: inWorker,
    ...(mode ? { index: { mode } } : {}),
    ...(log ? { log } : {}),
  };
}

/** How many active memories a store named `name` holds (0 when there is none). */
export async function stored(name: string, dim: number): Promise<number> {
  const dbs = await indexedDB.databases();
  if (!dbs.some((d) => d.name === name)) return 0;
  const mem = await Engram.open(options(name, dim));
  try {
    return (await mem.info()).count;
  } finally {
    await mem.close();
  }
}

/**
 * Fills a new store with `n` memories: `texts` repeated, each copy marked with its round so no
 * two memories are the same text (none given: the end-to-end bench's turns, `turn(i)`), with
 * addMany (infer false, batches of 5,000), then closes it (which writes the checkpoint).
 */
export async function fill(
  name: string,
  dim: number,
  texts: string[],
  n: number,
): Promise<{ n: number; ms: number }> {
  const t0 = performance.now();
  const mem = await Engram.open(options(name, dim));
  await mem.reset(); // a store left half-filled by an interrupted run
  const batch = 5000;
  const given = model === 'use-lite' ? new HashEmbedder({ dim }) : undefined;
  for (let i = 0; i < n; i += batch) {
    const items: { text: string; vector?: Float32Array }[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      if (!texts.length) {
        items.push({ text: turn(j) }); // `--texts=turns`
        continue;
      }
      const round = Math.floor(j / texts.length);
      const text = texts[j % texts.length]!;
      items.push({ text: round ? `${text} (${round})` : text });
    }
    if (given) {
      const vectors = await given.embed(items.map((it) => it.text));
      items.forEach((it, k) => (it.vector = vectors[k]!));
    }
    await mem.addMany(items);
    const s = (performance.now() - t0) / 1000;
    console.error(`filled ${Math.min(n, i + batch)} in ${s.toFixed(0)} s`);
  }
  const count = (await mem.info()).count;
  await mem.close();
  return { n: count, ms: performance.now() - t0 };
}

/**
 * Opens the store, searches until its index has settled (IVF lists trained in the background
 * past 20k rows in the default 'auto' mode, `info().indexBuilding`) and closes it, which stores
 * the trained lists beside the checkpoint: the state a store is in after a session that
 * searched it (a fill alone never searches, so nothing is trained or stored).
 * @returns seconds it took to settle, and whether the index is IVF
 */
export async function settle(name: string, dim: number): Promise<{ s: number; mode: string }> {
  const t0 = performance.now();
  const mem = await Engram.open(options(name, dim));
  try {
    await mem.search('settle', { limit: 10, reinforce: false });
    while (!settled(await mem.info()) && performance.now() - t0 < 1_800_000) {
      await new Promise((res) => setTimeout(res, 500));
      await mem.search('settle', { limit: 10, reinforce: false });
    }
    return { s: (performance.now() - t0) / 1000, mode: (await mem.info()).indexMode };
  } finally {
    await mem.close();
  }
}

/** What {@link coldOpen} measured. */
export interface ColdOpen {
  /** Engram.open → resolved (Worker start, IndexedDB reads, state and index). */
  openMs: number;
  /** The first search after open (lexical index ready, dense scan, rerank). */
  firstSearchMs: number;
  /** The same search again (what the first one costs beyond a warm search). */
  secondSearchMs: number;
  coldOpenMs: number;
  count: number;
  /** Ids of the first search's results. */
  ids: string[];
  /** The engine's log lines during open (its phase timings among them). */
  log: string[];
}

/** Opens the store, runs one search, then the same search again; closes without writing. */
export async function coldOpen(name: string, dim: number, query: string): Promise<ColdOpen> {
  const log: string[] = [];
  // Imported before the clock starts (as an app has its code loaded before it opens a store).
  const { Engram: Open } = (await import(/* @vite-ignore */ engramModule)) as {
    Engram: typeof Engram;
  };
  const t0 = performance.now();
  const mem = await Open.open(options(name, dim, (m) => log.push(m)));
  const t1 = performance.now();
  const first = await mem.search(query, { limit: 10 });
  const t2 = performance.now();
  await mem.search(query, { limit: 10 });
  const t3 = performance.now();
  const count = (await mem.info()).count;
  await mem.close();
  return {
    openMs: t1 - t0,
    firstSearchMs: t2 - t1,
    secondSearchMs: t3 - t2,
    coldOpenMs: t2 - t0,
    count,
    ids: first.results.map((r) => r.id),
    log,
  };
}

/**
 * Rewrites the stored checkpoint of an (unencrypted) store in a format: 2, JSON text chunks as
 * written before the columnar checkpoint; 3, columns (so one bench run times both side by side).
 * @returns the log position and the checkpoint's stored bytes (chunks)
 */
export async function rewriteCheckpoint(
  name: string,
  format: 2 | 3,
): Promise<{ seq: number; bytes: number }> {
  const db = await openDB<EngramDB>(name);
  try {
    const seq = await writeCheckpoint(db, undefined, format);
    const chunks = await db.getAll('checkpoints', IDBKeyRange.lowerBound(0));
    const bytes = chunks.reduce<number>(
      (s, c) =>
        s +
        (typeof c === 'string'
          ? c.length * 2
          : c instanceof Blob
            ? c.size
            : c instanceof ArrayBuffer
              ? c.byteLength
              : 0),
      0,
    );
    return { seq, bytes };
  } finally {
    db.close();
  }
}
