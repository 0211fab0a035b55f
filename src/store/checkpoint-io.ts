// Reading and writing the checkpoint (format in `checkpoint.ts`): a copy of the
// derived records as of one log position, taken in one transaction.
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointHead } from './checkpoint';
import type { RecordCipher } from './cipher';
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
 * The stored checkpoint, or undefined when there is none or it cannot be read (torn,
 * damaged, older format: see `checkpoint.ts`); `onUnreadable` hears why.
 * @param db - the open database
 * @param onUnreadable - told why a stored checkpoint was not used
 */
export async function readCheckpoint(
  db: IDBPDatabase<EngramDB>,
  onUnreadable?: (reason: string) => void,
  phases?: Record<string, number>,
  cipher?: RecordCipher,
): Promise<{ seq: number; data: CheckpointData } | undefined> {
  const t0 = performance.now();
  const tx = db.transaction('checkpoints', 'readonly');
  const [head, stored] = await Promise.all([
    tx.store.get(-1),
    tx.store.getAll(IDBKeyRange.lowerBound(0)),
    tx.done,
  ]);
  if (head === undefined && stored.length === 0) return undefined;
  let chunks: unknown[] = stored;
  if (cipher) {
    try {
      chunks = await openChunks(cipher, head, stored);
    } catch (e) {
      onUnreadable?.(`a sealed chunk does not open (${String(e)})`);
      return undefined;
    }
  }
  const t1 = performance.now();
  const read = await decodeCheckpoint<CheckpointData>(head, chunks, phases);
  if (phases) phases['checkpoint read'] = Math.round(t1 - t0);
  if ('reason' in read) {
    onUnreadable?.(read.reason);
    return undefined;
  }
  return { seq: (head as CheckpointHead).seq, data: read.value };
}

/**
 * Takes a checkpoint of the derived records (memories, versions, links, lexical rows): read
 * in ONE transaction, so it matches the log position it records exactly, then hashed and
 * written in a second one that first checks the log has not moved (a write in between, an
 * erasure above all, would make it stale; then nothing is written).
 * @param db - the open database
 * @returns the log position it reflects
 * @throws `StorageError` when the log moved on between the read and the write, or while the
 *   lexical rows are dropped (`MetaRecord.lexicalDropped`)
 */
export async function writeCheckpoint(
  db: IDBPDatabase<EngramDB>,
  cipher?: RecordCipher,
): Promise<number> {
  let data: CheckpointData;
  let seq: number;
  try {
    const stores = ['meta', 'memories', 'versions', 'links', 'lexical'] as const;
    const tx = db.transaction([...stores], 'readonly');
    const [meta, memories, versions, links, lexical] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('memories').getAll(),
      tx.objectStore('versions').getAll(),
      tx.objectStore('links').getAll(),
      tx.objectStore('lexical').getAll(),
      tx.done,
    ]);
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    if (meta.lexicalDropped)
      throw new EngramError('StorageError', 'the lexical rows are dropped: no checkpoint');
    data = { memories, versions, links, lexical };
    seq = meta.lastSeq;
  } catch (e) {
    throw storeError(e);
  }
  // Hashing (and opening, sealing) waits on WebCrypto, which would end a transaction: it runs
  // between the two.
  if (cipher) data = await cipher.openDerived(data);
  const { head, chunks: plain } = await encodeCheckpoint(seq, data);
  const chunks: (string | ArrayBuffer)[] = cipher
    ? await Promise.all(plain.map((c, i) => cipher.sealChunk(seq, i, c)))
    : plain;
  const tx = db.transaction(['meta', 'checkpoints'], 'readwrite');
  try {
    const meta = await tx.objectStore('meta').get('meta');
    if (meta?.lastSeq !== seq)
      throw new EngramError('StorageError', 'the log moved on while checkpointing; not written');
    const store = tx.objectStore('checkpoints');
    await Promise.all([
      // Head and chunks only: the index layout below them (`index-layout-io.ts`) stays.
      store.delete(IDBKeyRange.lowerBound(-1)),
      store.put(head, -1),
      // A sealed chunk stands in for the text (the schema names the plaintext form).
      ...chunks.map((c, i) => store.put(c as string, i)),
      tx.done,
    ]);
    return seq;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/** The texts of sealed chunks (bound to the head's seq and their index). */
function openChunks(cipher: RecordCipher, head: unknown, chunks: unknown[]): Promise<string[]> {
  const seq = (head as Partial<CheckpointHead> | undefined)?.seq ?? -1;
  return Promise.all(chunks.map((c, i) => cipher.openChunk(seq, i, c)));
}
