// A version-4 database (the layout before the memories' `slot` and `userId` indexes were dropped)
// opens under schema 5: its records are copied byte for byte from a store with a varied history
// into a database made with the v4 layout by hand; the migration drops the two indexes and
// leaves every record as it was (memories, versions, vectors, links, lexical rows, events,
// checkpoint), and the store answers as before.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a v4 store migrates to v5 (and on to v6): the memory indexes go, every record and answer is kept', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = 1_700_000_000_000;
    const opts = {
      blockRows: 4,
      clock: () => now,
      linkThreshold: 0.3,
      checkpoint: { minMemories: 1, minEvents: 1 },
    };
    const req = <T>(r: IDBRequest<T>) =>
      new Promise<T>(
        (ok, fail) => ((r.onsuccess = () => ok(r.result)), (r.onerror = () => fail(r.error))),
      );
    const openRaw = (name: string) => req(indexedDB.open(name));
    const STORES = [
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
    /** Every store's keys and values, as IndexedDB holds them. */
    async function rawDump(name: string) {
      const db = await openRaw(name);
      const tx = db.transaction(STORES, 'readonly');
      const out: Record<string, { keys: IDBValidKey[]; values: unknown[] }> = {};
      for (const s of STORES)
        out[s] = {
          keys: await req(tx.objectStore(s).getAllKeys()),
          values: await req(tx.objectStore(s).getAll()),
        };
      const indexes = [...tx.objectStore('memories').indexNames];
      const eventIndexes = [...tx.objectStore('events').indexNames];
      db.close();
      return { out, version: db.version, indexes, eventIndexes };
    }
    const answers = async (e: Awaited<ReturnType<typeof f.openEngine>>, ids: string[]) => ({
      all: (await e.getAll({ userId: 'ada' })).results.map((m) => [m.id, m.memory, m.version]),
      history: await Promise.all(
        ids.map(async (id) => (await e.history(id)).map((h) => [h.event, h.newMemory])),
      ),
      search: (await e.search('where do I live', { userId: 'ada', reinforce: false })).results.map(
        (m) => [m.id, m.score],
      ),
      log: await e.verifyLog(),
      verify: (await e.verify()).ok,
    });

    // The source: a store with a varied history and a checkpoint, written by this version.
    const source = f.uniqueName('v5src');
    const e = await f.openEngine(source, opts);
    const ids = Object.values(await f.buildHistory(e, () => (now += 3_600_000)));
    await e.close(); // writes the checkpoint
    const e1 = await f.openEngine(source, opts);
    const before = await answers(e1, ids);
    await e1.close();
    const src = await rawDump(source);

    // The same records in a database of the v4 layout, made by hand.
    const old = f.uniqueName('v4');
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open(old, 4);
      open.onupgradeneeded = () => {
        const db = open.result;
        db.createObjectStore('meta', { keyPath: 'key' });
        const m = db.createObjectStore('memories', { keyPath: 'id' });
        m.createIndex('slot', 'slot', { unique: true });
        m.createIndex('userId', 'userId');
        db.createObjectStore('versions', { keyPath: ['id', 'version'] });
        db.createObjectStore('vectorBlocks');
        db.createObjectStore('vectorTail');
        db.createObjectStore('events', { keyPath: 'seq' }).createIndex('memoryId', 'memoryId');
        db.createObjectStore('links', { keyPath: ['from', 'to'] });
        db.createObjectStore('lexical', { keyPath: 'id' });
        db.createObjectStore('checkpoints');
      };
      open.onsuccess = () => {
        const db = open.result;
        const tx = db.transaction(STORES, 'readwrite');
        for (const s of STORES) {
          const store = tx.objectStore(s);
          const { keys, values } = src.out[s]!;
          values.forEach((v, i) => (store.keyPath === null ? store.put(v, keys[i]) : store.put(v)));
        }
        tx.oncomplete = () => (db.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
      open.onerror = () => reject(open.error);
    });
    const v4 = await rawDump(old);

    const e2 = await f.openEngine(old, opts);
    const after = await answers(e2, ids);
    await e2.close();
    const migrated = await rawDump(old);
    const e3 = await f.openEngine(old, opts);
    const again = await answers(e3, ids);
    await e3.close();
    return {
      srcVersion: src.version,
      srcIndexes: src.indexes,
      v4Version: v4.version,
      v4Indexes: v4.indexes,
      migratedVersion: migrated.version,
      migratedIndexes: migrated.indexes,
      eventIndexes: migrated.eventIndexes,
      sameAsV4:
        f.dumpJson(
          Object.fromEntries(Object.entries(v4.out).map(([k, v]) => [k, [v.keys, v.values]])),
        ) ===
        f.dumpJson(
          Object.fromEntries(Object.entries(migrated.out).map(([k, v]) => [k, [v.keys, v.values]])),
        ),
      counts: Object.fromEntries(Object.entries(migrated.out).map(([k, v]) => [k, v.keys.length])),
      before,
      after,
      again,
    };
  }, FIXTURE);
  expect(r.srcVersion).toBe(6);
  expect(r.srcIndexes).toEqual([]);
  expect(r.v4Version).toBe(4);
  expect(r.v4Indexes).toEqual(['slot', 'userId']);
  expect(r.migratedVersion).toBe(6);
  expect(r.migratedIndexes).toEqual([]);
  expect(r.eventIndexes).toEqual(['memoryId']);
  // Every record as it was, in every store (the history reached them all).
  expect(r.sameAsV4).toBe(true);
  for (const s of [
    'memories',
    'versions',
    'vectorBlocks',
    'vectorTail',
    'events',
    'links',
    'lexical',
    'checkpoints',
  ])
    expect(r.counts[s], s).toBeGreaterThan(0);
  // The same answers before, after the migration, and after reopening.
  expect(r.before.log.ok).toBe(true);
  expect(r.before.verify).toBe(true);
  expect(r.before.all.length).toBeGreaterThan(2);
  expect(r.after).toEqual(r.before);
  expect(r.again).toEqual(r.before);
});
