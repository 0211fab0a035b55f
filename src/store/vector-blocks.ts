import type { IDBPTransaction, StoreNames } from 'idb';
import { groupBy } from '../util/group';
import { storedRowBytes } from './cipher';
import type { MetaRecord } from './records';
import type { EngramDB } from './schema';
import { bytesInTransaction, storedBytes } from './stored-bytes';

// Vectors live in two stores. Rows of the block being filled sit one per record
// in `vectorTail` (an add writes a few KB, not a whole block); once all
// `blockRows` rows of a block exist they move, in the same transaction, into one
// `vectorBlocks` record. Opening a store therefore reads N / blockRows blocks
// plus at most blockRows − 1 tail rows; a block is stored as a Blob (`stored-bytes.ts`; an
// older store's blocks are ArrayBuffers, read alike). Erased rows are zeroed in their block
// (or deleted from the tail), so no copy of an erased vector is left. Rows are handled as
// bytes: `dim` float32, or in an encrypted store the same sealed (`cipher.ts`), which moves
// into a block, and is zeroed there, without being opened.

type WriteTx = IDBPTransaction<EngramDB, StoreNames<EngramDB>[], 'readwrite'>;

/** A vector row as stored: its slot and bytes (see {@link storedRowBytes}). */
export interface StoredRow {
  slot: number;
  bytes: ArrayBuffer;
}

/** Float32 copy of a vector as its own ArrayBuffer (what an unencrypted store keeps). */
export function toBuffer(v: Float32Array): ArrayBuffer {
  return v.slice().buffer as ArrayBuffer;
}

/**
 * Whether writing `rows` completes a block (then {@link writeVectorRows} reads the block's tail
 * rows and seals them, after an await); `meta` is the meta record written with them.
 */
export function sealsBlock(meta: MetaRecord, rows: readonly { slot: number }[]): boolean {
  return rows.some((r) => blockComplete(meta, Math.floor(r.slot / meta.blockRows)));
}

/** Whether every slot of `block` is below the next free slot (the block can be sealed). */
function blockComplete(meta: MetaRecord, block: number): boolean {
  return (block + 1) * meta.blockRows <= meta.nextSlot;
}

/**
 * Puts new rows into the tail and seals every block they complete.
 * Runs inside the caller's readwrite transaction.
 * @param options - `sealAll`: also seal complete blocks no row touched (rebuild)
 */
export async function writeVectorRows(
  tx: WriteTx,
  meta: MetaRecord,
  rows: readonly StoredRow[],
  options: { sealAll?: boolean } = {},
): Promise<void> {
  const { blockRows } = meta;
  const size = storedRowBytes(meta);
  const tail = tx.objectStore('vectorTail');
  const touched = new Set<number>();
  const puts: Promise<unknown>[] = [];
  for (const { slot, bytes } of rows) {
    puts.push(tail.put(bytes, slot));
    touched.add(Math.floor(slot / blockRows));
  }
  if (options.sealAll) for (let b = 0; blockComplete(meta, b); b++) touched.add(b);
  for (const block of touched) {
    if (!blockComplete(meta, block)) continue;
    const first = block * blockRows;
    const last = first + blockRows - 1;
    const range = IDBKeyRange.bound(first, last);
    const [keys, values] = await Promise.all([tail.getAllKeys(range), tail.getAll(range)]);
    const data = new Uint8Array(blockRows * size);
    keys.forEach((slot, i) => data.set(new Uint8Array(values[i]!), (slot - first) * size));
    await tx.objectStore('vectorBlocks').put(storedBytes(data), block);
    await tail.delete(range);
  }
  await Promise.all(puts); // (an aborted transaction rejects them: the caller sees it here)
}

/** Zeroes rows of sealed blocks and deletes tail rows, for erasure. */
export async function eraseVectorRows(
  tx: WriteTx,
  meta: MetaRecord,
  slots: readonly number[],
): Promise<void> {
  const { blockRows } = meta;
  const size = storedRowBytes(meta);
  const byBlock = groupBy(slots, (s) => Math.floor(s / blockRows));
  const blocks = tx.objectStore('vectorBlocks');
  for (const [block, list] of byBlock) {
    const stored: unknown = await blocks.get(block);
    if (stored !== undefined) {
      const sealed = await bytesInTransaction(stored, () => blocks.count());
      if (sealed instanceof ArrayBuffer) {
        const data = new Uint8Array(sealed);
        for (const s of list)
          data.fill(0, (s - block * blockRows) * size, (s - block * blockRows + 1) * size);
        await blocks.put(storedBytes(data), block);
      } else {
        // Bytes that cannot be read cannot be zeroed: the block goes, and its other rows are
        // read from the log, as for any unreadable block.
        await blocks.delete(block);
      }
    }
    await Promise.all(list.map((s) => tx.objectStore('vectorTail').delete(s)));
  }
}

/** Whether a stored block is what the store writes: `blockRows × dim` float32 bytes. */
export function blockReadable(value: unknown, meta: MetaRecord): value is ArrayBuffer {
  return value instanceof ArrayBuffer && value.byteLength === meta.blockRows * meta.dim * 4;
}

/** Whether a stored tail row is what the store writes: `dim` float32 bytes. */
export function rowReadable(value: unknown, meta: MetaRecord): value is ArrayBuffer {
  return value instanceof ArrayBuffer && value.byteLength === meta.dim * 4;
}

/**
 * Rebuilds the dense `nextSlot × dim` matrix from sealed blocks and tail rows.
 * @returns the matrix, and the slots whose stored bytes are unreadable (left zero there)
 */
export function assembleVectors(
  meta: MetaRecord,
  blockKeys: number[],
  blocks: unknown[],
  tailKeys: number[],
  tail: unknown[],
): { vectors: Float32Array; unreadable: number[] } {
  const { dim, blockRows, nextSlot } = meta;
  const out = new Float32Array(nextSlot * dim);
  const unreadable = new Set<number>();
  blockKeys.forEach((block, i) => {
    const first = block * blockRows;
    const rows = Math.max(0, Math.min(blockRows, nextSlot - first));
    const value = blocks[i];
    if (blockReadable(value, meta)) out.set(new Float32Array(value, 0, rows * dim), first * dim);
    else for (let s = first; s < first + rows; s++) unreadable.add(s);
  });
  tailKeys.forEach((slot, i) => {
    if (slot >= nextSlot) return;
    const value = tail[i];
    if (rowReadable(value, meta)) {
      out.set(new Float32Array(value), slot * dim);
      unreadable.delete(slot); // the tail row is the one read
    } else unreadable.add(slot);
  });
  return { vectors: out, unreadable: [...unreadable].sort((a, b) => a - b) };
}
