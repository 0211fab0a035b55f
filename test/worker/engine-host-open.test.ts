// EngineHost.open with the offline model (issue 14, cold open): the store opens while the model
// loads; a model that fails to load fails the open and leaves no connection to the store, and a
// store made with another embedder fails it with EmbedderMismatch.
import 'fake-indexeddb/auto';
import { expect, test, vi } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { EngineHost } from '../../src/worker/engine-host';

/** Resolves to 'deleted', or 'blocked' when a connection to `name` is still open. */
function deleteDb(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve('deleted');
    r.onblocked = () => resolve('blocked');
    r.onerror = () => reject(r.error);
  });
}

test('a model that fails to load fails the open; the store is not left open', async () => {
  const name = 'host-open-bad-model';
  const opened = vi.spyOn(Engine, 'open');
  const closed = vi.spyOn(Engine.prototype, 'close');
  const host = new EngineHost();
  const err = await host
    .open({
      name,
      embedder: { type: 'use-lite', modelUrl: '/nonexistent/use-lite/' },
      backend: 'cpu',
    })
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'ModelLoadFailed' });
  // The store was opened meanwhile (a new one, made empty), then closed again.
  expect(opened).toHaveBeenCalledTimes(1);
  expect(closed).toHaveBeenCalledTimes(1);
  opened.mockRestore();
  closed.mockRestore();
  expect(await deleteDb(name)).toBe('deleted');
});

test('a store made with another embedder: EmbedderMismatch while the model loads', async () => {
  const name = 'host-open-mismatch';
  const first = new EngineHost();
  await first.open({ name, embedder: { type: 'hash', dim: 512 }, backend: 'cpu' });
  await first.close();
  const host = new EngineHost();
  const err = await host
    .open({ name, embedder: { type: 'use-lite' }, backend: 'cpu' })
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'EmbedderMismatch' });
  expect(await deleteDb(name)).toBe('deleted');
});

test('a bad option of the offline model is refused before anything opens (no database made)', async () => {
  const bad = [
    { type: 'use-lite' as const, batchSize: 0 },
    { type: 'use-lite' as const, instances: 1.5 },
    { type: 'use-lite' as const, modelURL: '/x/' } as unknown as { type: 'use-lite' },
  ];
  for (const [i, embedder] of bad.entries()) {
    const name = `host-open-bad-option-${i}`;
    const err = await new EngineHost()
      .open({ name, embedder, backend: 'cpu' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'InvalidArgument' });
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(name);
  }
});
