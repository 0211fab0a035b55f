// The store's writes: one change set per transaction (memories, versions,
// vectors, links, lexical rows, erasure, events and meta together), and the
// wholesale writes of rebuild, import and reset. Each either commits whole or
// leaves the database as it was.
import { unwrap, type IDBPDatabase, type StoreNames } from 'idb';
import { EngramError } from '../errors';
import type { RecordCipher } from './cipher';
import { chainEvents, type NewEvent } from './event-log';
import type {
  EventRecord,
  LexicalRow,
  LexicalRowOf,
  LinkRecord,
  MemoryRecord,
  MetaRecord,
} from './records';
import { STORE_NAMES, type EngramDB } from './schema';
import {
  derivedRecords,
  eraseInTx,
  replaceDerivedInTx,
  type DerivedState,
  type Erasure,
  type WriteTx,
} from './store-ops';
import { storedEvents, storedForm, withNonces } from './stored-form';
import { abortQuietly, storeError } from './tx';
import { sealsBlock, writeVectorRows } from './vector-blocks';
import { tallyEvidence } from './trust-tally';

/** One write: records to put, vectors to store, events to log — all in one transaction. */
export interface ChangeSet {
  /** Current versions of memories to put. */
  memories?: MemoryRecord[];
  /** Past versions to keep (store `versions`). */
  versions?: MemoryRecord[];
  /** Past versions to remove, as [id, version] (a rollback removes those its change set made). */
  dropVersions?: [string, number][];
  /** New vectors by slot (slots from `MemoryStore.reserveSlots`). */
  vectors?: { slot: number; vector: Float32Array }[];
  /** Links to put (one record per direction). */
  links?: LinkRecord[];
  /** Lexical rows to put and ids whose row goes (see `lexicalChanges` in retrieval). */
  lexical?: { put: LexicalRow[]; delete: string[] };
  /** Memories to erase; their events' seq of the first new event becomes the erasure seq. */
  erase?: Erasure;
  /** Events describing the change. */
  events: NewEvent[];
}

/**
 * Writes a change set in ONE transaction and resolves after it has committed.
 * On any failure nothing is written.
 * @param db - the open database
 * @param base - the meta record the change was prepared against (its `lastSeq` must still be stored)
 * @param change - what to write
 * @param cipher - seals every record first (encrypted stores)
 * @param expect - when given, the meta record must still be stored exactly as this (not only its
 *   `lastSeq`): a writer that did not read the log before it planned checks this way that nobody
 *   wrote meanwhile; else a {@link logMoved} error, and nothing is written
 * @returns the logged events with their seq and hash, and the meta record now stored
 */
