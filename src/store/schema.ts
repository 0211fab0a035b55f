import {
  unwrap,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import { migrateV1toV2 } from './migrate-v1';
import type { CheckpointHead } from './checkpoint';
import type { StoredIndexLayout } from './index-layout-io';
import type {
  EventRecord,
  LexicalRow,
  LexicalRowOf,
  LinkRecord,
  MemoryRecord,
  MetaRecord,
} from './records';

/** Current IndexedDB schema version. Bump it and add a step to {@link MIGRATIONS}. */
export const SCHEMA_VERSION = 6;

/** Typed layout of an Engram database (a wrong store name is a compile error). */
export interface EngramDB extends DBSchema {
  meta: { key: 'meta'; value: MetaRecord };
  /** Current versions of memories, keyed by id (no indexes since v5). */
  memories: { key: string; value: MemoryRecord };
  /** Past versions of memories, keyed [id, version]. */
  versions: { key: [string, number]; value: MemoryRecord };
  /**
   * Sealed vector blocks: `blockRows × dim` float32 rows per record, keyed by block number; a
   * Blob (an ArrayBuffer in stores written before, see `stored-bytes.ts`).
   */
  vectorBlocks: { key: number; value: Blob | ArrayBuffer };
  /** Rows of the block being filled, keyed by slot; moved into a block once it is full. */
  vectorTail: { key: number; value: ArrayBuffer };
  events: { key: number; value: EventRecord; indexes: { memoryId: string } };
  /** Links between memories, one record per direction, keyed [from, to] (since v2). */
  links: { key: [string, string]; value: LinkRecord };
  /** Lexical index: analysed terms and stage data of every active memory, keyed by id (since v3). */
  lexical: { key: string; value: LexicalRow };
  /**
   * A checkpoint of the derived records for fast opening: head at key -1, chunks at 0..
   * (since v4; JSON text in format 2, column bytes in format 3, sealed bytes in an encrypted
   * store; bytes as a Blob, an ArrayBuffer in stores written before: `stored-bytes.ts`); the
   * vector index's trained layout at -2 (`index-layout-io.ts`).
   */
  checkpoints: {
    key: number;
    value: CheckpointHead | string | Blob | ArrayBuffer | StoredIndexLayout;
  };
}

/** Every object store, in the order a raw dump lists them. */
export const STORE_NAMES: StoreNames<EngramDB>[] = [
  'meta',
  'memories',
  'versions',
  'vectorBlocks',
  'vectorTail',
  'events',
  'links',
  'lexical',
  'checkpoints',
];

/** Stores derived from the event log (rebuilt by `rebuild()`). */
export const DERIVED_STORES = [
  'memories',
  'versions',
  'vectorBlocks',
  'vectorTail',
  'links',
  'lexical',
  'checkpoints',
] as const satisfies readonly StoreNames<EngramDB>[];

/** The `versionchange` transaction a migration runs in. */
export type UpgradeTx = IDBPTransaction<EngramDB, StoreNames<EngramDB>[], 'versionchange'>;

/** What migrations may need from outside the store. */
export interface MigrationContext {
  /** The analysis of a memory into its lexical row (the store does not know the analyzer). */
  lexicalRow: LexicalRowOf;
}

/**
 * Migrations: entry `i` upgrades a database from version `i` to `i + 1`.
 * They run inside the `versionchange` transaction (waiting on nothing but
 * IndexedDB), so a failed upgrade leaves the old database untouched.
 */
export const MIGRATIONS: ((
  db: IDBPDatabase<EngramDB>,
  tx: UpgradeTx,
  ctx: MigrationContext,
) => Promise<void>)[] = [
  // 0 → 1: the initial layout.
  async (db) => {
    db.createObjectStore('meta', { keyPath: 'key' });
    // Up to v4 `memories` also had a unique `slot` and a `userId` index (step 4 → 5 drops them
    // from older databases; a new one never gets them).
    db.createObjectStore('memories', { keyPath: 'id' });
    db.createObjectStore('versions', { keyPath: ['id', 'version'] });
    db.createObjectStore('vectorBlocks');
    db.createObjectStore('vectorTail');
    const events = db.createObjectStore('events', { keyPath: 'seq' });
    events.createIndex('memoryId', 'memoryId');
  },
  // 1 → 2: links store; bi-temporal and forgetting fields; events carry their
  // payload (with the vector) and are chained over its hash.
  async (db, tx) => {
    db.createObjectStore('links', { keyPath: ['from', 'to'] });
    await migrateV1toV2(tx);
  },
  // 2 → 3: the lexical index (BM25 term counts per active memory), built from the memories.
  async (db, tx, { lexicalRow }) => {
    db.createObjectStore('lexical', { keyPath: 'id' });
    const rows = (await tx.objectStore('memories').getAll()).flatMap((m) => lexicalRow(m) ?? []);
    await Promise.all(rows.map((r) => tx.objectStore('lexical').put(r)));
  },
  // 3 → 4: checkpoints of the derived records (written later, at close).
  async (db) => {
    db.createObjectStore('checkpoints');
  },
  // 4 → 5: the memories' `slot` and `userId` indexes go. Nothing reads them, and every memory
  // put (3–4 per add()) also wrote both index entries and looked up the unique one. Records
  // are untouched.
  async (_db, tx) => {
    const memories = unwrap(tx).objectStore('memories');
    for (const index of ['slot', 'userId'])
      if (memories.indexNames.contains(index)) memories.deleteIndex(index);
  },
  // 5 → 6: vector blocks and checkpoint chunks are written as Blobs from now on
  // (`stored-bytes.ts`). Those stored before stay ArrayBuffers and are read as they are, so
  // nothing is rewritten; the step is there so that an Engram from before, which would take a
  // Blob block for a damaged one, refuses the store (`SchemaTooNew`) instead.
  async () => {},
];
