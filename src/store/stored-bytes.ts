// Large byte values — sealed vector blocks and checkpoint chunks, megabytes each — are stored in
// IndexedDB as Blobs, not ArrayBuffers. Chromium keeps a large value in a file beside its
// database either way, but an ArrayBuffer value is handed back only once it has been read back
// and deserialised on the reading thread, one value after another in request order; a Blob
// value comes back as a handle, and the bytes of many are read at once, off the request queue
// (a 100k-memory cold open: 6.6 → 5.0 s, bench/RESULTS.md "Vector blocks and checkpoint chunks
// stored as Blobs"). Stores written before hold ArrayBuffers, which are read as they are.

/**
 * What a large byte value is stored as.
 * @param bytes - the bytes (copied into the Blob)
 */
export function storedBytes(bytes: ArrayBuffer | Uint8Array<ArrayBuffer>): Blob {
  return new Blob([bytes]);
}

/**
 * A stored value's bytes: a Blob is read into an ArrayBuffer; any other value is returned as it
 * is (an older store's ArrayBuffer, or something damaged, for the caller to judge). A Blob whose
 * bytes cannot be read (its file lost) gives `undefined`: unreadable, as a missing value is.
 * Call it after the transaction's requests are made: reading a Blob is not an IndexedDB request
 * and would let a transaction waiting on it commit (see {@link bytesInTransaction}).
 * @param value - a value as IndexedDB returned it
 */
export async function bytesOf(value: unknown): Promise<unknown> {
  if (!(value instanceof Blob)) return value;
  try {
    return await value.arrayBuffer();
  } catch {
    return undefined;
  }
}

/**
 * {@link bytesOf} inside a transaction that makes more requests afterwards: a transaction with
 * no request pending commits at the end of a task, so while the Blob is read, small requests
 * (`keepAlive`, e.g. a `count()` on one of its stores) are made one after another to hold it
 * open.
 * @param value - a value read in the transaction
 * @param keepAlive - one cheap request in the same transaction
 */
export async function bytesInTransaction(
  value: unknown,
  keepAlive: () => Promise<unknown>,
): Promise<unknown> {
  if (!(value instanceof Blob)) return value;
  let done = false;
  const read = bytesOf(value).finally(() => (done = true));
  while (!done) await keepAlive();
  return read;
}
