// Writes that run inside MemoryStore's transactions: links, erasure and the
// wholesale replacement of derived stores by rebuild/import.
import type { IDBPTransaction, StoreNames } from 'idb';
import type { LexicalRowOf, LinkRecord, MemoryRecord, MetaRecord, Tombstone } from './records';
import { DERIVED_STORES, type EngramDB } from './schema';
import type { PlainRecords, StoredRecords } from './stored-form';
import { eraseVectorRows, writeVectorRows } from './vector-blocks';

/** A readwrite transaction over every store. */
export type WriteTx = IDBPTransaction<EngramDB, StoreNames<EngramDB>[], 'readwrite'>;

/** What an erasure removes, in the same transaction as its `memory.erased` events. */
export interface Erasure {
  /** Memories whose every version, link and vector row goes. */
  ids: string[];
  /** Vector slots of those versions (zeroed in sealed blocks, deleted from the tail). */
  slots: number[];
  /** Events whose payload becomes a tombstone. */
  tombstoneSeqs: number[];
  /** When (ms since epoch). */
  erasedAt: number;
  /**
   * Memories erased at other times, or by other erasure events, than `erasedAt` and the first
   * new event (several erasures synced in one batch): their tombstones say so.
   */
  each?: ReadonlyMap<string, { erasedAt: number; erasureSeq: number }>;
}

/** Range of every key `[id, …]` of a store keyed by arrays starting with id. */
function idRange(id: string): IDBKeyRange {
  return IDBKeyRange.bound([id], [id, []]);
}

/** Removes memories, versions, links and vectors of an erasure; tombstones their events. */
export async function eraseInTx(
  tx: WriteTx,
  meta: MetaRecord,
  erasure: Erasure,
  erasureSeq: number,
): Promise<void> {
  const links = tx.objectStore('links');
  for (const id of erasure.ids) {
    const out = await links.getAll(idRange(id));
    await Promise.all([
      tx.objectStore('memories').delete(id),
      tx.objectStore('versions').delete(idRange(id)),
      tx.objectStore('lexical').delete(id),
      links.delete(idRange(id)),
      ...out.map((l) => links.delete([l.to, l.from])),
    ]);
  }
  await eraseVectorRows(tx, meta, erasure.slots);
  const tombstone: Tombstone = { tombstone: { erasedAt: erasure.erasedAt, erasureSeq } };
  const events = tx.objectStore('events');
  for (const seq of erasure.tombstoneSeqs) {
    const e = await events.get(seq);
    const own = e && erasure.each?.get(e.memoryId);
    if (e) await events.put({ ...e, payload: own ? { tombstone: own } : tombstone });
  }
}

/** Contents of the derived stores, as rebuilt from a log. */
export interface DerivedState {
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  /** Vector rows by slot (erased rows absent). */
  vectors: { slot: number; vector: Float32Array }[];
}

/**
 * The records a derived state is written as: its memories, versions, links and vectors, and
 * the lexical row of each memory (`lexicalRow`).
 */
export function derivedRecords(state: DerivedState, lexicalRow: LexicalRowOf): PlainRecords {
  return { ...state, lexical: state.memories.flatMap((m) => lexicalRow(m) ?? []) };
}

/** Clears every derived store and writes `records` (see `stored-form.ts`) and `meta` into them. */
export async function replaceDerivedInTx(
  tx: WriteTx,
  meta: MetaRecord,
  records: StoredRecords,
): Promise<void> {
  await Promise.all(DERIVED_STORES.map((s) => tx.objectStore(s).clear()));
  const writes: Promise<unknown>[] = [];
  for (const m of records.memories) writes.push(tx.objectStore('memories').put(m));
  for (const v of records.versions) writes.push(tx.objectStore('versions').put(v));
  for (const l of records.links) writes.push(tx.objectStore('links').put(l));
  for (const r of records.lexical) writes.push(tx.objectStore('lexical').put(r));
  await Promise.all(writes);
  await writeVectorRows(tx, meta, records.vectors, { sealAll: true });
  await tx.objectStore('meta').put(meta);
}
