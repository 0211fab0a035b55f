// Loaded by bench/scale-timeline.mjs: one store filled to N (Worker, CPU, hash-256), then each
// search and add() timed with its start time, beside the engine's log lines (idle checkpoint
// written or stopped) with theirs — to see what the slow calls coincide with. Phases: default
// searches, the same with `reinforce: false` (no recalls recorded, so none written), adds right
// after the searches (their recalls are written meanwhile), then `flush()`, then adds again.
import { Engram } from '../src/engram';
import type { IndexModeOption } from '../src/search/index-mode';
import { addTexts, textAt } from './scale-texts';

/** One timed call: when it started (ms since the phases began) and how long it took. */
export type Call = [start: number, ms: number];

/** Each phase's calls, the engine's log lines and the flush's time. */
export interface Timeline {
  fillS: number;
  phases: Record<string, Call[]>;
  log: [at: number, line: string][];
  flushMs: number;
}

/**
 * Fills a store to `n` and times the phases (see the file comment).
 * @param base - real chat texts
 * @param queries - real questions
 * @param n - memories
 * @param searches - timed searches per search phase
 * @param adds - timed adds per add phase
 * @param mode - the index mode
 */
export async function runTimeline(
  base: string[],
  queries: string[],
  n: number,
  searches: number,
  adds: number,
  mode: IndexModeOption = 'fp32',
): Promise<Timeline> {
  let t0 = performance.now();
  const log: [number, string][] = [];
  const mem = await Engram.open({
    name: `bench-timeline-${crypto.randomUUID()}`,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    index: { mode },
    log: (line) => log.push([performance.now() - t0, line]),
  });
  const phases: Record<string, Call[]> = {};
  const timed = async (phase: string, count: number, call: (i: number) => Promise<unknown>) => {
    const calls: Call[] = [];
    for (let i = 0; i < count; i++) {
      const s = performance.now();
      await call(i);
      calls.push([s - t0, performance.now() - s]);
    }
    phases[phase] = calls;
  };
  try {
    await addTexts((items) => mem.addMany(items), base, 0, n);
    const fillS = (performance.now() - t0) / 1000;
    for (let i = 0; i < 10; i++) await mem.search(queries[(i * 7) % queries.length]!);
    t0 = performance.now();
    log.length = 0;
    const q = (i: number) => queries[i % queries.length]!;
    await timed('default search', searches, (i) => mem.search(q(i)));
    await timed('reinforce: false', searches, (i) => mem.search(q(i), { reinforce: false }));
    await timed('default search 2', searches, (i) => mem.search(q(i)));
    await timed('add() after searches', adds, (i) => mem.add(textAt(base, n + i * 7919)));
    const f0 = performance.now();
    await mem.flush();
    const flushMs = performance.now() - f0;
    await timed('add() after flush()', adds, (i) => mem.add(textAt(base, n + (adds + i) * 7919)));
    return { fillS, phases, log, flushMs };
  } finally {
    await mem.reset();
    await mem.close();
  }
}
