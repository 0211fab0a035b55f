// Loaded in a Chromium test page: the fuzz against `Engram` with its engine in a Worker, so
// every hostile argument crosses the Worker boundary (structured clone) first.
import { Engram } from '../../src/engram';
import type { FuzzTarget } from './calls';
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
  const m = mem as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const pass =
    (k: string) =>
    (...a: unknown[]) =>
      m[k]!.apply(mem, a);
  const target: FuzzTarget & { mem: Engram } = {
    mem,
    add: pass('add'),
    addMany: pass('addMany'),
    search: pass('search'),
    get: pass('get'),
    getAll: pass('getAll') as FuzzTarget['getAll'],
    update: pass('update'),
    delete: pass('delete'),
    deleteAll: pass('deleteAll'),
    history: pass('history'),
    verifyLog: () => mem.verifyLog(),
    verify: () => mem.verify(),
    reinforce: pass('reinforce'),
    forget: pass('forget'),
    restore: pass('restore'),
    related: pass('related'),
    links: pass('links'),
    erase: pass('erase'),
    rebuild: () => mem.rebuild(),
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
    import: pass('import'),
    embed: pass('embed'),
    info: () => mem.info(),
    dump: () => mem.dump(),
    compact: pass('compact'),
    merge: pass('merge'),
    unmerge: pass('unmerge'),
    reset: () => mem.reset(),
  };
  return target;
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
