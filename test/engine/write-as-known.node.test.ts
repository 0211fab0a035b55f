// add() writes on the state as this tab knows it (no read of the log before its transaction),
// and the transaction's meta check catches another tab's write: then nothing is written, the
// state catches up and the write runs again.
import 'fake-indexeddb/auto';
import { expect, test, vi } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { MemoryStore } from '../../src/store/memory-store';

const embedder = new HashEmbedder({ dim: 32 });
const storeOf = (e: Engine) => (e as unknown as { store: MemoryStore }).store;

test('single add()s read nothing before their transaction: one IndexedDB transaction each', async () => {
  const e = await Engine.open({ name: 'known-1', embedder, backend: 'cpu' });
  await e.add('I live in Berlin');
  const refresh = vi.spyOn(storeOf(e), 'refreshMeta');
  const open = vi.spyOn(IDBDatabase.prototype, 'transaction');
  for (const t of ['I have a cat named Mochi', 'My sister is called Anna', 'I live in Paris'])
    await e.add(t);
  expect(refresh).not.toHaveBeenCalled();
  expect(open.mock.calls.map((c) => c[1])).toEqual(['readwrite', 'readwrite', 'readwrite']);
  open.mockRestore();
  expect((await e.getAll()).results.map((m) => m.memory)).toEqual([
    'I live in Paris', // an update of the first memory
    'I have a cat named Mochi',
    'My sister is called Anna',
  ]);
  expect((await e.verify()).ok).toBe(true);
  await e.close();
});

test('another tab wrote first (its message not yet here): nothing written, caught up, written again', async () => {
  const a = await Engine.open({ name: 'known-2', embedder, backend: 'cpu' });
  const b = await Engine.open({ name: 'known-2', embedder, backend: 'cpu' });
  await a.add('I live in Berlin');
  // A does not hear B's announcements: its view is stale until its own write finds out.
  const channel = (a as unknown as { sync: { channel: BroadcastChannel } }).sync.channel;
  channel.onmessage = null;
  const other = await b.add('My brother plays the cello');
  const commit = vi.spyOn(storeOf(a), 'commit');
  const mine = await a.add('I have a cat named Mochi');
  expect(commit).toHaveBeenCalledTimes(2); // refused (the log moved), then written
  await expect(commit.mock.results[0]!.value).rejects.toMatchObject({
    code: 'StorageError',
    details: { logMoved: true },
  });
  expect(mine.results.map((r) => r.event)).toEqual(['ADD']);
  const texts = async (e: Engine) => (await e.getAll()).results.map((m) => m.memory).sort();
  const all = ['I have a cat named Mochi', 'I live in Berlin', 'My brother plays the cello'];
  expect(await texts(a)).toEqual(all);
  expect((await a.get(other.results[0]!.id))?.memory).toBe('My brother plays the cello');
  expect((await a.verify()).ok).toBe(true);
  // B catches up from the log (A's announcement may not reach it: ask through a write).
  await b.add('I live in Berlin'); // a restatement: NOOP, after catching up with A's write
  expect(await texts(b)).toEqual(all);
  const events = (await a.dump()).events as { seq: number }[];
  expect(events.map((x) => x.seq)).toEqual(events.map((_, i) => i + 1)); // one chain, no gap
  await a.close();
  await b.close();
});
