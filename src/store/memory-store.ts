import { deleteDB, openDB, type IDBPDatabase } from 'idb';
import { readBirth, removeBirth, writeBirth, type StoreBirth } from './store-birth';
import { EngramError, fromStorageError, isEngramError } from '../errors';
import { readCheckpoint, writeCheckpoint, type CheckpointPace } from './checkpoint-io';
import type { DecodedCheckpoint } from './checkpoint-columns';
import {
  readIndexLayout,
  readLayoutCodes,
  writeIndexLayout,
  type CodesToStore,
  type IndexLayout,
  type StoredCodes,
} from './index-layout-io';
import { RecordCipher } from './cipher';
import { openContents } from './contents-open';
import {
  checkSecret,
  createDataKey,
  rewrapDataKey,
  unwrapDataKey,
  type EncryptionHeader,
  type EncryptionSecret,
} from './data-key';
import { readContents, type StoredContents } from './contents';
import {
  clearAll,
  commitChange,
  dropLexicalCache,
  importLog,
  lexicalKept,
  replaceDerived,
  restoreLexicalRows,
  type ChangeSet,
} from './commit';
import type {
  EventRecord,
  LexicalRow,
  LexicalRowOf,
  LinkRecord,
  MemoryRecord,
  MetaRecord,
} from './records';
import { MIGRATIONS, SCHEMA_VERSION, STORE_NAMES, type EngramDB } from './schema';
import type { DerivedState } from './store-ops';
import { bytesOf } from './stored-bytes';
import { abortQuietly, storeError } from './tx';
import { assembleVectors } from './vector-blocks';
import { readVectors, storeBlocksAsBlobs, streamVectors, vectorsFromLogFor } from './vector-io';
import { tallyEvidence } from './trust-tally';

export type { ChangeSet } from './commit';
export type { CheckpointData, CheckpointPace } from './checkpoint-io';

/** Default rows per sealed vector block. */
export const DEFAULT_BLOCK_ROWS = 4096;

/** What a store was made with; a store refuses to open with another embedder. */
export interface StoreIdentity {
  embedderId: string;
  dim: number;
}

/** How to open a store. */
export interface StoreOpenOptions {
  /**
   * The analysis of a memory into its lexical row (the engine passes the retrieval layer's
   * `lexicalRow`): used by rebuild, import and the v2 → v3 migration. The store knows no analyzer.
   */
  lexicalRow: LexicalRowOf;
  /** Rows per sealed vector block of a new store (default {@link DEFAULT_BLOCK_ROWS}). */
  blockRows?: number;
  /** Creation time of a new store (ms since epoch). */
  now?: number;
  /**
   * Told when stored bytes could not be used and were read from the log instead (an
   * unreadable vector block or row) or not at all (an unreadable checkpoint).
   */
  onProblem?: (message: string) => void;
  /** Called when another tab upgrades the database (this connection is closed). */
  onVersionChange?: () => void;
  /**
   * Opens (or, for a new, empty store, sets up) an encrypted store: every record is sealed
   * under a data key that this secret wraps (see `data-key.ts` and `cipher.ts`).
   */
  encryption?: EncryptionSecret;
  /**
   * With `encryption`: a data key to set an empty store up with instead of a new one (a device
   * joining an encrypted sync: the server's, unwrapped with the same secret). A store already
   * under it opens with it; a store that holds records under another key opens as it is.
   */
  adoptKey?: { header: EncryptionHeader; dataKey: CryptoKey };
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
  /**
   * Set when this open created the database although a birth record says it existed before
   * (see `store-birth.ts`): the browser discarded it, and with it everything stored.
   */
  discarded: StoreBirth | undefined;

  private constructor(
    private readonly db: IDBPDatabase<EngramDB>,
    /** Name of the IndexedDB database. */
    readonly name: string,
    private metaCache: MetaRecord,
    private readonly lexicalRow: LexicalRowOf,
    private readonly onProblem: ((message: string) => void) | undefined,
    /** Seals and opens records in an encrypted store; undefined in an unencrypted one. */
    private readonly cipher: RecordCipher | undefined,
  ) {
    this.known = metaCache;
  }

