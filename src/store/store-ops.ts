// Writes that run inside MemoryStore's transactions: links, erasure and the
// wholesale replacement of derived stores by rebuild/import.
import type { IDBPTransaction, StoreNames } from 'idb';
import type { LexicalRowOf, LinkRecord, MemoryRecord, MetaRecord, Tombstone } from './records';
import { DERIVED_STORES, type EngramDB } from './schema';
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
    if (e) await events.put({ ...e, payload: tombstone });
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
 * Clears every derived store and writes `state` into them; `meta` is the meta to keep and
 * `lexicalRow` the analysis that makes each memory's lexical row.
 */
export async function replaceDerivedInTx(
  tx: WriteTx,
  meta: MetaRecord,
  state: DerivedState,
  lexicalRow: LexicalRowOf,
): Promise<void> {
  await Promise.all(DERIVED_STORES.map((s) => tx.objectStore(s).clear()));
  const writes: Promise<unknown>[] = [];
  for (const m of state.memories) writes.push(tx.objectStore('memories').put(m));
  for (const v of state.versions) writes.push(tx.objectStore('versions').put(v));
  for (const l of state.links) writes.push(tx.objectStore('links').put(l));
  for (const m of state.memories) {
    const row = lexicalRow(m);
    if (row) writes.push(tx.objectStore('lexical').put(row));
  }
  await Promise.all(writes);
  await writeVectorRows(tx, meta, state.vectors, { sealAll: true });
  await tx.objectStore('meta').put(meta);
}
