// The engine as a fuzz target under Node (fake-indexeddb, hash embedder, CPU backend).
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { forwardingTarget, type FuzzTarget } from './calls';
export { dropDatabase, rawDump } from './raw-idb';

/** Dimension of the fuzzed stores' vectors. */
export const FUZZ_DIM = 16;
/** Longest text of the fuzzed stores (small, so texts at and past it are cheap). */
export const FUZZ_MAX_TEXT = 2000;

/** Opens an engine of that name and wraps it as a {@link FuzzTarget}. */
export async function openEngineTarget(name: string): Promise<FuzzTarget & { engine: Engine }> {
  const engine = await Engine.open({
    name,
    embedder: new HashEmbedder({ dim: FUZZ_DIM }),
    backend: 'cpu',
    maxTextLength: FUZZ_MAX_TEXT,
    blockRows: 16,
    // Recalls by search are written at close only: no background write lands between the
    // before/after dumps of a failing call.
    recallFlushMs: 3_600_000,
  });
  const own: Pick<FuzzTarget, 'addMany' | 'exportText'> = {
    addMany: (items, onProgress) =>
      engine.addMany(
        items as never,
        onProgress === undefined ? {} : { onProgress: onProgress as never },
      ),
    exportText: async (options) => {
      let out = '';
      for await (const line of engine.export(options as never)) out += `${line}\n`;
      return out;
    },
  };
  return { ...forwardingTarget(engine, own), engine };
}