  /** The meta record as this store last read or wrote it (without slots reserved since). */
  private known: MetaRecord;

  /**
   * Opens (or creates) the database `name` for an embedder.
   * @throws EngramError `EmbedderMismatch` when it was made with another embedder id or dimension;
   *   `SchemaTooNew` when a newer Engram wrote it; `CorruptStore` when its meta record is unreadable;
   *   `WrongKey` when `encryption` does not open its data key; `Encrypted` when it is encrypted
   *   and no `encryption` is given; `NotEncrypted` when `encryption` is given for a store that
   *   holds unencrypted records. Nothing is written then.
   */
  static async open(
    name: string,
    identity: StoreIdentity,
    options: StoreOpenOptions,
  ): Promise<MemoryStore> {
    let db: IDBPDatabase<EngramDB>;
    let upgradeError: unknown;
    let created = false;
    try {
      db = await openDB<EngramDB>(name, SCHEMA_VERSION, {
        async upgrade(database, oldVersion, _newVersion, tx) {
          created = oldVersion === 0;
          try {
            for (let v = oldVersion; v < SCHEMA_VERSION; v++)
              await MIGRATIONS[v]?.(database, tx, options);
            // A new database gets its meta record in the transaction that creates it: tabs
            // opening it at once are serialised by IndexedDB, so one creates it, the others see it.
            if (oldVersion === 0) await tx.objectStore('meta').put(newMeta(identity, options));
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
      const meta =
        (await db.get('meta', 'meta')) ?? (await createMissingMeta(db, name, identity, options));
      if (typeof meta.dim !== 'number' || typeof meta.embedderId !== 'string') {
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
      const opened = await openCipher(db, name, meta, options.encryption, options.adoptKey);
      const store = new MemoryStore(
        db,
        name,
        opened.meta,
        options.lexicalRow,
        options.onProblem,
        opened.cipher,
      );
      // A new database where a birth record says one was made before: discarded outside Engram.
      const birth = await readBirth(name);
      if (created && birth) store.discarded = birth;
      if (created || !birth)
        await writeBirth(name, { createdAt: new Date(options.now ?? Date.now()).toISOString() });
      return store;
    } catch (e) {
      db.close();
      throw storeError(e);
    }
  }

  /** Deletes the whole database `name` (all memories, vectors and the log). */
  static async destroy(name: string): Promise<void> {
    await deleteDB(name);
    await removeBirth(name);
  }

  /** The meta record as of the last read or write. */
  get meta(): MetaRecord {
    return this.metaCache;
  }

  /** True when the store is encrypted. */
  get encrypted(): boolean {
    return this.cipher !== undefined;
  }

  /**
   * Seals a text under the data key (an encrypted export's lines, sync documents), bound to
   * `where`; `iv` only as `RecordCipher.seal` allows (default random).
   * @returns base64 of the seal
   * @throws `NotEncrypted` when the store is not encrypted
   */
  sealText(text: string, where: string, iv?: Uint8Array<ArrayBuffer>): Promise<string> {
    if (!this.cipher) throw new EngramError('NotEncrypted', 'This store is not encrypted');
    return this.cipher.sealText(text, where, iv);
  }

  /**
   * The text of a {@link sealText} output made for `where`.
   * @throws `CorruptStore` when it does not open (another key, another place, damaged);
   *   `NotEncrypted` when the store is not encrypted
   */
  async openText(b64: string, where: string): Promise<string> {
    if (!this.cipher) throw new EngramError('NotEncrypted', 'This store is not encrypted');
    try {
      return await this.cipher.openText(b64, where);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'CorruptStore') throw e;
      throw new EngramError('CorruptStore', `A sealed text (${where}) is unreadable`, { cause: e });
    }
  }

  /** The wrapped data key of an encrypted store (as in its meta record). */
  get encryptionHeader(): EncryptionHeader | undefined {
    return this.metaCache.encryption;
  }

  /**
   * Wraps the data key under another secret and stores the new header in the meta record;
   * no other record changes. Call under the write lock.
   * @throws `NotEncrypted` when the store is not encrypted; `WrongKey` when `old` does not open it
   */
  async changeSecret(old: EncryptionSecret, next: EncryptionSecret): Promise<void> {
    this.assertOpen();
    const header = this.metaCache.encryption;
    if (!header || !this.cipher)
      throw new EngramError('NotEncrypted', 'This store is not encrypted');
    const rewrapped = await rewrapDataKey(header, old, next);
    const tx = this.db.transaction('meta', 'readwrite');
    try {
      const meta = await tx.store.get('meta');
      if (!meta?.encryption || meta.encryption.wrappedKey !== header.wrappedKey)
        throw new EngramError('StorageError', 'the key header changed meanwhile; nothing written');
      const next: MetaRecord = { ...meta, encryption: rewrapped };
      await Promise.all([tx.store.put(next), tx.done]);
      this.metaCache = this.known = next;
    } catch (e) {
      abortQuietly(tx);
      throw storeError(e);
    }
  }

  /**
   * The meta record as this store last read or wrote it (slots reserved since not counted):
   * what a write that does not read the log first expects to find stored (see {@link commit}).
   */
  get knownMeta(): MetaRecord {
    return this.known;
  }

  /** Re-reads the meta record (another tab may have written). */
  async refreshMeta(): Promise<MetaRecord> {
    this.assertOpen();
    const meta = await this.db
      .get('meta', 'meta')
      .catch((e: unknown) => Promise.reject(fromStorageError(e)));
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    this.metaCache = this.known = meta;
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
      const [meta, memories, versions, links, blockKeys, storedBlocks, tailKeys, tail, lexical] =
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
      this.metaCache = this.known = meta;
      const blocks = await Promise.all(storedBlocks.map(bytesOf));
      const c = this.cipher;
      const records = c
        ? await c.openDerived({ memories, versions, links, lexical }, this.unopened)
        : undefined;
      const [plainBlocks, plainTail] = c
        ? await Promise.all([
            Promise.all(
              blocks.map((b, i) =>
                c.openVectors(meta, blockKeys[i]! * meta.blockRows, meta.blockRows, b),
              ),
            ),
            Promise.all(tail.map((r, i) => c.openVectors(meta, tailKeys[i]!, 1, r))),
          ])
        : [blocks, tail];
      const { vectors, unreadable } = assembleVectors(
        meta,
        blockKeys,
        plainBlocks,
        tailKeys,
        plainTail,
      );
      if (unreadable.length) {
        const rows = await vectorsFromLogFor(this.db, meta, unreadable, this.onProblem, c);
        for (const [slot, row] of rows) vectors.set(row, slot * meta.dim);
      }
      return { meta, ...(records ?? { memories, versions, links, lexical }), vectors };
    } catch (e) {
      throw storeError(e);
    }
  }

  /**
   * Reads the vector rows block by block, in slot order, handing each to `sink` as it arrives
   * (no `nextSlot × dim` matrix is assembled: opening a 100k × 384 store would copy 154 MB
   * twice). Every read is issued at once in one transaction; `sink` may be async.
   * @param sink - gets `(firstSlot, rows)`, rows row-major; slots skipped (never written) are zero
   * @param phases - gets `vector blocks in`: ms until every block's bytes were handed over
   * @returns the meta record the rows belong to
   */
  async streamVectors(
    sink: (first: number, rows: Float32Array) => Promise<void> | void,
    phases?: Record<string, number>,
  ): Promise<MetaRecord> {
    this.metaCache = this.known = await this.streamRows(sink, phases);
    return this.metaCache;
  }

  /**
   * {@link MemoryStore.streamVectors} without taking the meta record it read as the store's
   * own: for rows read after the open (an index staged from its stored lists, in the
   * background), when writes may have moved the meta on meanwhile.
   * @param sink - as for {@link MemoryStore.streamVectors}
   * @param phases - as for {@link MemoryStore.streamVectors}
   * @returns the meta record the rows belong to
   */
  async streamRows(
    sink: (first: number, rows: Float32Array) => Promise<void> | void,
    phases?: Record<string, number>,
  ): Promise<MetaRecord> {
    this.assertOpen();
    const older: number[] = [];
    const meta = await streamVectors(this.db, sink, this.onProblem, this.cipher, phases, older);
    this.blocksAsArrayBuffers = older.sort((a, b) => a - b);
    return meta;
  }

  /** Vector blocks the last {@link MemoryStore.streamVectors} found stored as ArrayBuffers. */
  private blocksAsArrayBuffers: number[] = [];

  /** How many vector blocks are still stored as ArrayBuffers (as far as the last open saw). */
  get olderBlocks(): number {
    return this.blocksAsArrayBuffers.length;
  }

  /**
   * Rewrites the vector blocks the last open found stored as ArrayBuffers (a store written
   * before schema 6) as Blobs, a block per transaction and per task (see `storeBlocksAsBlobs`).
   * @param signal - stops it between two blocks (the rest is left for a later call)
   * @returns how many blocks were rewritten
   */
  async storeOlderBlocksAsBlobs(signal?: AbortSignal): Promise<number> {
    this.assertOpen();
    const keys = this.blocksAsArrayBuffers;
    const left = await storeBlocksAsBlobs(this.db, keys, signal);
    this.blocksAsArrayBuffers = left;
    return keys.length - left.length;
  }

  /**
   * The stored checkpoint (see `checkpoint.ts`), or undefined when there is none or it is torn.
   * @param phases - gets the milliseconds of its read, hash check and parse
   * @param after - its bytes are read once it has settled (a large read that goes first)
   */
  async readCheckpoint(
    phases?: Record<string, number>,
    after?: Promise<unknown>,
  ): Promise<{ seq: number; data: DecodedCheckpoint } | undefined> {
    this.assertOpen();
    return readCheckpoint(
      this.db,
      (why) => this.onProblem?.(`engram: the stored checkpoint is not used: ${why}`),
      phases,
      this.cipher,
      after,
    );
  }

  /**
   * The vector index's stored layout (see `index-layout-io.ts`), or undefined when there is none,
   * it belongs to another log, or the store is encrypted (none is kept there).
   */
  async readIndexLayout(): Promise<IndexLayout | undefined> {
    this.assertOpen();
    if (this.cipher) return undefined;
    return readIndexLayout(this.db, (why) => this.onProblem?.(`engram: ${why}; not used`));
  }

  /**
   * Keeps the vector index's layout beside the checkpoint (not in an encrypted store: its
   * centroids are averages of the vectors).
   * @param layout - the index's trained lists
   * @param codes - their int8 codes (copied before this first awaits)
   */
  async writeIndexLayout(layout: IndexLayout, codes?: CodesToStore): Promise<void> {
    this.assertOpen();
    if (this.cipher) return;
    await writeIndexLayout(this.db, layout, codes);
  }

  /**
   * The bytes of a stored layout's codes, or undefined when they are damaged or unreadable
   * (told to `onProblem`).
   * @param codes - the `codes` of a layout {@link MemoryStore.readIndexLayout} gave
   */
  async readLayoutCodes(codes: StoredCodes): Promise<Uint8Array<ArrayBuffer> | undefined> {
    this.assertOpen();
    return readLayoutCodes(codes, (why) => this.onProblem?.(`engram: ${why}; not used`));
  }

  /**
   * Takes a checkpoint of the derived records (memories, versions, links, lexical rows), read
   * in ONE transaction so that it matches the log position it records exactly, in slices (see
   * `CheckpointPace`).
   * @param pace - slice size, abort signal, slice hook
   * @returns the log position it reflects
   */
  async checkpoint(pace?: CheckpointPace): Promise<number> {
    this.assertOpen();
    return writeCheckpoint(this.db, this.cipher, 3, pace);
  }

  /**
   * Reads what is stored of some memories: current versions (missing ids left
   * out), past versions and links from them, and the lexical rows of their current versions
   * (none while the lexical rows are dropped, `MetaRecord.lexicalDropped`: they may be stale
   * then), all in one transaction.
   */
  async readMemories(ids: readonly string[]): Promise<{
    memories: MemoryRecord[];
    versions: MemoryRecord[];
    links: LinkRecord[];
    lexical: LexicalRow[];
  }> {
    this.assertOpen();
    const tx = this.db.transaction(
      ['meta', 'memories', 'versions', 'links', 'lexical'],
      'readonly',
    );
    const range = (id: string) => IDBKeyRange.bound([id], [id, []]);
    const [meta, found, versions, links, rows] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      Promise.all(ids.map((id) => tx.objectStore('memories').get(id))),
      Promise.all(ids.map((id) => tx.objectStore('versions').getAll(range(id)))),
      Promise.all(ids.map((id) => tx.objectStore('links').getAll(range(id)))),
      Promise.all(ids.map((id) => tx.objectStore('lexical').get(id))),
      tx.done,
    ]);
    const read = {
      memories: found.filter((m): m is MemoryRecord => m !== undefined),
      versions: versions.flat(),
      links: links.flat(),
      lexical: meta?.lexicalDropped ? [] : rows.filter((r): r is LexicalRow => r !== undefined),
    };
    if (!this.cipher) return read;
    return this.cipher.openDerived(read, this.unopened);
  }

  /**
   * Events with seq greater than `afterSeq`, oldest first.
   * @param check - for checking the chain: in an encrypted store, an event whose payload does
   *   not open gets an empty one (whose hash does not match) instead of throwing `CorruptStore`
   */
  async eventsSince(afterSeq: number, check = false): Promise<EventRecord[]> {
    this.assertOpen();
    const events = await this.db.getAll('events', IDBKeyRange.lowerBound(afterSeq, true));
    const c = this.cipher;
    if (!c || !check) return this.openEvents(events);
    return Promise.all(events.map((e) => c.openEvent(e).catch(() => ({ ...e, payload: {} }))));
  }

  /** Told about a derived record of an encrypted store that does not open (it is left out). */
  private readonly unopened = (why: string): void =>
    this.onProblem?.(`engram: ${why}: left out (verify() reports it, rebuild() rewrites it)`);

  /** Events of one memory, oldest first. */
  async eventsFor(memoryId: string): Promise<EventRecord[]> {
    this.assertOpen();
    const events = await this.db.getAllFromIndex('events', 'memoryId', memoryId);
    return this.openEvents(events.sort((a, b) => a.seq - b.seq));
  }

  /** Events as stored, with their payloads opened in an encrypted store. */
  private openEvents(events: EventRecord[]): Promise<EventRecord[]> | EventRecord[] {
    const c = this.cipher;
    return c ? Promise.all(events.map((e) => c.openEvent(e))) : events;
  }

  /** Reads vectors of given slots (from blocks or the tail). */
  async readVectors(slots: readonly number[]): Promise<Map<number, Float32Array>> {
    this.assertOpen();
    return readVectors(this.db, this.metaCache, slots, this.onProblem, this.cipher);
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
   * @param expect - the meta record as it must still be stored (see {@link knownMeta}), for a
   *   write planned without reading the log first; else only its `lastSeq` is checked. A
   *   mismatch rejects with a `logMoved` error (see `commit.ts`)
   * @returns the logged events with their seq and hash
   */
  async commit(change: ChangeSet, expect?: MetaRecord): Promise<EventRecord[]> {
    this.assertOpen();
    const base = this.metaCache;
    try {
      const { events, meta } = await commitChange(this.db, base, change, this.cipher, expect).catch(
        async (e: unknown) => {
          if (!change.erase || !isEngramError(e, 'QuotaExceeded')) throw e;
          // Over quota, the browser runs no transaction that writes: free the lexical cache
          // (a transaction that only deletes), then erase with the cache marked dropped.
          await dropLexicalCache(this.db);
          this.onProblem?.('engram: storage quota exceeded: lexical rows dropped to erase');
          return commitChange(
            this.db,
            { ...base, lexicalDropped: true },
            change,
            this.cipher,
            expect,
          );
        },
      );
      this.metaCache = this.known = meta;
      return events;
    } catch (e) {
      this.metaCache = { ...base };
      throw e;
    }
  }

  /** True while the lexical rows are dropped (see `MetaRecord.lexicalDropped`). */
  get lexicalDropped(): boolean {
    return this.metaCache.lexicalDropped === true;
  }

  /**
   * Writes back every lexical row dropped by an erasure over quota, in one transaction.
   * @throws `QuotaExceeded` when there is still no room (nothing changes)
   */
  async restoreLexical(): Promise<void> {
    this.assertOpen();
    this.metaCache = this.known = await restoreLexicalRows(this.db, this.lexicalRow, this.cipher);
  }

  /**
   * Replaces every derived store (memories, versions, vectors, links, lexical
   * rows) with `state` in one transaction, e.g. after a rebuild from the log.
   * @param state - the derived contents
   * @param nextSlot - next free vector slot
   * @param options - `newEpoch`: bump `meta.derivedEpoch`, so other tabs reload everything
   */
  async replaceDerived(
    state: DerivedState,
    nextSlot: number,
    options: { newEpoch?: boolean } = {},
  ): Promise<void> {
    this.assertOpen();
    const base = lexicalKept(this.metaCache);
    const epoch = options.newEpoch ? { derivedEpoch: (base.derivedEpoch ?? 0) + 1 } : {};
    const meta: MetaRecord = { ...base, nextSlot, ...epoch };
    await replaceDerived(this.db, meta, state, this.lexicalRow, this.cipher);
    this.metaCache = this.known = meta;
  }

  /**
   * Appends log events exactly as given (seq and hashes included), with the
   * derived state they produce; for importing into an empty store.
   * @throws `NotEmpty` when the store is not empty
   */
  async importLog(events: EventRecord[], state: DerivedState, nextSlot: number): Promise<void> {
    this.assertOpen();
    const last = events[events.length - 1];
    const { trust: _none, ...rest } = lexicalKept(this.metaCache);
    // An empty store's trust evidence is what the imported log carries.
    const trust = tallyEvidence(undefined, events);
    const meta: MetaRecord = {
      ...rest,
      nextSlot,
      lastSeq: last?.seq ?? 0,
      lastHash: last?.hash ?? '',
      ...(trust ? { trust } : {}),
    };
    await importLog(this.db, meta, events, state, this.lexicalRow, this.cipher);
    this.metaCache = this.known = meta;
  }

  /** Removes every memory, vector and event; keeps the embedder identity. */
  async clear(): Promise<void> {
    this.assertOpen();
    const { trust: _gone, ...rest } = lexicalKept(this.metaCache);
    const meta: MetaRecord = { ...rest, nextSlot: 0, lastSeq: 0, lastHash: '' };
    if (meta.encryption) {
      // Another tab may have changed the passphrase: keep the key header as stored now.
      const stored = await this.db.get('meta', 'meta').catch(() => undefined);
      if (stored?.encryption) meta.encryption = stored.encryption;
    }
    await clearAll(this.db, meta);
    this.metaCache = this.known = meta;
  }

  /**
   * Every record of every store, in one readonly transaction (for `verify()`): as stored, or in
   * an encrypted store opened where it opens (a record that does not is left as stored, so
   * `verify()` reports it).
   */
  async readContents(): Promise<StoredContents> {
    this.assertOpen();
    const contents = await readContents(this.db);
    return this.cipher ? openContents(this.cipher, contents) : contents;
  }

  /** Every record of every store, for tests and audits (raw dump; a Blob value as its bytes). */
  async dump(): Promise<Record<string, unknown[]>> {
    this.assertOpen();
    const out: Record<string, unknown[]> = {};
    // Blob values (vector blocks, checkpoint chunks) as the bytes they hold.
    for (const s of STORE_NAMES) out[s] = await Promise.all((await this.db.getAll(s)).map(bytesOf));
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

/** The meta record of a new, empty store. */
function newMeta(identity: StoreIdentity, options: StoreOpenOptions): MetaRecord {
  return {
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
}

/**
 * Meta for a database that exists without one (new databases get theirs in the upgrade):
 * created when the database is empty, in ONE readwrite transaction that reads before it
 * writes, so of two tabs doing this at once the second sees the first's record.
 * @throws EngramError `CorruptStore` when it holds memories or events but no meta record
 */
async function createMissingMeta(
  db: IDBPDatabase<EngramDB>,
  name: string,
  identity: StoreIdentity,
  options: StoreOpenOptions,
): Promise<MetaRecord> {
  const tx = db.transaction(['meta', 'memories', 'events'], 'readwrite');
  try {
    const [stored, memories, events] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('memories').count(),
      tx.objectStore('events').count(),
    ]);
    if (stored) return stored;
    if (memories > 0 || events > 0)
      throw new EngramError('CorruptStore', `Store "${name}" has memories but no meta record`);
    const meta = newMeta(identity, options);
    await Promise.all([tx.objectStore('meta').put(meta), tx.done]);
    return meta;
  } catch (e) {
    abortQuietly(tx);
    throw e;
  }
}

/**
 * The record cipher of a store opened with or without a secret, after checking they agree:
 * an encrypted store needs its secret; a store without encryption gets it only while empty
 * (its data key and header are then made and stored, in one transaction that checks it still
 * is empty and has no header: of two tabs doing this at once, the second uses the first's).
 * @returns the cipher (undefined for an unencrypted store) and the meta record now stored
 */
async function openCipher(
  db: IDBPDatabase<EngramDB>,
  name: string,
  meta: MetaRecord,
  secret: EncryptionSecret | undefined,
  adopt?: StoreOpenOptions['adoptKey'],
): Promise<{ cipher: RecordCipher | undefined; meta: MetaRecord }> {
  if (secret === undefined) {
    if (meta.encryption)
      throw new EngramError('Encrypted', `Store "${name}" is encrypted: pass encryption`);
    return { cipher: undefined, meta };
  }
  checkSecret(secret);
  const taken = adopt && (await takeKey(db, adopt));
  if (taken) return taken;
  if (meta.encryption)
    return { cipher: new RecordCipher(await unwrapDataKey(meta.encryption, secret)), meta };
  const created = await createDataKey(secret);
  const tx = db.transaction(['meta', 'memories', 'events'], 'readwrite');
  try {
    const [now, memories] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('memories').count(),
    ]);
    if (!now) throw new EngramError('CorruptStore', 'meta record vanished');
    if (now.encryption) {
      await tx.done;
      return { cipher: new RecordCipher(await unwrapDataKey(now.encryption, secret)), meta: now };
    }
    if (now.lastSeq > 0 || memories > 0)
      throw new EngramError(
        'NotEncrypted',
        `Store "${name}" holds unencrypted memories: encryption is only set up on an empty store`,
      );
    const next: MetaRecord = { ...now, encryption: created.header };
    await Promise.all([tx.objectStore('meta').put(next), tx.done]);
    return { cipher: new RecordCipher(created.dataKey), meta: next };
  } catch (e) {
    abortQuietly(tx);
    throw e;
  }
}

/**
 * Sets an empty store up with a given data key (replacing a key it was set up with while
 * empty), in one transaction that checks it is empty; a store under that key opens with it.
 * @returns undefined when the store holds records (it opens as it is)
 */
async function takeKey(
  db: IDBPDatabase<EngramDB>,
  adopt: NonNullable<StoreOpenOptions['adoptKey']>,
): Promise<{ cipher: RecordCipher; meta: MetaRecord } | undefined> {
  const tx = db.transaction(['meta', 'memories'], 'readwrite');
  try {
    const [now, memories] = await Promise.all([
      tx.objectStore('meta').get('meta'),
      tx.objectStore('memories').count(),
    ]);
    if (!now) throw new EngramError('CorruptStore', 'meta record vanished');
    if (now.encryption?.wrappedKey === adopt.header.wrappedKey) {
      await tx.done;
      return { cipher: new RecordCipher(adopt.dataKey), meta: now };
    }
    if (now.lastSeq > 0 || memories > 0) {
      await tx.done;
      return undefined;
    }
    const next: MetaRecord = { ...now, encryption: adopt.header };
    await Promise.all([tx.objectStore('meta').put(next), tx.done]);
    return { cipher: new RecordCipher(adopt.dataKey), meta: next };
  } catch (e) {
    abortQuietly(tx);
    throw e;
  }
}
