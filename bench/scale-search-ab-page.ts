// Loaded by bench/scale-search-ab.mjs, once per checkout (each from its own server, so its own
// origin and IndexedDB): a store as bench/scale-page.ts opens it (Worker, CPU, hash-256, default
// options) filled to N with the scale benches' BEAM texts; then single searches that the driver
// interleaves with the other checkout's, timed here (the page's round trip to the Worker).
import { Engram } from '../src/engram';
import { addTexts } from './scale-texts';

let mem: Engram | undefined;

/** Opens a fresh store and fills it with `n` texts; seconds it took. */
export async function fill(texts: string[], n: number): Promise<number> {
  mem = await Engram.open({
    name: `bench-search-ab-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
  });
  const t0 = performance.now();
  await addTexts((items) => mem!.addMany(items), texts, 0, n);
  return (performance.now() - t0) / 1000;
}

/** One search; its time in ms (`retrieval: false` with `dense`). */
export async function search(query: string, dense = false): Promise<number> {
  const t0 = performance.now();
  await mem!.search(query, dense ? { retrieval: false } : {});
  return performance.now() - t0;
}

/** `count` round trips to the Worker that do next to nothing (`info()`); ms each. */
export async function trips(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await mem!.info();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Empties and closes the store. */
export async function done(): Promise<void> {
  await mem?.reset();
  await mem?.close();
  mem = undefined;
}
