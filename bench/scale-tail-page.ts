// Loaded by bench/scale-tail.mjs: what the slow 5 % of default searches coincide with. The engine
// runs on this page's thread (no Worker: its stages can be timed from here), each search is
// started from a task of its own, as a message to the Worker would be, and for each one is kept:
// the wait before it could start (other tasks: recall writes, checkpoint slices, index jobs), its
// time in the engine, the time in the retriever's plan and complete, in the vector index's
// search, in the embedder, and whether the JS heap shrank during it (a GC ran; Chromium's
// `performance.memory` with --enable-precise-memory-info).
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';
import { Retriever } from '../src/retrieval/retriever';
import { nextTask } from '../src/util/tasks';
import type { IndexModeOption } from '../src/search/index-mode';
import { addTexts } from './scale-texts';

/** One timed search. */
export interface TailCall {
  /** Question number. */
  q: number;
  /** Start, ms since the timed searches began. */
  at: number;
  /** Wait for the task that starts it (other tasks ran first), ms. */
  wait: number;
  /** The engine's search, ms. */
  total: number;
  plan: number;
  complete: number;
  index: number;
  embed: number;
  /** JS heap bytes freed during the search (> 0: a GC ran), from `performance.memory`. */
  freed: number;
  /** The engine's log lines during the wait or the search. */
  log: string[];
}

/**
 * Fills a store to `n` and times `rounds` × every question, default options, one by one.
 * @param base - real chat texts
 * @param queries - real questions
 * @param n - memories
 * @param rounds - passes over the questions
 * @param mode - index mode (null: the engine's default)
 * @param reinforce - the search's `reinforce` option
 */
export async function runTail(
  base: string[],
  queries: string[],
  n: number,
  rounds: number,
  mode: IndexModeOption | null,
  reinforce: boolean,
): Promise<{ fillS: number; calls: TailCall[] }> {
  const lines: string[] = [];
  const embedder = new HashEmbedder({ dim: 256 });
  const engine = await Engine.open({
    name: `bench-tail-${crypto.randomUUID()}`,
    embedder,
    backend: 'cpu',
    ...(mode === null ? {} : { index: { mode } }),
    log: (line: string) => lines.push(line),
  });
  const clock = { plan: 0, complete: 0, index: 0, embed: 0 };
  const timed = <T extends object>(obj: T, key: keyof T & string, slot: keyof typeof clock) => {
    const fn = obj[key] as unknown as (...a: unknown[]) => unknown;
    (obj as Record<string, unknown>)[key] = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      const out = fn.apply(this, a);
      if (out instanceof Promise) return out.finally(() => (clock[slot] += performance.now() - t));
      clock[slot] += performance.now() - t;
      return out;
    };
  };
  const plan = Retriever.prototype.plan;
  const complete = Retriever.prototype.complete;
  timed(Retriever.prototype, 'plan', 'plan');
  timed(Retriever.prototype, 'complete', 'complete');
  timed(embedder, 'embed', 'embed');
  const heap = () =>
    (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
  try {
    const t0 = performance.now();
    await addTexts((items) => engine.addMany(items), base, 0, n);
    const fillS = (performance.now() - t0) / 1000;
    for (let i = 0; i < 10; i++) await engine.search(queries[(i * 7) % queries.length]!);
    while (engine.info().indexBuilding) {
      await new Promise((r) => setTimeout(r, 200));
      await engine.search(queries[0]!, { reinforce: false });
    }
    // The index object is made at open (and may be replaced by 'auto'): patch the one in use.
    const index = (engine as unknown as { state: { index: object } }).state.index;
    timed(index as { search: () => unknown }, 'search', 'index');
    const calls: TailCall[] = [];
    // A mark in the browser's output (scale-tail's --js-flags: what V8 traces from here on).
    console.info('scale-tail: timed searches');
    const s0 = performance.now();
    for (let r = 0; r < rounds; r++)
      for (let q = 0; q < queries.length; q++) {
        lines.length = 0;
        const w0 = performance.now();
        await nextTask();
        const start = performance.now();
        clock.plan = clock.complete = clock.index = clock.embed = 0;
        const h0 = heap();
        await engine.search(queries[q]!, { reinforce });
        const total = performance.now() - start;
        calls.push({
          q,
          at: w0 - s0,
          wait: start - w0,
          total,
          ...clock,
          freed: Math.max(0, h0 - heap()),
          log: [...lines],
        });
      }
    Retriever.prototype.plan = plan;
    Retriever.prototype.complete = complete;
    return { fillS, calls };
  } finally {
    await engine.reset();
    await engine.close();
  }
}
