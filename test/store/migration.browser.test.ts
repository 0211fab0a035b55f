// A version-1 database, written here by hand in the old layout, opens under
// schema 2: memories, versions, vectors and history are kept; events now carry
// payloads (with vectors) chained over their hashes; the old chain's check is kept.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a v1 store migrates to v2 and keeps its memories, versions, vectors and history', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { canonicalJson, sha256Hex } =
      await importSrc<typeof import('../../src/store/event-log')>('/src/store/event-log.ts');
    const { HashEmbedder } = await importSrc<typeof import('../../src/embed/hash-embedder')>(
      '/src/embed/hash-embedder.ts',
    );
    const texts = [
      'I live in Berlin',
      'I live in Paris',
      'Bob sails',
      'I have a cat',
      'I like tea',
    ];
    const vectors = await new HashEmbedder({ dim: 64 }).embed(texts);

    /** Writes the v1 layout (schema 1, events with before/after) by hand. */
    async function writeV1(name: string, tamper: boolean) {
      const rec = (id: string, text: string, slot: number, t: number, extra = {}) => ({
        id,
        text,
        metadata: {},
        userId: 'ada',
        createdAt: t,
        updatedAt: t,
        version: 1,
        state: 'active',
        slot,
        ...extra,
      });
      const A1 = rec('A', texts[0]!, 0, 1000);
      const A2 = { ...A1, text: texts[1]!, updatedAt: 3000, version: 2, slot: 1 };
      const B1 = rec('B', texts[2]!, 2, 2000);
      const Bdel = { ...B1, state: 'deleted', updatedAt: 4000 };
      const C1 = rec('C', texts[3]!, 3, 5000);
      const D1 = rec('D', texts[4]!, 4, 6000);
      const raw = [
        { type: 'memory.added', memoryId: 'A', at: 1000, after: A1 },
        { type: 'memory.added', memoryId: 'B', at: 2000, after: B1 },
        { type: 'memory.updated', memoryId: 'A', at: 3000, before: A1, after: A2 },
        { type: 'memory.deleted', memoryId: 'B', at: 4000, before: B1, after: Bdel },
        { type: 'memory.added', memoryId: 'C', at: 5000, after: C1 },
        { type: 'memory.added', memoryId: 'D', at: 6000, after: D1 },
      ];
      const events: Record<string, unknown>[] = [];
      let prevHash = '';
      for (const [i, e] of raw.entries()) {
        const unhashed = { ...e, actor: 'api', seq: i + 1, prevHash };
        const hash = await sha256Hex(canonicalJson(unhashed));
        events.push({ ...unhashed, hash });
        prevHash = hash;
      }
      if (tamper) events[1]!.after = { ...B1, text: 'Bob sails (forged)' };
      const block = (a: number, b: number) => {
        const out = new Float32Array(128);
        out.set(vectors[a]!, 0);
        out.set(vectors[b]!, 64);
        return out.buffer;
      };
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name, 1);
        req.onupgradeneeded = () => {
          const db = req.result;
          db.createObjectStore('meta', { keyPath: 'key' });
          const m = db.createObjectStore('memories', { keyPath: 'id' });
          m.createIndex('slot', 'slot', { unique: true });
          m.createIndex('userId', 'userId');
          db.createObjectStore('versions', { keyPath: ['id', 'version'] });
          db.createObjectStore('vectorBlocks');
          db.createObjectStore('vectorTail');
          db.createObjectStore('events', { keyPath: 'seq' }).createIndex('memoryId', 'memoryId');
        };
        req.onsuccess = () => {
          const db = req.result;
          const tx = db.transaction(db.objectStoreNames, 'readwrite');
          tx.objectStore('meta').put({
            key: 'meta',
            schemaVersion: 1,
            embedderId: 'hash-64',
            dim: 64,
            blockRows: 2,
            nextSlot: 5,
            lastSeq: 6,
            lastHash: prevHash,
            createdAt: 1000,
          });
          for (const m of [A2, Bdel, C1, D1]) tx.objectStore('memories').put(m);
          tx.objectStore('versions').put(A1);
          tx.objectStore('vectorBlocks').put(block(0, 1), 0);
          tx.objectStore('vectorBlocks').put(block(2, 3), 1);
          tx.objectStore('vectorTail').put(vectors[4]!.slice().buffer, 4);
          for (const e of events) tx.objectStore('events').put(e);
          tx.oncomplete = () => (db.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
        req.onerror = () => reject(req.error);
      });
    }

    const name = f.uniqueName('v1');
    await writeV1(name, false);
    const e = await f.openEngine(name, { clock: () => 10_000 });
    const all = (await e.getAll()).results.map((m) => [m.id, m.memory, m.version, m.validFrom]);
    const historyA = (await e.history('A')).map((h) => [h.event, h.previousMemory, h.newMemory]);
    const historyB = (await e.history('B')).map((h) => [h.event, h.newMemory]);
    const deleted = await e.get('B').catch((x: { code: string }) => x.code);
    const log = await e.verifyLog();
    const q = { userId: 'ada', limit: 1, reinforce: false } as const;
    const now = (await e.search('I live in Berlin', q)).results[0]!;
    const then = (await e.search('I live in Berlin', { ...q, asOf: 2000 })).results[0]!;
    const dump = await e.dump();
    await e.close();
    const again = await f.openEngine(name, { clock: () => 10_000 });
    const reopened = (await again.getAll()).results.map((m) => m.id);
    const logAgain = await again.verifyLog();
    await again.close();

    const tampered = f.uniqueName('v1t');
    await writeV1(tampered, true);
    const t = await f.openEngine(tampered);
    const tMeta = ((await t.dump()).meta![0] as { migratedFrom: unknown }).migratedFrom;
    const tAll = (await t.getAll()).results.length;
    const tLog = await t.verifyLog();
    await t.close();

    type Ev = import('../../src/store/records').EventRecord;
    type Rec = import('../../src/store/records').MemoryRecord;
    const events = dump.events as Ev[];
    const added = events[0]!.payload as { vector: ArrayBuffer };
    return {
      all,
      historyA,
      historyB,
      deleted,
      log,
      now: [now.memory, now.superseded ?? false],
      then: [then.memory, then.superseded ?? false],
      meta: dump.meta![0],
      stores: Object.keys(dump),
      pastVersion: dump.versions![0] as Rec,
      eventKeys: Object.keys(events[2]!).sort(),
      payloadKeys: Object.keys(events[2]!.payload).sort(),
      vectorSame:
        JSON.stringify(Array.from(new Float32Array(added.vector))) ===
        JSON.stringify(Array.from(vectors[0]!)),
      reopened,
      logAgain,
      tMeta,
      tAll,
      tLog,
    };
  }, FIXTURE);
  expect(r.all).toEqual([
    ['A', 'I live in Paris', 2, 3000],
    ['C', 'I have a cat', 1, 5000],
    ['D', 'I like tea', 1, 6000],
  ]);
  expect(r.historyA).toEqual([
    ['ADD', null, 'I live in Berlin'],
    ['UPDATE', 'I live in Berlin', 'I live in Paris'],
  ]);
  expect(r.historyB).toEqual([
    ['ADD', 'Bob sails'],
    ['DELETE', null],
  ]);
  expect(r.deleted).toBe('NotFound');
  expect(r.log).toEqual({ ok: true, events: 6 });
  // Today Ada lives in Paris; as of t=2000 (before the update) in Berlin, a superseded version.
  expect(r.now).toEqual(['I live in Paris', false]);
  expect(r.then).toEqual(['I live in Berlin', true]);
  expect(r.meta).toMatchObject({
    schemaVersion: 2,
    lastSeq: 6,
    migratedFrom: { version: 1, events: 6, oldLogVerified: true },
  });
  expect(r.stores).toContain('links');
  expect(r.pastVersion).toMatchObject({ id: 'A', version: 1, validTo: 3000, supersededAt: 3000 });
  expect(r.eventKeys).toEqual([
    'actor',
    'at',
    'hash',
    'memoryId',
    'payload',
    'payloadHash',
    'prevHash',
    'seq',
    'type',
  ]);
  expect(r.payloadKeys).toEqual(['memory', 'previous', 'vector']);
  expect(r.vectorSame).toBe(true);
  expect(r.reopened).toEqual(['A', 'C', 'D']);
  expect(r.logAgain).toEqual({ ok: true, events: 6 });
  // A v1 log that did not verify is still migrated (nothing is lost), and the verdict is kept.
  expect(r.tMeta).toMatchObject({ version: 1, events: 6, oldLogVerified: false });
  expect(r.tAll).toBe(3);
  expect(r.tLog).toEqual({ ok: true, events: 6 });
});
