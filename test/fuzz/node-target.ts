// The engine as a fuzz target under Node (fake-indexeddb, hash embedder, CPU backend).
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { FuzzTarget } from './calls';

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
  });
  const e = engine as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const pass =
    (m: string) =>
    (...a: unknown[]) =>
      e[m]!.apply(engine, a);
  const target: FuzzTarget & { engine: Engine } = {
    engine,
    add: pass('add'),
    addMany: (items, onProgress) =>
      engine.addMany(
        items as never,
        onProgress === undefined ? {} : { onProgress: onProgress as never },
      ),
    search: pass('search'),
    get: pass('get'),
    getAll: pass('getAll') as FuzzTarget['getAll'],
    update: pass('update'),
    delete: pass('delete'),
    deleteAll: pass('deleteAll'),
    history: pass('history'),
    verifyLog: () => engine.verifyLog(),
    reinforce: pass('reinforce'),
    forget: pass('forget'),
    restore: pass('restore'),
    related: pass('related'),
    links: pass('links'),
    erase: pass('erase'),
    rebuild: () => engine.rebuild(),
    exportText: async (options) => {
      let out = '';
      for await (const line of engine.export(options as never)) out += `${line}\n`;
      return out;
    },
    import: pass('import'),
    embed: pass('embed'),
    info: async () => engine.info(),
    dump: () => engine.dump(),
    compact: pass('compact'),
    merge: pass('merge'),
    unmerge: pass('unmerge'),
    reset: () => engine.reset(),
  };
  const verify = (engine as unknown as { verify?: () => Promise<{ ok: boolean }> }).verify;
  if (typeof verify === 'function') target.verify = () => verify.call(engine);
  return target;
}

const raw = new Map<string, IDBDatabase>();

/** Every record of every object store, read in one transaction on a second connection. */
export async function rawDump(t: FuzzTarget): Promise<Record<string, unknown[]>> {
  const name = (t as unknown as { engine: Engine }).engine.info().name;
  let db = raw.get(name);
  if (!db) {
    db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    raw.set(name, db);
  }
  const names = [...db.objectStoreNames];
  const tx = db.transaction(names, 'readonly');
  const out: Record<string, unknown[]> = {};
  await Promise.all(
    names.map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const req = tx.objectStore(n).getAll();
          req.onsuccess = () => ((out[n] = req.result as unknown[]), resolve());
          req.onerror = () => reject(req.error);
        }),
    ),
  );
  return out;
}

/** Closes the second connection of {@link rawDump}, then deletes the database. */
export function dropDatabase(name: string): Promise<void> {
  raw.get(name)?.close();
  raw.delete(name);
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}
