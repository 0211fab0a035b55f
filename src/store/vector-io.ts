// Reading vector rows back: streamed block by block at open, or a few slots at a
// time after another tab wrote. Writing them is `vector-blocks.ts` (inside a commit).
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import type { MetaRecord } from './records';
import type { EngramDB } from './schema';
import { storeError } from './tx';

/**
 * Reads the vector rows block by block, in slot order, handing each to `sink` as it arrives
 * (no `nextSlot × dim` matrix is assembled: opening a 100k × 384 store would copy 154 MB
 * twice). Every read is issued at once in one transaction; `sink` may be async.
 * @param db - the open database
 * @param sink - gets `(firstSlot, rows)`, rows row-major; slots skipped (never written) are zero
 * @returns the meta record the rows belong to
 */
export async function streamVectors(
  db: IDBPDatabase<EngramDB>,
  sink: (first: number, rows: Float32Array) => Promise<void> | void,
): Promise<MetaRecord> {
  try {
    const tx = db.transaction(['meta', 'vectorBlocks', 'vectorTail'], 'readonly');
    const [meta, blockKeys, tailKeys, tail] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('vectorBlocks').getAllKeys(),
      tx.objectStore('vectorTail').getAllKeys(),
      tx.objectStore('vectorTail').getAll(),
    ]);
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    const { dim, blockRows, nextSlot } = meta;
    const reads = blockKeys.map((b) => tx.objectStore('vectorBlocks').get(b));
    for (let i = 0; i < blockKeys.length; i++) {
      const block = await reads[i]!;
      const first = blockKeys[i]! * blockRows;
      const rows = Math.max(0, Math.min(blockRows, nextSlot - first));
      if (block && rows) await sink(first, new Float32Array(block, 0, rows * dim));
    }
    const live = tailKeys.map((slot, i) => [slot, tail[i]!] as const).filter(([s]) => s < nextSlot);
    if (live.length) {
      const first = live[0]![0];
      const rows = new Float32Array((live[live.length - 1]![0] - first + 1) * dim);
      for (const [slot, row] of live) rows.set(new Float32Array(row), (slot - first) * dim);
      await sink(first, rows);
    }
    return meta;
  } catch (e) {
    throw storeError(e);
  }
}

/**
 * Reads vectors of given slots (from blocks or the tail); slots stored nowhere are left out.
 * @param db - the open database
 * @param meta - gives `dim` and `blockRows`
 * @param slots - the slots wanted
 */
export async function readVectors(
  db: IDBPDatabase<EngramDB>,
  meta: MetaRecord,
  slots: readonly number[],
): Promise<Map<number, Float32Array>> {
  const { dim, blockRows } = meta;
  const tx = db.transaction(['vectorBlocks', 'vectorTail'], 'readonly');
  const out = new Map<number, Float32Array>();
  // A sealed block is one structured-clone read: read each block once, not once per row.
  const byBlock = new Map<number, number[]>();
  await Promise.all(
    slots.map(async (slot) => {
      const tail = await tx.objectStore('vectorTail').get(slot);
      if (tail) return void out.set(slot, new Float32Array(tail.slice(0)));
      const b = Math.floor(slot / blockRows);
      const rows = byBlock.get(b);
      if (rows) rows.push(slot);
      else byBlock.set(b, [slot]);
    }),
  );
  await Promise.all(
    [...byBlock].map(async ([b, rows]) => {
      const block = await tx.objectStore('vectorBlocks').get(b);
      if (!block) return;
      for (const slot of rows) {
        const row = slot % blockRows;
        out.set(slot, new Float32Array(block.slice(row * dim * 4, (row + 1) * dim * 4)));
      }
    }),
  );
  await tx.done;
  return out;
}
