// Reading vector rows back: streamed block by block at open, or a few slots at a
// time after another tab wrote. Writing them is `vector-blocks.ts` (inside a commit).
// A block or tail row whose bytes are unreadable (not the length the store writes) is
// not used: its rows are read from the log instead, where every vector is kept in the
// event that added it, and `onUnreadable` is told (`verify()` reports it, `rebuild()`
// rewrites it). In an encrypted store each row is opened after the read (`cipher.ts`); a row
// that does not open counts as unreadable.
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import { storedRowBytes, type RecordCipher } from './cipher';
import { isTombstone, type EventRecord, type MetaRecord } from './records';
import type { EngramDB } from './schema';
import { bytesOf, storedBytes } from './stored-bytes';
import { abortQuietly, storeError } from './tx';
import { nextTask } from '../util/tasks';
import { groupBy } from '../util/group';
import { runsOf } from '../util/runs';
import { blockReadable, rowReadable } from './vector-blocks';

/** Told which slots' stored bytes were unreadable (their rows came from the log). */
export type OnUnreadable = (message: string) => void;

/**
 * The vector of each of `slots` as the log holds it (zero for a slot whose vector was
 * erased or never written).
 * @param events - the log, oldest first
 * @param slots - the slots wanted
 * @param dim - vector dimension
 */
export function vectorsFromLog(
  events: readonly EventRecord[],
  slots: readonly number[],
  dim: number,
): Map<number, Float32Array> {
  const want = new Set(slots);
  const out = new Map<number, Float32Array>();
  for (const s of slots) out.set(s, new Float32Array(dim));
  for (const e of events) {
    const p = e.payload;
    if (!p || typeof p !== 'object' || isTombstone(p)) continue;
    const slot = p.memory?.slot;
    if (typeof slot !== 'number' || !want.has(slot) || !(p.vector instanceof ArrayBuffer)) continue;
    if (p.vector.byteLength === dim * 4) out.set(slot, new Float32Array(p.vector.slice(0)));
  }
  return out;
}

/**
 * Reads the log and returns the vectors of `slots` from it (see {@link vectorsFromLog}).
 * @param db - the open database
 * @param meta - gives `dim`
 * @param slots - slots whose stored bytes are unreadable
 * @param onUnreadable - told about them
 */
export async function vectorsFromLogFor(
  db: IDBPDatabase<EngramDB>,
  meta: MetaRecord,
  slots: readonly number[],
  onUnreadable: OnUnreadable | undefined,
  cipher?: RecordCipher,
): Promise<Map<number, Float32Array>> {
  onUnreadable?.(
    `engram: the stored vectors of ${slots.length} slot(s) from ${slots[0]} are unreadable; ` +
      'read from the log instead (verify() reports them, rebuild() rewrites them)',
  );
  let events = await db.getAll('events');
  if (cipher) events = await Promise.all(events.map((e) => cipher.openEvent(e).catch(() => e)));
  return vectorsFromLog(events, slots, meta.dim);
}

/** Opens only the wanted rows of a sealed block (not all `blockRows` of them). */
async function openBlockRows(
  cipher: RecordCipher,
  meta: MetaRecord,
  block: number,
  slots: readonly number[],
  stored: unknown,
  out: Map<number, Float32Array>,
  unreadable: number[],
): Promise<void> {
  const size = storedRowBytes(meta);
  if (!(stored instanceof ArrayBuffer) || stored.byteLength !== meta.blockRows * size)
    return void unreadable.push(...slots);
  await Promise.all(
    slots.map(async (slot) => {
      const at = (slot - block * meta.blockRows) * size;
      const row = await cipher.openVectors(meta, slot, 1, stored.slice(at, at + size));
      if (row) out.set(slot, new Float32Array(row));
      else unreadable.push(slot);
    }),
  );
}

/** A stored block or tail row as plaintext float32 bytes (opened in an encrypted store). */
function plainRows(
  cipher: RecordCipher | undefined,
  meta: MetaRecord,
  first: number,
  rows: number,
  value: unknown,
): Promise<unknown> | unknown {
  return cipher ? cipher.openVectors(meta, first, rows, value) : value;
}

/**
 * Reads the vector rows block by block, in slot order, handing each to `sink` as it arrives
 * (no `nextSlot × dim` matrix is assembled: opening a 100k × 384 store would copy 154 MB
 * twice). Every read is issued at once in one transaction; `sink` may be async. Rows whose
 * stored bytes are unreadable are read from the log and handed over last.
 * @param db - the open database
 * @param sink - gets `(firstSlot, rows)`, rows row-major; slots skipped (never written) are zero
 * @param onUnreadable - told when stored bytes were unreadable
 * @param phases - gets `vector blocks in`: ms until IndexedDB had handed over every block
 * @param older - gets the keys of blocks stored as ArrayBuffers (see {@link storeBlocksAsBlobs})
 * @returns the meta record the rows belong to
 */
