// Loaded in a Chromium test page: the fuzz against `Engram` with its engine in a Worker, so
// every hostile argument crosses the Worker boundary (structured clone) first.
import { Engram } from '../../src/engram';
import { forwardingTarget, type FuzzTarget } from './calls';
import { dropDatabase, rawDump } from './raw-idb';
import { runFuzz, type FuzzReport } from './runner';

/** Dimension and text limit of the fuzzed stores (as in Node). */
const DIM = 16;
const MAX_TEXT = 2000;

async function openTarget(name: string): Promise<FuzzTarget> {
  const mem = await Engram.open({
    name,
    embedder: { type: 'hash', dim: DIM },
    backend: 'cpu',
    maxTextLength: MAX_TEXT,
    blockRows: 16,
    // Recalls by search are written at close only: no background write lands between the
    // before/after dumps of a failing call.
    recallFlushMs: 3_600_000,
  });
  if (!mem.inWorker) throw new Error('the fuzz expects the engine in a Worker');
  const target = forwardingTarget(mem, {
    addMany: (items, onProgress) => mem.addMany(items as never, onProgress as never),
    exportText: async (options) => {
      const stream = await mem.export(options as never);
      let out = '';
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return out;
        out += value;
      }
    },
  });
  return { ...target, mem } as FuzzTarget;
}

/**
 * Runs the fuzz through the Worker.
 * @param seed - fast-check seed
 * @param runs - sequences, each on a fresh store
 * @param callsPerRun - most calls in a sequence
 */
export function fuzzThroughWorker(
  seed: number,
  runs: number,
  callsPerRun: number,
): Promise<FuzzReport> {
  return runFuzz({
    seed,
    runs,
    callsPerRun,
    callTimeoutMs: 20_000,
    settings: { dim: DIM, maxTextLength: MAX_TEXT, uncloneable: true, inWorker: true },
    open: openTarget,
    close: (t) => (t as FuzzTarget & { mem: Engram }).mem.close(),
    drop: dropDatabase,
    rawDump,
    noShrink: true,
  });
}
