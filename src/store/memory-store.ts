import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { EngramError, fromStorageError } from '../errors';
import { chainEvents, type NewEvent } from './event-log';
import type { EventRecord, LinkRecord, MemoryRecord, MetaRecord } from './records';
import type { LexicalRow } from '../retrieval/lexical-row';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { MIGRATIONS, SCHEMA_VERSION, STORE_NAMES, type EngramDB } from './schema';
import {
  eraseInTx,
  replaceDerivedInTx,
  type DerivedState,
  type Erasure,
  type WriteTx,
} from './store-ops';
import { assembleVectors, writeVectorRows } from './vector-blocks';

/** Default rows per sealed vector block. */
export const DEFAULT_BLOCK_ROWS = 4096;

/** What a store was made with; a store refuses to open with another embedder. */
export interface StoreIdentity {
  embedderId: string;
  dim: number;
}

/** One write: records to put, vectors to store, events to log — all in one transaction. */
export interface ChangeSet {
  /** Current versions of memories to put. */
  memories?: MemoryRecord[];
  /** Past versions to keep (store `versions`). */
  versions?: MemoryRecord[];
  /** New vectors by slot (slots from {@link MemoryStore.reserveSlots}). */
  vectors?: { slot: number; vector: Float32Array }[];
  /** Links to put (one record per direction). */
  links?: LinkRecord[];
  /** Lexical rows to put and ids whose row goes (see `lexicalChanges`). */
  lexical?: { put: LexicalRow[]; delete: string[] };
  /** Memories to erase; their events' seq of the first new event becomes the erasure seq. */
  erase?: Erasure;
  /** Events describing the change. */
  events: NewEvent[];
}

/** The derived records a checkpoint holds (as of its log position). */
export interface CheckpointData {
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  lexical: LexicalRow[];
}

/** Everything needed to rebuild in-memory state at open or after another tab wrote. */
export interface StoreSnapshot {
  meta: MetaRecord;
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  /** Lexical rows of the active memories. */
  lexical: LexicalRow[];
  /** `meta.nextSlot × dim` float32 rows; rows never written are zero. */
  vectors: Float32Array;
}

/**
 * The IndexedDB layer: memories, past versions, vectors (in blocks) and the
 * hash-chained event log, with every write in one transaction that is
 * acknowledged only after it completes. Callers serialise writes (the engine
 * holds a Web Lock); a write whose view of the log is stale is refused.
 */
export class MemoryStore {
  private closed = false;

  private constructor(
    private readonly db: IDBPDatabase<EngramDB>,
    /** Name of the IndexedDB database. */
    readonly name: string,
    private metaCache: MetaRecord,
  ) {}