export async function streamVectors(
  db: IDBPDatabase<EngramDB>,
  sink: (first: number, rows: Float32Array) => Promise<void> | void,
  onUnreadable?: OnUnreadable,
  cipher?: RecordCipher,
  phases?: Record<string, number>,
  older?: number[],
): Promise<MetaRecord> {
  try {
    const t0 = performance.now();
    const tx = db.transaction(['meta', 'vectorBlocks', 'vectorTail'], 'readonly');
    const [meta, blockKeys, tailKeys, tail] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('vectorBlocks').getAllKeys(),
      tx.objectStore('vectorTail').getAllKeys(),
      tx.objectStore('vectorTail').getAll(),
    ]);
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    const { dim, blockRows, nextSlot } = meta;
    const unreadable: number[] = [];
    const tailSlots = new Set(tailKeys);
    // Every block's request is made at once; each Blob's bytes are read as it comes.
    const reads = blockKeys.map((b) =>
      tx
        .objectStore('vectorBlocks')
        .get(b)
        .then((v) => {
          if (v instanceof ArrayBuffer) older?.push(b);
          return bytesOf(v);
        }),
    );
    // When IndexedDB has handed over every block (the rest of `vectors` is this thread's work).
    if (phases)
      void Promise.all(reads).then(
        () => (phases['vector blocks in'] = Math.round(performance.now() - t0)),
        () => {},
      );
    for (let i = 0; i < blockKeys.length; i++) {
      const first = blockKeys[i]! * blockRows;
      const block: unknown = await plainRows(cipher, meta, first, blockRows, await reads[i]!);
      const rows = Math.max(0, Math.min(blockRows, nextSlot - first));
      if (!rows) continue;
      if (blockReadable(block, meta)) await sink(first, new Float32Array(block, 0, rows * dim));
      else for (let s = first; s < first + rows; s++) if (!tailSlots.has(s)) unreadable.push(s);
    }
    const live = tailKeys
      .map((slot, i) => [slot, tail[i] as unknown] as const)
      .filter(([s]) => s < nextSlot);
    if (live.length) {
      const first = live[0]![0];
      const rows = new Float32Array((live[live.length - 1]![0] - first + 1) * dim);
      const plain = await Promise.all(live.map(([s, row]) => plainRows(cipher, meta, s, 1, row)));
      live.forEach(([slot], i) => {
        const row = plain[i];
        if (rowReadable(row, meta)) rows.set(new Float32Array(row), (slot - first) * dim);
        else unreadable.push(slot);
      });
      await sink(first, rows);
    }
    if (unreadable.length) {
      unreadable.sort((a, b) => a - b);
      const found = await vectorsFromLogFor(db, meta, unreadable, onUnreadable, cipher);
      for (const [slot, row] of found) await sink(slot, row);
    }
    return meta;
  } catch (e) {
    throw storeError(e);
  }
}

/**
 * Reads vectors of given slots (from blocks or the tail; unreadable bytes from the log).
 * @param db - the open database
 * @param meta - gives `dim` and `blockRows`
 * @param slots - the slots wanted; slots stored nowhere are left out
 * @param onUnreadable - told when stored bytes were unreadable
 */
