// Reading and writing the checkpoint (format in `checkpoint.ts`): a copy of the
// derived records as of one log position, taken in one transaction.
import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import { EngramError } from '../errors';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  encodeJsonCheckpoint,
  type CheckpointHead,
} from './checkpoint';
import { COLUMNS_LAYOUT, type ColumnsLayout, type DecodedCheckpoint } from './checkpoint-columns';
import type { RecordCipher } from './cipher';
import type { LexicalRow, LinkRecord, MemoryRecord } from './records';
import type { EngramDB } from './schema';
import { bytesOf, storedBytes } from './stored-bytes';
import { abortQuietly, storeError } from './tx';
import { nextTask } from '../util/tasks';

/** The derived records a checkpoint holds (as of its log position). */
export interface CheckpointData {
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  lexical: LexicalRow[];
}

/**
 * The stored checkpoint, or undefined when there is none or it cannot be read (torn,
 * damaged, older format: see `checkpoint.ts`); `onUnreadable` hears why. The lexical rows of a
 * columnar checkpoint stay in columns (`lexicalColumns`), indexed from there.
 * @param db - the open database
 * @param onUnreadable - told why a stored checkpoint was not used
 * @param after - the chunks' bytes are read once it has settled (a large read that goes first)
 */
export async function readCheckpoint(
  db: IDBPDatabase<EngramDB>,
  onUnreadable?: (reason: string) => void,
  phases?: Record<string, number>,
  cipher?: RecordCipher,
  after?: Promise<unknown>,
): Promise<{ seq: number; data: DecodedCheckpoint } | undefined> {
  const t0 = performance.now();
  const tx = db.transaction('checkpoints', 'readonly');
  const [head, stored] = await Promise.all([
    tx.store.get(-1),
    tx.store.getAll(IDBKeyRange.lowerBound(0)),
    tx.done,
  ]);
  if (head === undefined && stored.length === 0) return undefined;
  await after;
  let chunks = await chunkBytes(stored, !cipher);
  if (cipher) {
    try {
      chunks = await openChunks(cipher, head, chunks);
    } catch (e) {
      onUnreadable?.(`a sealed chunk does not open (${String(e)})`);
      return undefined;
    }
  }
  const t1 = performance.now();
  const read = await decodeCheckpoint(head, chunks, phases, true);
  if (phases) phases['checkpoint read'] = Math.round(t1 - t0);
  if ('reason' in read) {
    onUnreadable?.(read.reason);
    return undefined;
  }
  return { seq: (head as CheckpointHead).seq, data: read.value };
}

/**
 * The stored chunks' bytes (a Blob read, anything else as it is). With `join`, chunks that are
 * all Blobs are read as ONE buffer, handed back as a view per chunk: the decode then takes the
 * buffer as it is instead of copying the chunks into one.
 */
async function chunkBytes(stored: readonly unknown[], join: boolean): Promise<unknown[]> {
  if (join && stored.length > 1 && stored.every((c): c is Blob => c instanceof Blob)) {
    const all = await bytesOf(new Blob([...stored]));
    if (all instanceof ArrayBuffer) {
      let at = 0;
      return stored.map((c) => {
        const view = new Uint8Array(all, at, c.size);
        at += c.size;
        return view;
      });
    }
  }
  return Promise.all(stored.map(bytesOf));
}

/** Records read, and then encoded, per slice of a checkpoint (see {@link CheckpointPace}). */
export const CHECKPOINT_SLICE = 1000;

/**
 * How a checkpoint is taken in slices, the thread given back between two: the records are read
 * `slice` at a time (one request each, all in ONE transaction: another task, a search's message,
 * runs between two requests) and encoded `slice` at a time (a task of its own after each), so
 * that what arrives meanwhile waits for one slice, not for the pass over every record.
 */
export interface CheckpointPace {
  /** Records per slice (default {@link CHECKPOINT_SLICE}). */
  slice?: number;
  /** Checked after each slice: once aborted, the checkpoint stops with `Aborted`, nothing written. */
  signal?: AbortSignal;
  /** Called after each slice read or encoded (tests count them). */
  onSlice?: () => void;
}

/**
 * Takes a checkpoint of the derived records (memories, versions, links, lexical rows): read
 * in ONE transaction, so it matches the log position it records exactly, then hashed and
 * written in a second one that first checks the log has not moved (a write in between, an
 * erasure above all, would make it stale; then nothing is written). Reading and encoding go
 * in slices (see {@link CheckpointPace}); the write is one transaction, so a checkpoint is
 * stored whole or not at all (and its hash tells a torn one).
 * @param db - the open database
 * @param cipher - seals the chunks (encrypted stores)
 * @param format - 3 (columns, the default); 2 (JSON text, as written before: tests and benches)
 * @param pace - slice size, abort signal, slice hook
 * @param layout - format 3's column layout: 3 (the default), 1 or 2 (as written before: tests)
 * @returns the log position it reflects
 * @throws `StorageError` when the log moved on between the read and the write, or while the
 *   lexical rows are dropped (`MetaRecord.lexicalDropped`); `Aborted` when `pace.signal` was
 *   aborted before the write
 */
