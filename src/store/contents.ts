// Every stored record, read in one readonly transaction (a consistent snapshot,
// no write lock), as stored (a Blob value as its bytes): nothing is decoded or trusted.
// `verify()` checks it.
import type { IDBPDatabase } from 'idb';
import type { EventRecord } from './records';
import { STORE_NAMES, type EngramDB } from './schema';
import { bytesOf } from './stored-bytes';
import { storeError } from './tx';

/** A store's records as they are; values of derived stores are `unknown` until checked. */
export interface StoredContents {
  /** The meta record (undefined when missing). */
  meta: unknown;
  /** The log, in seq order. */
  events: EventRecord[];
  memories: unknown[];
  versions: unknown[];
  links: unknown[];
  lexical: unknown[];
  /** Sealed vector blocks by block number. */
  vectorBlocks: { keys: number[]; values: unknown[] };
  /** Tail vector rows by slot. */
  vectorTail: { keys: number[]; values: unknown[] };
  /** Checkpoint records by key (-1: head, 0..: chunks). */
  checkpoints: { keys: number[]; values: unknown[] };
}

/**
 * Reads every object store in one readonly transaction.
 * @param db - the open database
 */
export async function readContents(db: IDBPDatabase<EngramDB>): Promise<StoredContents> {
  try {
    const tx = db.transaction(STORE_NAMES, 'readonly');
    const s = <N extends (typeof STORE_NAMES)[number]>(n: N) => tx.objectStore(n);
    const [meta, events, memories, versions, links, lexical, bk, bv, tk, tv, ck, cv] =
      await Promise.all([
        s('meta').get('meta'),
        s('events').getAll(),
        s('memories').getAll(),
        s('versions').getAll(),
        s('links').getAll(),
        s('lexical').getAll(),
        s('vectorBlocks').getAllKeys(),
        s('vectorBlocks').getAll(),
        s('vectorTail').getAllKeys(),
        s('vectorTail').getAll(),
        s('checkpoints').getAllKeys(),
        s('checkpoints').getAll(),
        tx.done,
      ]);
    // Blob values (vector blocks, checkpoint chunks: `stored-bytes.ts`) as the bytes they hold,
    // read once the transaction is done.
    const [blocks, checkpoints] = await Promise.all([
      Promise.all(bv.map(bytesOf)),
      Promise.all(cv.map(bytesOf)),
    ]);
    return {
      meta,
      events,
      memories,
      versions,
      links,
      lexical,
      vectorBlocks: { keys: bk, values: blocks },
      vectorTail: { keys: tk, values: tv },
      checkpoints: { keys: ck, values: checkpoints },
    };
  } catch (e) {
    throw storeError(e);
  }
}
