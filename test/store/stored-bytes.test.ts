// Large byte values as Blobs: read back as bytes (an older store's ArrayBuffers as they are, a
// Blob that cannot be read as unreadable), and read inside a readwrite transaction that goes on
// writing afterwards (fake-indexeddb; the browser tests run the same code on Chromium's).
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { expect, test } from 'vitest';
import { bytesInTransaction, bytesOf, storedBytes } from '../../src/store/stored-bytes';

/** A Blob whose bytes are gone (as when the file behind a stored Blob is lost). */
class LostBlob extends Blob {
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.reject(new DOMException('the file is gone', 'NotReadableError'));
  }
}

/** A Blob read back slowly (tasks later, as a browser's file read is): the test's stand-in. */
class SlowBlob extends Blob {
  override async arrayBuffer(): Promise<ArrayBuffer> {
    await new Promise((r) => setTimeout(r, 20));
    return super.arrayBuffer();
  }
}

test('bytesOf reads a Blob, passes anything else through, and gives undefined for lost bytes', async () => {
  const row = new Float32Array([1.5, -2, 3.25]);
  const stored = storedBytes(new Uint8Array(row.buffer.slice(0)));
  expect(stored).toBeInstanceOf(Blob);
  expect(stored.size).toBe(12);
  expect(new Float32Array((await bytesOf(stored)) as ArrayBuffer)).toEqual(row);
  const old = row.buffer.slice(0);
  expect(await bytesOf(old)).toBe(old); // an older store's value, as it is
  expect(await bytesOf('not bytes')).toBe('not bytes'); // damage is the caller's to judge
  expect(await bytesOf(undefined)).toBeUndefined();
  expect(await bytesOf(new LostBlob([new Uint8Array(12)]))).toBeUndefined();
});

test('bytesInTransaction keeps a readwrite transaction open while a Blob is read, so it can write after', async () => {
  const db = await openDB('stored-bytes', 1, {
    upgrade: (d) => void d.createObjectStore('blocks'),
  });
  await db.put('blocks', storedBytes(new Uint8Array([1, 2, 3, 4])), 0);
  const tx = db.transaction('blocks', 'readwrite');
  const store = tx.objectStore('blocks');
  let keptAlive = 0;
  const stored = (await store.get(0)) as Blob;
  const slow = new SlowBlob([stored]); // its read outlasts a transaction left with no request
  const bytes = await bytesInTransaction(slow, () => (keptAlive++, store.count()));
  const data = new Uint8Array(bytes as ArrayBuffer);
  data[0] = 9;
  await store.put(storedBytes(data), 0); // throws TransactionInactiveError had it committed
  await tx.done;
  expect(keptAlive).toBeGreaterThan(0);
  expect([...new Uint8Array((await bytesOf(await db.get('blocks', 0))) as ArrayBuffer)]).toEqual([
    9, 2, 3, 4,
  ]);
  // Not a Blob: returned at once, no request made.
  let asked = 0;
  const plain = new ArrayBuffer(4);
  expect(await bytesInTransaction(plain, () => (asked++, Promise.resolve()))).toBe(plain);
  expect(asked).toBe(0);
  db.close();
});