export async function readVectors(
  db: IDBPDatabase<EngramDB>,
  meta: MetaRecord,
  slots: readonly number[],
  onUnreadable?: OnUnreadable,
  cipher?: RecordCipher,
): Promise<Map<number, Float32Array>> {
  const { dim, blockRows } = meta;
  const tx = db.transaction(['vectorBlocks', 'vectorTail'], 'readonly');
  const out = new Map<number, Float32Array>();
  const unreadable: number[] = [];
  // Every read is issued before any row is opened (opening waits on WebCrypto, which would
  // end the transaction). A sealed block is one structured-clone read: each block is read once.
  // A slot below the last complete block is in its block (sealed in the transaction that
  // completed it, its tail rows deleted; `meta` may be behind another tab's writes, but
  // `nextSlot` only grows): no tail read for it (a get per row was ≈ 12 ms of a first search's
  // 337 rows at 100k). The others, and those of a block found missing, are looked for in the tail.
  const sealedEnd = Math.floor(meta.nextSlot / blockRows) * blockRows;
  const tails: unknown[] = new Array(slots.length);
  const fromTail = async (at: number[]): Promise<void> => {
    const got = await Promise.all(at.map((i) => tx.objectStore('vectorTail').get(slots[i]!)));
    at.forEach((i, j) => (tails[i] = got[j]));
  };
  const blockOfSlot = (slot: number) => Math.floor(slot / blockRows);
  const positions = slots.map((_, i) => i);
  const unsealed = positions.filter((i) => slots[i]! >= sealedEnd);
  // block → positions in `slots` of its sealed rows
  const blockOf = groupBy(
    positions.filter((i) => slots[i]! < sealedEnd),
    (i) => blockOfSlot(slots[i]!),
  );
  const [found] = await Promise.all([
    Promise.all([...blockOf.keys()].map((b) => tx.objectStore('vectorBlocks').get(b))),
    fromTail(unsealed),
  ]);
  const missing = [...blockOf.values()].filter((_, j) => found[j] === undefined).flat();
  if (missing.length) await fromTail(missing);
  await tx.done;
  const storedBlock = new Map([...blockOf.keys()].map((b, j) => [b, found[j]] as const));
  const byBlock = groupBy(
    slots.filter((_, i) => tails[i] === undefined),
    blockOfSlot,
  );
  // The blocks of the rows not in the tail: those read above, and those of unsealed slots
  // the tail did not hold (sealed meanwhile by another tab), read now.
  const later = [...byBlock.keys()].filter((b) => !storedBlock.has(b));
  if (later.length) {
    const tx2 = db.transaction('vectorBlocks', 'readonly');
    const got = await Promise.all(later.map((b) => tx2.store.get(b)));
    await tx2.done;
    later.forEach((b, j) => storedBlock.set(b, got[j]));
  }
  const stored: unknown[] = [...byBlock.keys()].map((b) => storedBlock.get(b));
  await Promise.all(
    slots.map(async (slot, i) => {
      if (tails[i] === undefined) return;
      const tail = await plainRows(cipher, meta, slot, 1, tails[i]);
      if (rowReadable(tail, meta)) out.set(slot, new Float32Array(tail.slice(0)));
      else unreadable.push(slot);
    }),
  );
  const rowBytes = dim * 4;
  // Only the rows asked for are read from Blob blocks, not their megabytes: a slice per run of
  // consecutive rows, the slices of every block joined into one Blob and read at once (a read
  // per slice held the thread ≈ 0.1 ms apiece: a first search at 100k reads ≈ 230 rows).
  const blocks = [...byBlock];
  const runs: [first: number, n: number][] = [];
  const slices: Blob[] = [];
  const sliced = blocks.map(([, rows], i) => {
    const value = stored[i];
    if (!(value instanceof Blob) || cipher || value.size !== blockRows * rowBytes) return false;
    for (const [first, n] of runsOf(rows)) {
      const at = (first % blockRows) * rowBytes;
      runs.push([first, n]);
      slices.push(value.slice(at, at + n * rowBytes));
    }
    return true;
  });
  if (slices.length) {
    const bytes = await bytesOf(new Blob(slices));
    const size = slices.reduce((t, b) => t + b.size, 0);
    const whole = bytes instanceof ArrayBuffer && bytes.byteLength === size;
    let at = 0;
    for (const [first, n] of runs)
      for (let r = 0; r < n; r++, at += rowBytes) {
        // Each row its own buffer (as before: a caller may keep or send one).
        if (whole) out.set(first + r, new Float32Array(bytes.slice(at, at + rowBytes)));
        else unreadable.push(first + r);
      }
  }
  await Promise.all(
    blocks.map(async ([b, rows], i) => {
      const value = stored[i];
      if (value === undefined || sliced[i]) return;
      const block = await bytesOf(value);
      if (cipher) return openBlockRows(cipher, meta, b, rows, block, out, unreadable);
      if (!blockReadable(block, meta)) return void unreadable.push(...rows);
      for (const slot of rows) {
        const row = slot % blockRows;
        out.set(slot, new Float32Array(block.slice(row * rowBytes, (row + 1) * rowBytes)));
      }
    }),
  );
  if (unreadable.length) {
    unreadable.sort((a, b) => a - b);
    const found = await vectorsFromLogFor(db, meta, unreadable, onUnreadable, cipher);
    for (const [slot, row] of found) out.set(slot, row);
  }
  return out;
}

/**
 * Rewrites vector blocks stored as ArrayBuffers (by an Engram before schema 6) as Blobs, which
 * open faster (`stored-bytes.ts`): one block per transaction, its value read and written in it
 * (a write or an erasure between two is kept as it is), a task between two. The bytes do not
 * change; a value that is no longer an ArrayBuffer is left as it is.
 * @param db - the open database
 * @param keys - the blocks to rewrite (as {@link streamVectors} found them)
 * @param signal - stops it between two blocks
 * @returns the keys not reached (all of them after an abort before the first)
 */
export async function storeBlocksAsBlobs(
  db: IDBPDatabase<EngramDB>,
  keys: readonly number[],
  signal?: AbortSignal,
): Promise<number[]> {
  for (let i = 0; i < keys.length; i++) {
    await nextTask();
    if (signal?.aborted) return keys.slice(i);
    const tx = db.transaction('vectorBlocks', 'readwrite');
    try {
      const value = await tx.store.get(keys[i]!);
      if (value instanceof ArrayBuffer)
        await Promise.all([tx.store.put(storedBytes(value), keys[i]!), tx.done]);
      else await tx.done;
    } catch (e) {
      abortQuietly(tx);
      throw storeError(e);
    }
  }
  return [];
}
