// Loaded in a bench page: default `search()` latency through the Worker, alone and while
// another tab holds the store's write lock, and how much the event log grows per search.
import { Engram } from '../src/engram';
import { sentence, pct, query } from './workload';

/** Result of one {@link runReads}. */
export interface ReadsResult {
  memories: number;
  searches: number;
  p50: number;
  p95: number;
  mean: number;
  /** Events appended by the timed searches (before `close()`). */
  logGrowthDuringSearches: number;
  /** Events appended by the searches once the store is closed (flushes included). */
  logGrowthAfterClose: number;
  /** Distinct memories the searches returned. */
  distinctHits: number;
  /** Searches that finished while another holder kept the write lock for `lockMs`. */
  underLock: { tried: number; done: number; lockMs: number };
}

/**
 * Fills a fresh store with `memories` notes (hash embedder, 256-d, CPU backend, engine in its
 * Worker), then times `searches` default searches one after the other.
 */
export async function runReads(memories: number, searches: number): Promise<ReadsResult> {
  const name = `bench-reads-${crypto.randomUUID()}`;
  const open = () =>
    Engram.open({ name, embedder: { type: 'hash', dim: 256 }, backend: 'cpu', worker: true });
  const mem = await open();
  await mem.addMany(Array.from({ length: memories }, (_, i) => ({ text: sentence(i) })));
  const events0 = (await mem.verifyLog()).events;
  for (let i = 0; i < 20; i++) await mem.search(query(i + 1000)); // warm-up
  const warmEvents = (await mem.verifyLog()).events;
  const times: number[] = [];
  const hit = new Set<string>();
  for (let i = 0; i < searches; i++) {
    const t0 = performance.now();
    const { results } = await mem.search(query(i));
    times.push(performance.now() - t0);
    for (const r of results) hit.add(r.id);
  }
  const events1 = (await mem.verifyLog()).events;

  // Another holder (a tab's write, an import) keeps the write lock for lockMs: do searches wait?
  const lockMs = 3000;
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let granted!: () => void;
  const gotLock = new Promise<void>((r) => (granted = r));
  void navigator.locks.request(`engram:${name}:write`, { mode: 'exclusive' }, async () => {
    granted();
    await held;
  });
  await gotLock;
  const tried = 5;
  let done = 0;
  const underLock = Promise.all(
    Array.from({ length: tried }, (_, i) => mem.search(query(i)).then(() => done++)),
  );
  await new Promise((r) => setTimeout(r, lockMs));
  const doneUnderLock = done;
  release();
  await underLock;

  await mem.close();
  const again = await open();
  const events2 = (await again.verifyLog()).events;
  await again.reset();
  await again.close();
  const sorted = [...times].sort((a, b) => a - b);
  return {
    memories,
    searches,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    mean: times.reduce((a, b) => a + b, 0) / times.length,
    logGrowthDuringSearches: events1 - warmEvents,
    logGrowthAfterClose: events2 - events0,
    distinctHits: hit.size,
    underLock: { tried, done: doneUnderLock, lockMs },
  };
}
