// Loaded in a bench page by bench/checkpoint-slices.mjs: default searches through the Worker
// while the idle checkpoint of the whole store runs, with the checkpoint in one piece (as
// before) and in slices (the default), side by side on one store size.
import { Engram } from '../src/engram';
import { sentence, pct, query } from './workload';

/** Result of one {@link runDuringCheckpoint}. */
export interface DuringCheckpoint {
  memories: number;
  /**
   * `checkpoint.sliceRows` (a huge one: the checkpoint in one piece, as before); 0: no idle
   * checkpoint (`idleMs: false`), the same number of searches timed alone, for reference.
   */
  sliceRows: number;
  /** Searches that ran from the moment the checkpoint started until it was written. */
  searches: number;
  /** Their latencies, ms. */
  p50: number;
  p95: number;
  max: number;
  /** From the idle timer firing to the "checkpoint written" log line, ms. */
  checkpointMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fills a fresh store with `memories` notes (hash embedder, 256-d, CPU backend, Worker), lets
 * the idle checkpoint start (`idleMs` 200) and runs default searches (`reinforce: false`, so no
 * recall write stops the checkpoint) one after another until it is written.
 */
export async function runDuringCheckpoint(
  memories: number,
  sliceRows: number,
  alone = 300,
): Promise<DuringCheckpoint> {
  const name = `bench-ckslice-${crypto.randomUUID()}`;
  const idleMs = 200;
  let writtenAt = 0;
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: 256 },
    backend: 'cpu',
    worker: true,
    checkpoint:
      sliceRows > 0
        ? { idleMs, sliceRows, minMemories: 1, minEvents: 1 }
        : { idleMs: false, minMemories: 1, minEvents: 1 },
    log: (m: string) => {
      if (m.startsWith('engram: checkpoint written')) writtenAt = performance.now();
    },
  });
  try {
    const chunk = 5000;
    for (let from = 0; from < memories; from += chunk)
      await mem.addMany(
        Array.from({ length: Math.min(chunk, memories - from) }, (_, i) => ({
          text: sentence(from + i),
        })),
      );
    for (let i = 0; i < 5; i++) await mem.search(query(i + 1000), { reinforce: false }); // warm-up
    // The warm-up re-armed the idle timer; it fires idleMs after the last one.
    const armed = performance.now();
    await sleep(idleMs + 20);
    const start = armed + idleMs;
    const times: number[] = [];
    for (let i = 0; sliceRows > 0 ? writtenAt === 0 : i < alone; i++) {
      const t0 = performance.now();
      await mem.search(query(i), { reinforce: false });
      if (writtenAt === 0 || writtenAt > t0) times.push(performance.now() - t0);
      if (i > 100_000) throw new Error('no checkpoint written');
    }
    times.sort((a, b) => a - b);
    return {
      memories,
      sliceRows,
      searches: times.length,
      p50: pct(times, 50),
      p95: pct(times, 95),
      max: times[times.length - 1] ?? 0,
      checkpointMs: sliceRows > 0 ? writtenAt - start : 0,
    };
  } finally {
    await mem.close();
    indexedDB.deleteDatabase(name);
  }
}
