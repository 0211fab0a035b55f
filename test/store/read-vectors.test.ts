// MemoryStore.readVectors: rows of sealed blocks read from their blocks with no tail look-up,
// the unsealed rows from the tail, and what another tab sealed since this one last read its meta
// found in the block (the meta's `nextSlot` behind the store's).
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { Engine } from '../../src/engine/engine';
import type { IDBPDatabase } from 'idb';
import type { MemoryStore } from '../../src/store/memory-store';
import type { EngramDB } from '../../src/store/schema';
import { readVectors } from '../../src/store/vector-io';

const dim = 8;
const open = (name: string) =>
  Engine.open({ name, embedder: new HashEmbedder({ dim }), backend: 'cpu', blockRows: 4 });
const storeOf = (e: Engine) => (e as unknown as { store: MemoryStore }).store;
const texts = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ text: `memory number ${from + i}` }));

/** Every stored row, as the open streams them. */
async function allRows(store: MemoryStore): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  await store.streamVectors((first, rows) => {
    for (let r = 0; r * dim < rows.length; r++)
      out.set(first + r, [...rows.subarray(r * dim, (r + 1) * dim)]);
  });
  return out;
}

/** Counts `get` calls on the `vectorTail` store while `fn` runs. */
async function tailGets<T>(fn: () => Promise<T>): Promise<{ value: T; gets: number }> {
  const proto = IDBObjectStore.prototype;
  const get = proto.get;
  let gets = 0;
  proto.get = function (this: IDBObjectStore, key: IDBValidKey | IDBKeyRange) {
    if (this.name === 'vectorTail') gets++;
    return get.call(this, key);
  };
  try {
    return { value: await fn(), gets };
  } finally {
    proto.get = get;
  }
}

test('sealed rows come from their blocks without a tail look-up; unsealed ones from the tail', async () => {
  const e = await open('read-vectors');
  await e.addMany(texts(0, 10)); // slots 0-7 in blocks 0 and 1, 8-9 in the tail
  const store = storeOf(e);
  const all = await allRows(store);
  expect(all.size).toBe(10);
  const want = [0, 1, 5, 7, 8, 9, 20];
  const { value: got, gets } = await tailGets(() => store.readVectors(want));
  expect(gets).toBe(3); // 8, 9 and 20: no look-up for the sealed 0, 1, 5, 7
  expect([...got.keys()].sort((a, b) => a - b)).toEqual([0, 1, 5, 7, 8, 9]);
  for (const [s, row] of got) expect([...row]).toEqual(all.get(s));
  await e.close();
});

test("rows another tab sealed since this tab's meta was read are found in their block", async () => {
  const e = await open('read-vectors-stale');
  await e.addMany(texts(0, 10));
  const store = storeOf(e);
  const before = { ...store.meta }; // nextSlot 10: block 2 (slots 8-11) unsealed
  await e.addMany(texts(10, 2)); // slots 10-11: block 2 sealed, its tail rows deleted
  const all = await allRows(store);
  const db = (store as unknown as { db: IDBPDatabase<EngramDB> }).db;
  const { value: got, gets } = await tailGets(() => readVectors(db, before, [3, 8, 9, 10, 11]));
  expect(gets).toBe(4); // looked for in the tail first (the stale meta), then in block 2
  expect([...got.keys()].sort((x, y) => x - y)).toEqual([3, 8, 9, 10, 11]);
  for (const [s, row] of got) expect([...row]).toEqual(all.get(s));
  await e.close();
});

test('a sealed block found missing: its rows are looked for in the tail', async () => {
  const e = await open('read-vectors-missing');
  await e.addMany(texts(0, 10));
  const store = storeOf(e);
  const all = await allRows(store);
  // Block 1 (slots 4-7) gone, its rows back in the tail: as a store that never sealed it.
  const db = (store as unknown as { db: IDBPDatabase<EngramDB> }).db;
  const tx = db.transaction(['vectorBlocks', 'vectorTail'], 'readwrite');
  await tx.objectStore('vectorBlocks').delete(1);
  for (const s of [4, 6])
    await tx.objectStore('vectorTail').put(Float32Array.from(all.get(s)!).buffer, s);
  await tx.done;
  const got = await store.readVectors([1, 4, 6, 7]);
  expect([...got.keys()].sort((x, y) => x - y)).toEqual([1, 4, 6]); // 7 is stored nowhere now
  for (const [s, row] of got) expect([...row]).toEqual(all.get(s));
  await e.close();
});
