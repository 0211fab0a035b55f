// Loaded by bench/scale-profile.mjs: one store filled to N on the page's own thread (worker: false,
// so the driver's CDP profiler sees the engine), then timed searches and single adds; the driver
// profiles each phase between the calls below.
import { Engram } from '../src/engram';
import type { IndexModeOption } from '../src/search/index-mode';
import { addTexts, textAt } from './scale-texts';
import { timeEach } from './workload';

let mem: Engram | undefined;
let base: string[] = [];
let queries: string[] = [];
let filled = 0;

/** Opens a fresh store and fills it with `n` texts. */
export async function fill(
  texts: string[],
  qs: string[],
  n: number,
  mode: IndexModeOption,
): Promise<number> {
  base = texts;
  queries = qs;
  mem = await Engram.open({
    name: `bench-profile-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: false,
    index: { mode },
  });
  const t0 = performance.now();
  await addTexts((items) => mem!.addMany(items), base, 0, n);
  filled = n;
  for (let i = 0; i < 10; i++) await mem.search(queries[(i * 7) % queries.length]!);
  return (performance.now() - t0) / 1000;
}

/** `count` default searches, each timed (ms, in call order). */
export async function searches(count: number, reinforce: boolean): Promise<number[]> {
  return timeEach(count, (i) => mem!.search(queries[i % queries.length]!, { reinforce }));
}

/** `count` single add() calls, each timed (ms). */
export async function adds(count: number): Promise<number[]> {
  const times = await timeEach(count, (i) => mem!.add(textAt(base, filled + i * 7919)));
  filled += count;
  return times;
}

/** Empties and closes the store; how many memories it held (the fill and the adds). */
export async function done(): Promise<number> {
  const count = (await mem!.info()).count;
  await mem?.reset();
  await mem?.close();
  mem = undefined;
  return count;
}
