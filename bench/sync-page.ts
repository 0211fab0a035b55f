// Bench page for bench/sync.mjs: an engine (hash embedder 64-d, CPU) per page, filled with
// memories before sync starts, then timed until it holds what every device wrote.
import { Engine } from '../src/engine/engine';
import { HashEmbedder } from '../src/embed/hash-embedder';

let engine: Engine | undefined;

/** Opens a fresh store and writes `n` memories (one event each), sync not started. */
export async function fill(n: number, who: string): Promise<{ events: number }> {
  engine = await Engine.open({
    name: `bench-sync-${crypto.randomUUID()}`,
    embedder: new HashEmbedder({ dim: 64 }),
    backend: 'cpu',
    reinforceOnSearch: false,
  });
  const items = Array.from({ length: n }, (_, i) => ({ text: `note ${i} from ${who}` }));
  for (let i = 0; i < n; i += 500) await engine.addMany(items.slice(i, i + 500));
  return { events: (await engine.verifyLog()).events };
}

/** Starts sync with the server's database `url`. */
export async function start(url: string): Promise<void> {
  await engine!.syncStart({ url });
}

/** Where this device stands: memories held, own events not yet on the server. */
export async function progress(): Promise<{ count: number; pending: number }> {
  const s = await engine!.syncPending();
  return { count: engine!.info().count, pending: s ?? -1 };
}

/** Stops sync and closes the store. */
export async function done(): Promise<void> {
  await engine!.close();
  engine = undefined;
}