export async function commitChange(
  db: IDBPDatabase<EngramDB>,
  base: MetaRecord,
  change: ChangeSet,
  cipher?: RecordCipher,
  expect?: MetaRecord,
): Promise<{ events: EventRecord[]; meta: MetaRecord }> {
  const events = await chainEvents(withNonces(cipher, change.events), base.lastSeq, base.lastHash);
  const [stored, sealedEvents] = await Promise.all([
    storedForm(cipher, { ...change, lexical: change.lexical?.put }),
    storedEvents(cipher, events),
  ]);
  const last = events[events.length - 1];
  const nextSlot = Math.max(base.nextSlot, ...(change.vectors ?? []).map((v) => v.slot + 1));
  const trust = tallyEvidence(base.trust, change.events);
  const meta: MetaRecord = {
    ...base,
    nextSlot,
    lastSeq: last?.seq ?? base.lastSeq,
    lastHash: last?.hash ?? base.lastHash,
    ...(trust ? { trust } : {}),
  };
  // Requests issued only after an await inside the transaction (a block sealed, an erasure):
  // the transaction must not be told to commit before they are.
  const later = change.erase !== undefined || sealsBlock(meta, stored.vectors);
  let tx: WriteTx | undefined;
  try {
    tx = db.transaction(writeScope(change, later), 'readwrite') as WriteTx;
    // The meta check and the writes go out together (one round trip, not two): requests run in
    // order, so the check's answer comes before any write is done, and a failed check aborts
    // the transaction, which undoes them all.
    const check = tx.objectStore('meta').get('meta');
    // The writes go out as plain requests, without a promise and listeners each (this thread's
    // share of a request): a failed one aborts the transaction, and `tx.done` rejects with it.
    const raw = unwrap(tx);
    const putAll = (name: StoreNames<EngramDB>, values: readonly unknown[]) => {
      if (values.length === 0) return;
      const store = raw.objectStore(name);
      for (const v of values) store.put(v);
    };
    const writes: Promise<unknown>[] = [];
    putAll('meta', [meta]);
    putAll('memories', stored.memories);
    putAll('versions', stored.versions);
    for (const key of change.dropVersions ?? []) raw.objectStore('versions').delete(key);
    if (sealedEvents.length) {
      const log = raw.objectStore('events');
      for (const e of sealedEvents) log.add(e); // an existing seq fails: the log moved on
    }
    putAll('links', stored.links);
    // Lexical rows are not written while they are dropped (the flag as this write saw it).
    if (!base.lexicalDropped) {
      putAll('lexical', stored.lexical);
      for (const id of change.lexical?.delete ?? []) raw.objectStore('lexical').delete(id);
    }
    if (later) {
      if (stored.vectors.length) writes.push(writeVectorRows(tx, meta, stored.vectors));
    } else if (stored.vectors.length) {
      // No block is sealed: the rows go into the tail as plain requests too.
      const tail = raw.objectStore('vectorTail');
      for (const { slot, bytes } of stored.vectors) tail.put(bytes, slot);
    }
    if (change.erase) {
      writes.push(eraseInTx(tx, meta, change.erase, events[0]?.seq ?? 0));
      // The checkpoint holds copies of the erased records: it goes in the same transaction.
      writes.push(tx.objectStore('checkpoints').clear());
    }
    const all = Promise.all([...writes, tx.done]);
    all.catch(() => {}); // awaited below, unless the check fails first
    const storedMeta = await check;
    if (
      !storedMeta ||
      storedMeta.lastSeq !== base.lastSeq ||
      (expect !== undefined && !sameValue(storedMeta, expect)) ||
      (storedMeta.lexicalDropped && !base.lexicalDropped)
    )
      throw logMoved();
    // Every request is out: commit now, not once this thread has taken each request's answer
    // (they queue behind other tasks). It still resolves only after the transaction committed.
    if (!later) commitNow(tx);
    await all;
    return { events, meta };
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/** Asks a transaction to commit now; one already committing or done is left as it is. */
function commitNow(tx: WriteTx): void {
  try {
    tx.commit();
  } catch {
    // Already committing or finished: the caller's `tx.done` tells how it ended.
  }
}

/**
 * The object stores a change set writes (and the meta record): a transaction locks only those.
 * @param later - a vector block may be sealed or memories erased (both read first)
 */
function writeScope(change: ChangeSet, later: boolean): StoreNames<EngramDB>[] {
  if (later) return STORE_NAMES;
  const scope: StoreNames<EngramDB>[] = ['meta', 'events'];
  if (change.memories?.length) scope.push('memories');
  if (change.versions?.length || change.dropVersions?.length) scope.push('versions');
  if (change.vectors?.length) scope.push('vectorTail');
  if (change.links?.length) scope.push('links');
  if (change.lexical?.put.length || change.lexical?.delete.length) scope.push('lexical');
  return scope;
}

/**
 * The error of a write whose view of the log is stale: another writer committed since it read
 * the meta record (`details.logMoved`). Nothing was written.
 */
export function logMoved(): EngramError {
  return new EngramError(
    'StorageError',
    'The log moved on under this write (another tab wrote first); nothing was written',
    { details: { logMoved: true } },
  );
}

/** Whether `e` is a {@link logMoved} error. */
export function isLogMoved(e: unknown): boolean {
  return e instanceof EngramError && e.details?.logMoved === true;
}

/** Deep equality of two stored values (plain objects, arrays, primitives, byte buffers). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) {
    if (!(ArrayBuffer.isView(b) || b instanceof ArrayBuffer)) return false;
    const [x, y] = [bytesOf(a), bytesOf(b)];
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function bytesOf(v: ArrayBuffer | ArrayBufferView): Uint8Array {
  return v instanceof ArrayBuffer
    ? new Uint8Array(v)
    : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Frees space on a store over its quota: clears the lexical rows and the checkpoint (both
 * caches, derived again from the memories) in a transaction that only deletes, the one kind
 * the browser still runs then. The caller then writes with `meta.lexicalDropped` set; a crash
 * in between leaves an empty lexical store without the flag, which `verify()` reports as
 * missing rows and `rebuild()` (or `restoreLexical`) repairs — nothing of the log is touched.
 */
export async function dropLexicalCache(db: IDBPDatabase<EngramDB>): Promise<void> {
  const tx = db.transaction(['lexical', 'checkpoints'], 'readwrite');
  await Promise.all([
    tx.objectStore('lexical').clear(),
    tx.objectStore('checkpoints').clear(),
    tx.done,
  ]).catch((e: unknown) => Promise.reject(storeError(e)));
}

/**
 * Writes every lexical row back after {@link dropLexicalCache} and clears `meta.lexicalDropped`,
 * in one transaction: the rows of the memories stored now.
 * @returns the meta record now stored (unchanged when nothing was dropped)
 */
export async function restoreLexicalRows(
  db: IDBPDatabase<EngramDB>,
  lexicalRow: LexicalRowOf,
  cipher?: RecordCipher,
): Promise<MetaRecord> {
  if (cipher) return restoreSealedRows(db, lexicalRow, cipher);
  const tx = db.transaction(['meta', 'memories', 'lexical'], 'readwrite');
  try {
    const meta = await tx.objectStore('meta').get('meta');
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    if (!meta.lexicalDropped) {
      await tx.done;
      return meta;
    }
    const rest = lexicalKept(meta);
    const rows = (await tx.objectStore('memories').getAll()).flatMap((m) => lexicalRow(m) ?? []);
    await Promise.all([
      ...rows.map((r) => tx.objectStore('lexical').put(r)),
      tx.objectStore('meta').put(rest),
      tx.done,
    ]);
    return rest;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/**
 * {@link restoreLexicalRows} in an encrypted store: the memories are read and opened, their
 * rows sealed, then written in a second transaction that first checks the log has not moved.
 */
async function restoreSealedRows(
  db: IDBPDatabase<EngramDB>,
  lexicalRow: LexicalRowOf,
  cipher: RecordCipher,
): Promise<MetaRecord> {
  let read: { meta: MetaRecord | undefined; memories: unknown[] };
  try {
    const rtx = db.transaction(['meta', 'memories'], 'readonly');
    const [meta, memories] = await Promise.all([
      rtx.objectStore('meta').get('meta'),
      rtx.objectStore('memories').getAll(),
      rtx.done,
    ]);
    read = { meta, memories };
  } catch (e) {
    throw storeError(e);
  }
  const { meta } = read;
  if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
  if (!meta.lexicalDropped) return meta;
  const memories = await Promise.all(read.memories.map((m) => cipher.openMemory(m)));
  const { lexical } = await storedForm(cipher, {
    lexical: memories.flatMap((m) => lexicalRow(m) ?? []),
  });
  const rest = lexicalKept(meta);
  const tx = db.transaction(['meta', 'lexical'], 'readwrite');
  try {
    const now = await tx.objectStore('meta').get('meta');
    if (now?.lastSeq !== meta.lastSeq)
      throw new EngramError('StorageError', 'the log moved on; lexical rows not written back');
    await Promise.all([
      ...lexical.map((r) => tx.objectStore('lexical').put(r)),
      tx.objectStore('meta').put(rest),
      tx.done,
    ]);
    return rest;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/** `meta` without the {@link MetaRecord.lexicalDropped} flag (every lexical row is written). */
export function lexicalKept(meta: MetaRecord): MetaRecord {
  const { lexicalDropped: _dropped, ...rest } = meta;
  return rest;
}

/**
 * Replaces every derived store (memories, versions, vectors, links, lexical rows;
 * the checkpoint goes) with `state` in one transaction, e.g. after a rebuild from the log.
 * @param db - the open database
 * @param meta - the meta record to store (its `nextSlot` the next free vector slot)
 * @param state - the derived contents
 * @param lexicalRow - the analysis of a memory into its lexical row
 * @param cipher - seals every record first (encrypted stores)
 */
export async function replaceDerived(
  db: IDBPDatabase<EngramDB>,
  meta: MetaRecord,
  state: DerivedState,
  lexicalRow: LexicalRowOf,
  cipher?: RecordCipher,
): Promise<void> {
  const records = await storedForm(cipher, derivedRecords(state, lexicalRow));
  const tx = db.transaction(STORE_NAMES, 'readwrite');
  try {
    await Promise.all([replaceDerivedInTx(tx, meta, records), tx.done]);
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/**
 * Appends log events exactly as given (seq and hashes included), with the
 * derived state they produce; for importing into an empty store.
 * @param db - the open database
 * @param meta - the meta record to store (its `lastSeq`/`lastHash` those of the last event)
 * @param events - the log to copy
 * @param state - the derived contents replayed from it
 * @param lexicalRow - the analysis of a memory into its lexical row
 * @param cipher - seals every record first (encrypted stores)
 * @throws `NotEmpty` when the store has memories or events
 */
export async function importLog(
  db: IDBPDatabase<EngramDB>,
  meta: MetaRecord,
  log: EventRecord[],
  state: DerivedState,
  lexicalRow: LexicalRowOf,
  cipher?: RecordCipher,
): Promise<void> {
  const [records, events] = await Promise.all([
    storedForm(cipher, derivedRecords(state, lexicalRow)),
    storedEvents(cipher, log),
  ]);
  const tx = db.transaction(STORE_NAMES, 'readwrite');
  try {
    const stored = await tx.objectStore('meta').get('meta');
    if (!stored || stored.lastSeq !== 0 || (await tx.objectStore('memories').count()) > 0)
      throw new EngramError('NotEmpty', 'import mode "empty" needs an empty store');
    await Promise.all([
      ...events.map((e) => tx.objectStore('events').add(e)),
      replaceDerivedInTx(tx, meta, records),
    ]);
    await tx.done;
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}

/**
 * Removes every memory, vector and event, and stores `meta` (the embedder identity kept).
 * Two transactions: the first only deletes (the meta record too), because the browser refuses
 * any transaction that writes while the origin is over its quota, even one that deletes far
 * more than it writes, but runs one that only deletes: so a full store can still be reset.
 * The second writes the empty store's meta. A crash between them leaves an empty store
 * without meta, which `MemoryStore.open` completes.
 * @param db - the open database
 * @param meta - the meta record of the empty store
 */
export async function clearAll(db: IDBPDatabase<EngramDB>, meta: MetaRecord): Promise<void> {
  const wipe = db.transaction(STORE_NAMES, 'readwrite');
  await Promise.all([...STORE_NAMES.map((s) => wipe.objectStore(s).clear()), wipe.done]).catch(
    (e: unknown) => Promise.reject(storeError(e)),
  );
  const tx = db.transaction('meta', 'readwrite');
  await Promise.all([tx.objectStore('meta').put(meta), tx.done]).catch((e: unknown) =>
    Promise.reject(storeError(e)),
  );
}