export async function writeCheckpoint(
  db: IDBPDatabase<EngramDB>,
  cipher?: RecordCipher,
  format: 2 | 3 = 3,
  pace: CheckpointPace = {},
  layout: ColumnsLayout = COLUMNS_LAYOUT,
): Promise<number> {
  const slice = pace.slice ?? CHECKPOINT_SLICE;
  const step = () => {
    if (pace.signal?.aborted)
      throw new EngramError('Aborted', 'checkpoint stopped: a write came', {
        cause: pace.signal.reason,
      });
    pace.onSlice?.();
  };
  let data: CheckpointData;
  let seq: number;
  const stores = ['meta', 'memories', 'versions', 'links', 'lexical'] as const;
  const tx = db.transaction([...stores], 'readonly');
  tx.done.catch(() => {}); // awaited below; a failure before that is thrown by its request
  try {
    const meta = await tx.objectStore('meta').get('meta');
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    if (meta.lexicalDropped)
      throw new EngramError('StorageError', 'the lexical rows are dropped: no checkpoint');
    seq = meta.lastSeq;
    data = {
      memories: (await readSliced(tx, 'memories', slice, step)) as MemoryRecord[],
      versions: (await readSliced(tx, 'versions', slice, step)) as MemoryRecord[],
      links: (await readSliced(tx, 'links', slice, step)) as LinkRecord[],
      lexical: (await readSliced(tx, 'lexical', slice, step)) as LexicalRow[],
    };
    await tx.done;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
  // Hashing (and opening, sealing) waits on WebCrypto, which would end a transaction: it runs
  // between the two.
  if (cipher) data = await cipher.openDerived(data);
  let head: CheckpointHead;
  let chunks: (string | ArrayBuffer | Uint8Array<ArrayBuffer>)[];
  if (format === 2) {
    // Format 2 (JSON text) is written only to test and measure that such stores still open.
    const json = await encodeJsonCheckpoint(seq, data);
    head = json.head;
    chunks = cipher
      ? await Promise.all(json.chunks.map((c, i) => cipher.sealChunk(seq, i, c)))
      : json.chunks;
  } else {
    const cols = await encodeCheckpoint(seq, data, undefined, { slice, between: step }, layout);
    head = cols.head;
    chunks = cipher
      ? await Promise.all(cols.chunks.map((c, i) => cipher.sealBytesChunk(seq, i, c)))
      : cols.chunks;
  }
  // Byte chunks as Blobs (`stored-bytes.ts`), made before the write's transaction, one per task
  // (each copies its bytes: at 100k memories 0.45 s for all in one task); format 2's text as it is.
  const values: (string | Blob)[] = [];
  for (const c of chunks) {
    values.push(typeof c === 'string' ? c : storedBytes(c));
    if (typeof c !== 'string') await nextTask();
  }
  step();
  const tx2 = db.transaction(['meta', 'checkpoints'], 'readwrite');
  try {
    const meta = await tx2.objectStore('meta').get('meta');
    if (meta?.lastSeq !== seq)
      throw new EngramError('StorageError', 'the log moved on while checkpointing; not written');
    const store = tx2.objectStore('checkpoints');
    await Promise.all([
      // Head and chunks only: the index layout below them (`index-layout-io.ts`) stays.
      store.delete(IDBKeyRange.lowerBound(-1)),
      store.put(head, -1),
      ...values.map((v, i) => store.put(v, i)),
      tx2.done,
    ]);
    return seq;
  } catch (e) {
    abortQuietly(tx2);
    throw storeError(e);
  }
}

/**
 * The contents of sealed chunks (bound to the head's seq and their index): texts (format 2) or
 * bytes (format 3).
 */
export function openChunks(
  cipher: RecordCipher,
  head: unknown,
  chunks: readonly unknown[],
): Promise<(string | ArrayBuffer)[]> {
  const h = head as Partial<CheckpointHead> | undefined;
  const seq = h?.seq ?? -1;
  return Promise.all(
    chunks.map((c, i) =>
      h?.format === 3 ? cipher.openBytesChunk(seq, i, c) : cipher.openChunk(seq, i, c),
    ),
  );
}

type DerivedStore = 'memories' | 'versions' | 'links' | 'lexical';

/**
 * Every record of a store in key order, `slice` per request, inside the transaction `tx`: the
 * next request is made as the previous one's result comes (so the transaction stays open),
 * and other tasks run between two. `step` runs after each slice (it may throw to stop).
 */
async function readSliced(
  tx: IDBPTransaction<EngramDB, readonly StoreNames<EngramDB>[], 'readonly'>,
  name: DerivedStore,
  slice: number,
  step: () => void,
): Promise<unknown[]> {
  const store = tx.objectStore(name);
  const out: unknown[] = [];
  let range: IDBKeyRange | undefined;
  for (;;) {
    const [values, keys] = await Promise.all([
      store.getAll(range, slice),
      store.getAllKeys(range, slice),
    ]);
    for (const v of values) out.push(v);
    if (values.length < slice) return out;
    step();
    range = IDBKeyRange.lowerBound(keys[keys.length - 1], true);
  }
}
