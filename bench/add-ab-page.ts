// Loaded by bench/add-ab.mjs, once per checkout (each from its own server, so its own origin
// and IndexedDB): a store in its Worker (public API, CPU, hash-256, the engine's default index)
// filled to N with the scale benches' BEAM texts, then single add() calls timed in rounds that
// the driver interleaves with the other checkout's (no idle checkpoint: see `fill`).
import { Engram } from '../src/engram';
import { addTexts, textAt } from './scale-texts';

let mem: Engram | undefined;
let base: string[] = [];
let next = 0;

/** Opens a fresh store and fills it with `n` texts; seconds it took. */
export async function fill(texts: string[], n: number): Promise<number> {
  base = texts;
  mem = await Engram.open({
    name: `bench-add-ab-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    // The idle checkpoint starts after 2 s without writes: with two stores taking turns, each
    // would write one while the other's round runs, and stop its own next round's first adds.
    checkpoint: { idleMs: false },
  });
  const t0 = performance.now();
  await addTexts((items) => mem!.addMany(items), base, 0, n);
  await mem.search('warm up', { reinforce: false });
  next = n;
  return (performance.now() - t0) / 1000;
}

/** `count` single add() calls, one after another; ms each. */
export async function adds(count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await mem!.add(textAt(base, next + i * 7919));
    times.push(performance.now() - t0);
  }
  next += count;
  return times;
}

/** Empties and closes the store. */
export async function done(): Promise<void> {
  await mem?.reset();
  await mem?.close();
  mem = undefined;
}
