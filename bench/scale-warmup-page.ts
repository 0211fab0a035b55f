// Loaded by bench/scale-warmup.mjs: one store filled to N in the engine's Worker (as
// bench/scale-page.ts: CPU, hash-256, the bench's ten warm-up searches), then runs of default
// searches, one call per run, so that the driver can read the threads' CPU time between two runs.
import { Engram } from '../src/engram';
import { addTexts } from './scale-texts';

let mem: Engram | undefined;

/**
 * Opens a fresh store in a Worker, fills it with `n` texts and runs the ten warm-up searches
 * bench/scale-page.ts runs before it times anything.
 * @param base - real chat texts
 * @param queries - real questions
 * @param n - memories
 * @returns seconds the fill took
 */
export async function fill(base: string[], queries: string[], n: number): Promise<number> {
  mem = await Engram.open({
    name: `bench-warmup-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
  });
  const t0 = performance.now();
  await addTexts((items) => mem!.addMany(items), base, 0, n);
  const fillS = (performance.now() - t0) / 1000;
  for (let i = 0; i < 10; i++) await mem.search(queries[(i * 7) % queries.length]!);
  while ((await mem.info()).indexBuilding) {
    await new Promise((res) => setTimeout(res, 200));
    await mem.search(queries[0]!, { reinforce: false });
  }
  return fillS;
}

/**
 * Default searches of questions `from` … `to` (inclusive), one after the other.
 * @param queries - real questions
 * @param from - first question
 * @param to - last question
 * @returns each search's time, ms
 */
export async function run(queries: string[], from: number, to: number): Promise<number[]> {
  const times: number[] = [];
  for (let q = from; q <= to; q++) {
    const t = performance.now();
    await mem!.search(queries[q]!);
    times.push(performance.now() - t);
  }
  return times;
}

/** Empties and closes the store. */
export async function done(): Promise<void> {
  await mem?.reset();
  await mem?.close();
  mem = undefined;
}
