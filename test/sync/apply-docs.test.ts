// applySyncDocs under Node (fake-indexeddb), without PouchDB or a server: documents of one
// engine's events are applied to another, as the replicator hands them over.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import type { EngineCore } from '../../src/engine/core';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { MemoryStore } from '../../src/store/memory-store';
import { isTombstone, type EventRecord } from '../../src/store/records';
import { applySyncDocs } from '../../src/sync/apply-docs';
import { toSyncDoc, type SyncDoc } from '../../src/sync/sync-doc';

let n = 0;
/** An engine whose clock the test moves (so erasures happen at known, different times). */
async function open(now: { t: number }): Promise<Engine> {
  return Engine.open({
    name: `apply-docs-${n++}`,
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
    reinforceOnSearch: false,
    clock: () => now.t,
  });
}

const inner = (e: Engine) => e as unknown as { core: EngineCore; store: MemoryStore };

/** The engine's own events as documents of device `device`. */
async function docsOf(e: Engine, device: string, afterSeq = 0): Promise<SyncDoc[]> {
  const events = await inner(e).store.eventsSince(afterSeq);
  return events.map((ev) => toSyncDoc(ev, device));
}

/** Applies documents on `e` as the replicator does (under the write lock). */
async function apply(e: Engine, docs: SyncDoc[]): Promise<EventRecord[]> {
  const { core } = inner(e);
  let logged: EventRecord[] = [];
  await core.write(async () => (logged = await applySyncDocs(core, docs, 'device-b')));
  return logged;
}

test('a batch with several erasures tombstones each memory with its own erasure time', async () => {
  const clock = { t: 1_000_000 };
  const a = await open(clock);
  const b = await open(clock);
  const [m1] = (await a.add('the first secret is cobalt', { infer: false })).results;
  clock.t += 10;
  const [m2] = (await a.add('the second secret is amber', { infer: false })).results;
  await apply(b, await docsOf(a, 'device-a'));
  expect(b.info().count).toBe(2);
  const seen = (await inner(a).store.eventsSince(0)).at(-1)!.seq;

  clock.t = 2_000_000;
  await a.erase(m1!.id);
  clock.t = 3_000_000;
  await a.erase(m2!.id);
  // Both erasures arrive in one batch.
  await apply(b, await docsOf(a, 'device-a', seen));
  expect(b.info().count).toBe(0);

  const tombstoned = (await inner(b).store.eventsSince(0)).filter(
    (e) => e.type !== 'memory.erased' && isTombstone(e.payload),
  );
  const at = Object.fromEntries(
    tombstoned.map((e) => [e.memoryId, isTombstone(e.payload) && e.payload.tombstone.erasedAt]),
  );
  expect(at).toEqual({ [m1!.id]: 2_000_000, [m2!.id]: 3_000_000 });
  // Each tombstone names the seq of its own erasure event here.
  const erasures = new Map(
    (await inner(b).store.eventsSince(0))
      .filter((e) => e.type === 'memory.erased')
      .map((e) => [e.memoryId, e.seq]),
  );
  for (const e of tombstoned)
    expect(isTombstone(e.payload) && e.payload.tombstone.erasureSeq).toBe(erasures.get(e.memoryId));
  await a.close();
  await b.close();
});
