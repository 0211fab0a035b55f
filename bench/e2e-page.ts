// `npm run bench`, end to end, in the page: what a user of the public API feels. Engram.open
// with its Worker and the offline default model (USE-lite, 512-d), the CPU backend; ingest rate,
// cold open of a persisted store in a fresh page, first and later hybrid searches, bytes stored.
// Driven by bench/engines.mjs (which also reads the Worker's heap over the DevTools protocol),
// which has it import the library build (as an app bundles it) unless told to use the sources.
import type { Engram } from '../src/engram';
import { AUTO_IVF_FROM } from '../src/search/index-mode';
import { WORDS, pct } from './workload';

/** A chat-like turn, different for each `i` (lengths vary as real turns do). */
export function turn(i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 13 + ((i >> k) & 5)) % WORDS.length]!;
  const tail = i % 3 === 0 ? ` and then we talked about ${w(5)} and ${w(6)} for a while` : '';
  return `I went to the ${w(1)} with my ${w(2)} near the ${w(3)}, thinking about ${w(4)}${tail} (${i}).`;
}

function query(i: number): string {
  return `what did I do with my ${WORDS[(i * 5 + 3) % WORDS.length]} near the ${WORDS[i % WORDS.length]}?`;
}

/** Random unit vectors (a fixed seed), for the rows beyond the ingested ones. */
function unitRows(rows: number, dim: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const v = s / 2 ** 32 - 0.5;
      out[r * dim + i] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) out[r * dim + i]! *= inv;
  }
  return out;
}

/** IndexedDB bytes of this origin (Chromium's `usageDetails`), else all storage. */
async function idbUsage(): Promise<number> {
  const e = (await navigator.storage.estimate()) as StorageEstimate & {
    usageDetails?: { indexedDB?: number };
  };
  return e.usageDetails?.indexedDB ?? e.usage ?? NaN;
}

/**
 * Whether a store's index has settled: nothing building and, past the size where `'auto'`
 * trains IVF lists, the lists trained (a run once closed its store with none: the cold open then
 * read every fp32 row, 1.37 s instead of ≈ 0.95).
 */
export function settled(info: { count: number; indexMode: string; indexBuilding?: true }): boolean {
  return !info.indexBuilding && (info.count < AUTO_IVF_FROM || info.indexMode === 'ivf');
}

/** Where the engine is imported from: the sources (default) or a library build's engram.js. */
let engramModule = '/src/engram.ts';

/**
 * Has later calls in this page import the engine from `url`: a library build's engram.js (which
 * starts its Worker from the built worker.js: a few chunks, as in an app) or the sources.
 */
export function useEngram(url: string): void {
  engramModule = url;
}

/** The engine's module (imported before a clock starts, as an app has its code loaded). */
const engine = async () =>
  (await import(/* @vite-ignore */ engramModule)) as typeof import('../src/engram');

async function open(name: string, log?: (line: string) => void): Promise<Engram> {
  return (await engine()).Engram.open({ name, backend: 'cpu', ...(log && { log }) });
}
let held: Engram | null = null;

/**
 * Fills store `name`: `ingestN` turns through `addMany` with the offline model (timed: the
 * ingest rate), then `embed` of as many other turns (the model's own rate, the ingest's bound),
 * then up to `n` memories with given vectors (random unit rows, so that a large store fills in
 * minutes), and closes it. `idbBytesPerMemory` is the growth of IndexedDB's
 * share of `navigator.storage.estimate()` from the open (empty) store to the closed full one,
 * divided by `n`.
 */
export async function e2eFill(o: { name: string; n: number; ingestN: number }) {
  const t0 = performance.now();
  const mem = await open(o.name);
  const openMs = performance.now() - t0;
  const before = await idbUsage();
  const { dim } = await mem.info();
  const ingestN = Math.min(o.ingestN, o.n);
  const t1 = performance.now();
  const added = await mem.addMany(Array.from({ length: ingestN }, (_, i) => ({ text: turn(i) })));
  const ingestMs = performance.now() - t1;
  // The model alone, through the same Worker, on as many other turns: what bounds the ingest.
  const t1m = performance.now();
  await mem.embed(Array.from({ length: ingestN }, (_, i) => turn(o.n + i)));
  const modelMs = performance.now() - t1m;
  const chunk = 5000;
  const t2 = performance.now();
  for (let from = ingestN; from < o.n; from += chunk) {
    const rows = Math.min(chunk, o.n - from);
    const vectors = unitRows(rows, dim, from + 1);
    await mem.addMany(
      Array.from({ length: rows }, (_, j) => ({
        text: turn(from + j),
        vector: vectors.subarray(j * dim, (j + 1) * dim),
      })),
    );
  }
  const fillMs = performance.now() - t2;
  const count = (await mem.info()).count;
  // Searched until the index has settled (its IVF lists trained past 20k rows), so that the
  // close stores them, as after a session that searched (bench/cold-open-page.ts `settle`).
  await mem.search(query(0), { limit: 10, reinforce: false });
  for (let i = 1; !settled(await mem.info()) && i < 3600; i++) {
    await new Promise((r) => setTimeout(r, 500));
    await mem.search(query(i), { limit: 10, reinforce: false });
  }
  await mem.close();
  const after = await idbUsage();
  return {
    n: o.n,
    dim,
    stored: added.results.length,
    ingestN,
    modelOpenMs: openMs,
    ingestTurnsPerSec: ingestN / (ingestMs / 1000),
    modelTurnsPerSec: ingestN / (modelMs / 1000),
    fillMs,
    memoriesAtEnd: count,
    idbBytesPerMemory: (after - before) / o.n,
  };
}

/**
 * In a fresh page: opens store `name` (model and index loaded, Worker started), runs the first
 * hybrid search, then `searches` more; leaves the store open for the heap reading until
 * {@link e2eClose}.
 */
export async function e2eCold(o: { name: string; searches: number }) {
  await engine();
  const log: string[] = [];
  const t0 = performance.now();
  const mem = await open(o.name, (line) => log.push(line));
  const t1 = performance.now();
  const first = await mem.search(query(0), { limit: 10 });
  const t2 = performance.now();
  const times: number[] = [];
  for (let i = 1; i <= o.searches; i++) {
    const s = performance.now();
    await mem.search(query(i), { limit: 10 });
    times.push(performance.now() - s);
  }
  held = mem;
  const sorted = times.sort((a, b) => a - b);
  const info = await mem.info();
  return {
    memories: info.count,
    inWorker: mem.inWorker,
    coldOpenMs: t1 - t0,
    firstSearchMs: t2 - t1,
    firstHits: first.results.length,
    hybridSearchP50Ms: pct(sorted, 50),
    hybridSearchP95Ms: pct(sorted, 95),
    // The engine's own line on where the open went (its phases).
    openLog: log.find((l) => /^engram: opened \d/.test(l)) ?? '',
    // Whether the IVF index opened from its stored lists and codes (no fp32 row read first).
    stagedFromCodes: log.some((l) => l.includes('staged from their codes')),
  };
}

/** Opens an empty store `name` and leaves it open (the heap baseline), until {@link e2eClose}. */
export async function e2eEmpty(o: { name: string }) {
  held = await open(o.name);
  await held.search(query(0), { limit: 10 });
  return { memories: (await held.info()).count };
}

/** Closes what {@link e2eCold} or {@link e2eEmpty} left open. */
export async function e2eClose() {
  await held?.close();
  held = null;
}
