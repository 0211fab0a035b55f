// Reading and writing the checkpoint (format in `checkpoint.ts`): a copy of the
// derived records as of one log position, taken in one transaction.
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import type { LexicalRow, LinkRecord, MemoryRecord } from './records';
import type { EngramDB } from './schema';
import { abortQuietly, storeError } from './tx';

/** The derived records a checkpoint holds (as of its log position). */
export interface CheckpointData {
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  lexical: LexicalRow[];
}

/**
 * The stored checkpoint, or undefined when there is none or it is torn.
 * @param db - the open database
 */
export async function readCheckpoint(
  db: IDBPDatabase<EngramDB>,
): Promise<{ seq: number; data: CheckpointData } | undefined> {
  const tx = db.transaction('checkpoints', 'readonly');
  const [head, chunks] = await Promise.all([
    tx.store.get(-1),
    tx.store.getAll(IDBKeyRange.lowerBound(0)),
    tx.done,
  ]);
  if (!head || typeof head === 'string') return undefined;
  const data = decodeCheckpoint<CheckpointData>(head, chunks);
  return data === undefined ? undefined : { seq: head.seq, data };
}

/**
 * Takes a checkpoint of the derived records (memories, versions, links,
 * lexical rows) in ONE readwrite transaction, so it matches the log position
 * it records exactly.
 * @param db - the open database
 * @returns the log position it reflects
 */
export async function writeCheckpoint(db: IDBPDatabase<EngramDB>): Promise<number> {
  const stores = ['meta', 'memories', 'versions', 'links', 'lexical', 'checkpoints'] as const;
  const tx = db.transaction([...stores], 'readwrite');
  try {
    const [meta, memories, versions, links, lexical] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('memories').getAll(),
      tx.objectStore('versions').getAll(),
      tx.objectStore('links').getAll(),
      tx.objectStore('lexical').getAll(),
    ]);
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    const data: CheckpointData = { memories, versions, links, lexical };
    const { head, chunks } = encodeCheckpoint(meta.lastSeq, data);
    const store = tx.objectStore('checkpoints');
    await Promise.all([
      store.clear(),
      store.put(head, -1),
      ...chunks.map((c, i) => store.put(c, i)),
      tx.done,
    ]);
    return meta.lastSeq;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}