  /**
   * Opens (or creates) the database `name` for an embedder.
   * @throws EngramError `EmbedderMismatch` when it was made with another embedder id or dimension;
   *   `SchemaTooNew` when a newer Engram wrote it; `CorruptStore` when its meta record is unreadable.
   */
  static async open(
    name: string,
    identity: StoreIdentity,
    options: { blockRows?: number; now?: number; onVersionChange?: () => void } = {},
  ): Promise<MemoryStore> {
    let db: IDBPDatabase<EngramDB>;
    let upgradeError: unknown;
    try {
      db = await openDB<EngramDB>(name, SCHEMA_VERSION, {
        async upgrade(database, oldVersion, _newVersion, tx) {
          try {
            for (let v = oldVersion; v < SCHEMA_VERSION; v++) await MIGRATIONS[v]?.(database, tx);
          } catch (e) {
            upgradeError = e;
            tx.abort();
          }
        },
        blocking() {
          // Another tab wants to upgrade: let it, and tell our owner.
          db.close();
          options.onVersionChange?.();
        },
      });
    } catch (e) {
      if (upgradeError !== undefined)
        throw new EngramError('CorruptStore', `Store "${name}" could not be migrated`, {
          cause: upgradeError,
        });
      if ((e as { name?: string }).name === 'VersionError') {
        throw new EngramError(
          'SchemaTooNew',
          `Store "${name}" has a newer schema than ${SCHEMA_VERSION}`,
          { cause: e },
        );
      }
      throw fromStorageError(e);
    }
    try {
      let meta = await db.get('meta', 'meta');
      if (!meta) {
        if ((await db.count('memories')) > 0 || (await db.count('events')) > 0) {
          throw new EngramError('CorruptStore', `Store "${name}" has memories but no meta record`);
        }
        meta = {
          key: 'meta',
          schemaVersion: SCHEMA_VERSION,
          embedderId: identity.embedderId,
          dim: identity.dim,
          blockRows: options.blockRows ?? DEFAULT_BLOCK_ROWS,
          nextSlot: 0,
          lastSeq: 0,
          lastHash: '',
          createdAt: options.now ?? Date.now(),
        };
        await db.put('meta', meta);
      } else if (typeof meta.dim !== 'number' || typeof meta.embedderId !== 'string') {
        throw new EngramError('CorruptStore', `Store "${name}" has an unreadable meta record`);
      } else if (meta.embedderId !== identity.embedderId || meta.dim !== identity.dim) {
        throw new EngramError(
          'EmbedderMismatch',
          `Store "${name}" was made with ${meta.embedderId} (${meta.dim}-d), not ${identity.embedderId} (${identity.dim}-d)`,
          {
            details: {
              stored: { id: meta.embedderId, dim: meta.dim },
              given: { id: identity.embedderId, dim: identity.dim },
            },
          },
        );
      }
      return new MemoryStore(db, name, meta);
    } catch (e) {
      db.close();
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
  }

  /** Deletes the whole database `name` (all memories, vectors and the log). */
  static async destroy(name: string): Promise<void> {
    await deleteDB(name);
  }

  /** The meta record as of the last read or write. */
  get meta(): MetaRecord {
    return this.metaCache;
  }

  /** Re-reads the meta record (another tab may have written). */
  async refreshMeta(): Promise<MetaRecord> {
    this.assertOpen();
    const meta = await this.db
      .get('meta', 'meta')
      .catch((e: unknown) => Promise.reject(fromStorageError(e)));
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    this.metaCache = meta;
    return meta;
  }

  /** Reads everything into memory: a handful of getAll calls, whatever the size. */
  async load(): Promise<StoreSnapshot> {
    this.assertOpen();
    try {
      const tx = this.db.transaction(
        ['meta', 'memories', 'versions', 'vectorBlocks', 'vectorTail', 'links', 'lexical'],
        'readonly',
      );
      const [meta, memories, versions, links, blockKeys, blocks, tailKeys, tail, lexical] =
        await Promise.all([
          tx.objectStore('meta').get('meta'),
          tx.objectStore('memories').getAll(),
          tx.objectStore('versions').getAll(),
          tx.objectStore('links').getAll(),
          tx.objectStore('vectorBlocks').getAllKeys(),
          tx.objectStore('vectorBlocks').getAll(),
          tx.objectStore('vectorTail').getAllKeys(),
          tx.objectStore('vectorTail').getAll(),
          tx.objectStore('lexical').getAll(),
        ]);
      await tx.done;
      if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
      this.metaCache = meta;
      const vectors = assembleVectors(meta, blockKeys, blocks, tailKeys, tail);
      return { meta, memories, versions, links, lexical, vectors };
    } catch (e) {
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
  }

  /**
   * Reads the vector rows block by block, in slot order, handing each to `sink` as it arrives
   * (no `nextSlot × dim` matrix is assembled: opening a 100k × 384 store would copy 154 MB
   * twice). Every read is issued at once in one transaction; `sink` may be async.
   * @param sink - gets `(firstSlot, rows)`, rows row-major; slots skipped (never written) are zero
   * @returns the meta record the rows belong to
   */
  async streamVectors(
    sink: (first: number, rows: Float32Array) => Promise<void> | void,
  ): Promise<MetaRecord> {
    this.assertOpen();
    try {
      const tx = this.db.transaction(['meta', 'vectorBlocks', 'vectorTail'], 'readonly');
      const [meta, blockKeys, tailKeys, tail] = await Promise.all([
        tx.objectStore('meta').get('meta'),
        tx.objectStore('vectorBlocks').getAllKeys(),
        tx.objectStore('vectorTail').getAllKeys(),
        tx.objectStore('vectorTail').getAll(),
      ]);
      if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
      this.metaCache = meta;
      const { dim, blockRows, nextSlot } = meta;
      const reads = blockKeys.map((b) => tx.objectStore('vectorBlocks').get(b));
      for (let i = 0; i < blockKeys.length; i++) {
        const block = await reads[i]!;
        const first = blockKeys[i]! * blockRows;
        const rows = Math.max(0, Math.min(blockRows, nextSlot - first));
        if (block && rows) await sink(first, new Float32Array(block, 0, rows * dim));
      }
      const live = tailKeys
        .map((slot, i) => [slot, tail[i]!] as const)
        .filter(([s]) => s < nextSlot);
      if (live.length) {
        const first = live[0]![0];
        const rows = new Float32Array((live[live.length - 1]![0] - first + 1) * dim);
        for (const [slot, row] of live) rows.set(new Float32Array(row), (slot - first) * dim);
        await sink(first, rows);
      }
      return meta;
    } catch (e) {
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
  }

  /** The stored checkpoint (see `checkpoint.ts`), or undefined when there is none or it is torn. */
  async readCheckpoint(): Promise<{ seq: number; data: CheckpointData } | undefined> {
    this.assertOpen();
    const tx = this.db.transaction('checkpoints', 'readonly');
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
   * @returns the log position it reflects
   */
  async checkpoint(): Promise<number> {
    this.assertOpen();
    const stores = ['meta', 'memories', 'versions', 'links', 'lexical', 'checkpoints'] as const;
    const tx = this.db.transaction([...stores], 'readwrite');
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
      tx.done.catch(() => {});
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
  }

  /**
   * Reads what is stored of some memories: current versions (missing ids left
   * out), past versions and links from them.
   */
  async readMemories(
    ids: readonly string[],
  ): Promise<{ memories: MemoryRecord[]; versions: MemoryRecord[]; links: LinkRecord[] }> {
    this.assertOpen();
    const tx = this.db.transaction(['memories', 'versions', 'links'], 'readonly');
    const range = (id: string) => IDBKeyRange.bound([id], [id, []]);
    const [found, versions, links] = await Promise.all([
      Promise.all(ids.map((id) => tx.objectStore('memories').get(id))),
      Promise.all(ids.map((id) => tx.objectStore('versions').getAll(range(id)))),
      Promise.all(ids.map((id) => tx.objectStore('links').getAll(range(id)))),
      tx.done,
    ]);
    return {
      memories: found.filter((m): m is MemoryRecord => m !== undefined),
      versions: versions.flat(),
      links: links.flat(),
    };
  }

  /** Events with seq greater than `afterSeq`, oldest first. */
  async eventsSince(afterSeq: number): Promise<EventRecord[]> {
    this.assertOpen();
    return this.db.getAll('events', IDBKeyRange.lowerBound(afterSeq, true));
  }

  /** Events of one memory, oldest first. */
  async eventsFor(memoryId: string): Promise<EventRecord[]> {
    this.assertOpen();
    const events = await this.db.getAllFromIndex('events', 'memoryId', memoryId);
    return events.sort((a, b) => a.seq - b.seq);
  }

  /** Reads vectors of given slots (from blocks or the tail). */
  async readVectors(slots: readonly number[]): Promise<Map<number, Float32Array>> {
    this.assertOpen();
    const { dim, blockRows } = this.metaCache;
    const tx = this.db.transaction(['vectorBlocks', 'vectorTail'], 'readonly');
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

  /**
   * Reserves `count` consecutive vector slots. Call under the write lock,
   * after {@link refreshMeta}; the slots become durable with the next commit.
   */
  reserveSlots(count: number): number {
    const first = this.metaCache.nextSlot;
    this.metaCache = { ...this.metaCache, nextSlot: first + count };
    return first;
  }

  /**
   * Writes a change set in ONE transaction (memories, versions, vectors, events, meta)
   * and resolves after it has committed. On any failure nothing is written.
   * @returns the logged events with their seq and hash
   */
  async commit(change: ChangeSet): Promise<EventRecord[]> {
    this.assertOpen();
    const base = this.metaCache;
    const events = await chainEvents(change.events, base.lastSeq, base.lastHash);
    const last = events[events.length - 1];
    const nextSlot = Math.max(base.nextSlot, ...(change.vectors ?? []).map((v) => v.slot + 1));
    const meta: MetaRecord = {
      ...base,
      nextSlot,
      lastSeq: last?.seq ?? base.lastSeq,
      lastHash: last?.hash ?? base.lastHash,
    };
    let tx: WriteTx | undefined;
    try {
      tx = this.db.transaction(STORE_NAMES, 'readwrite');
      const stored = await tx.objectStore('meta').get('meta');
      if (!stored || stored.lastSeq !== base.lastSeq) {
        throw new EngramError(
          'StorageError',
          'The log moved on under this write (a writer outside the lock?); nothing was written',
        );
      }
      const writes: Promise<unknown>[] = [tx.objectStore('meta').put(meta)];
      for (const m of change.memories ?? []) writes.push(tx.objectStore('memories').put(m));
      for (const v of change.versions ?? []) writes.push(tx.objectStore('versions').put(v));
      for (const e of events) writes.push(tx.objectStore('events').add(e));
      for (const l of change.links ?? []) writes.push(tx.objectStore('links').put(l));
      for (const r of change.lexical?.put ?? []) writes.push(tx.objectStore('lexical').put(r));
      for (const id of change.lexical?.delete ?? [])
        writes.push(tx.objectStore('lexical').delete(id));
      writes.push(writeVectorRows(tx, meta, change.vectors ?? []));
      if (change.erase) {
        writes.push(eraseInTx(tx, meta, change.erase, events[0]?.seq ?? 0));
        // The checkpoint holds copies of the erased records: it goes in the same transaction.
        writes.push(tx.objectStore('checkpoints').clear());
      }
      await Promise.all([...writes, tx.done]);
      this.metaCache = meta;
      return events;
    } catch (e) {
      // A synchronous throw (e.g. a quota error from put) would otherwise let the
      // requests already queued commit: abort so nothing of this change lands.
      tx?.done.catch(() => {});
      try {
        tx?.abort();
      } catch {
        // already finished or aborted
      }
      this.metaCache = { ...base };
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
  }

  /**
   * Replaces every derived store (memories, versions, vectors, links) with
   * `state` in one transaction, e.g. after a rebuild from the log.
   * @param state - the derived contents
   * @param nextSlot - next free vector slot
   */
  async replaceDerived(state: DerivedState, nextSlot: number): Promise<void> {
    this.assertOpen();
    const meta: MetaRecord = { ...this.metaCache, nextSlot };
    const tx = this.db.transaction(STORE_NAMES, 'readwrite');
    try {
      await Promise.all([replaceDerivedInTx(tx, meta, state), tx.done]);
    } catch (e) {
      tx.done.catch(() => {});
      try {
        tx.abort();
      } catch {
        // already finished
      }
      throw fromStorageError(e);
    }
    this.metaCache = meta;
  }

  /**
   * Appends log events exactly as given (seq and hashes included), with the
   * derived state they produce; for importing into an empty store.
   */
  async importLog(events: EventRecord[], state: DerivedState, nextSlot: number): Promise<void> {
    this.assertOpen();
    const last = events[events.length - 1];
    const meta: MetaRecord = {
      ...this.metaCache,
      nextSlot,
      lastSeq: last?.seq ?? 0,
      lastHash: last?.hash ?? '',
    };
    const tx = this.db.transaction(STORE_NAMES, 'readwrite');
    try {
      const stored = await tx.objectStore('meta').get('meta');
      if (!stored || stored.lastSeq !== 0 || (await tx.objectStore('memories').count()) > 0)
        throw new EngramError('NotEmpty', 'import mode "empty" needs an empty store');
      await Promise.all([
        ...events.map((e) => tx.objectStore('events').add(e)),
        replaceDerivedInTx(tx, meta, state),
      ]);
      await tx.done;
    } catch (e) {
      tx.done.catch(() => {});
      try {
        tx.abort();
      } catch {
        // already finished
      }
      throw e instanceof EngramError ? e : fromStorageError(e);
    }
    this.metaCache = meta;
  }

  /** Removes every memory, vector and event; keeps the embedder identity. */
  async clear(): Promise<void> {
    this.assertOpen();
    const tx = this.db.transaction(STORE_NAMES, 'readwrite');
    const meta: MetaRecord = { ...this.metaCache, nextSlot: 0, lastSeq: 0, lastHash: '' };
    await Promise.all([
      ...STORE_NAMES.filter((s) => s !== 'meta').map((s) => tx.objectStore(s).clear()),
      tx.objectStore('meta').put(meta),
      tx.done,
    ]).catch((e: unknown) => Promise.reject(fromStorageError(e)));
    this.metaCache = meta;
  }

  /** Every record of every store, for tests and audits (raw dump). */
  async dump(): Promise<Record<string, unknown[]>> {
    this.assertOpen();
    const out: Record<string, unknown[]> = {};
    for (const s of STORE_NAMES) out[s] = await this.db.getAll(s);
    return out;
  }

  /** Closes the connection; later calls throw `StoreClosed`. */
  close(): void {
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new EngramError('StoreClosed');
  }
}
