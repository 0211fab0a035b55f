// Loaded in a bench page: what encryption at rest costs through the public API (engine in its
// Worker, hash embedder 256-d, CPU backend): open, addMany, single add, search and reopen of
// the same workload on an unencrypted and an encrypted store.
import { Engram, type EngramOptions } from '../src/engram';
import { sentence, pct, query } from './workload';

/** Timings of one store. */
export interface EncryptionRun {
  encrypted: boolean;
  memories: number;
  /** Opening a new, empty store (with encryption: PBKDF2 and the data key). */
  createMs: number;
  /** `addMany` of every memory, per memory. */
  addManyMsPerMemory: number;
  /** Single `add(…, { infer: false })`, mean. */
  addMs: number;
  /** Default `search()`, median and 95th percentile. */
  searchP50Ms: number;
  searchP95Ms: number;
  /** Reopening the filled store, then its first search. */
  reopenMs: number;
  firstSearchMs: number;
}

/** Runs the workload on a fresh store, encrypted or not. */
export async function runEncryption(
  encrypted: boolean,
  memories: number,
  searches: number,
): Promise<EncryptionRun> {
  const options: EngramOptions = {
    name: `bench-enc-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    ...(encrypted ? { encryption: { passphrase: 'bench passphrase' } } : {}),
  };
  let t = performance.now();
  let mem = await Engram.open(options);
  const createMs = performance.now() - t;
  t = performance.now();
  await mem.addMany(Array.from({ length: memories }, (_, i) => ({ text: sentence(i) })));
  const addManyMsPerMemory = (performance.now() - t) / memories;
  const adds = 20;
  t = performance.now();
  for (let i = 0; i < adds; i++) await mem.add(sentence(memories + i), { infer: false });
  const addMs = (performance.now() - t) / adds;
  for (let i = 0; i < 10; i++) await mem.search(query(i + 1000)); // warm-up
  const times: number[] = [];
  for (let i = 0; i < searches; i++) {
    const t0 = performance.now();
    await mem.search(query(i));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  await mem.close();
  t = performance.now();
  mem = await Engram.open(options);
  const reopenMs = performance.now() - t;
  t = performance.now();
  await mem.search(query(1));
  const firstSearchMs = performance.now() - t;
  await mem.close();
  return {
    encrypted,
    memories,
    createMs,
    addManyMsPerMemory,
    addMs,
    searchP50Ms: pct(times, 50),
    searchP95Ms: pct(times, 95),
    reopenMs,
    firstSearchMs,
  };
}
