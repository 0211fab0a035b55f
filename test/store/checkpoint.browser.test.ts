// Opening from a checkpoint (plus the events after it) gives exactly the state a full load gives.
import { expect, test } from 'vitest';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a checkpoint written at close is read at open; later events are caught up; erasure deletes it', async () => {
  const context = await newContext();
  const [a, b] = [await openPage(undefined, context), await openPage(undefined, context)];
  const name = `checkpoint-${Date.now()}`;
  const built = await a.evaluate(
    async ({ path, name }) => {
      const f = await importSrc<Fixture>(path);
      const checkpoint = { minMemories: 1, minEvents: 1 };
      const e = await f.openEngine(name, { checkpoint });
      await e.addMany(
        Array.from({ length: 40 }, (_, i) => ({
          text: `note ${i} about the garden and topic ${i % 7}`,
          userId: i % 2 ? 'ada' : 'bob',
        })),
      );
      const all = (await e.getAll()).results;
      await e.update(all[3]!.id, 'note 3 was rewritten: the roses need water');
      await e.delete(all[5]!.id);
      await e.close();
      const logs: string[] = [];
      const e2 = await f.openEngine(name, { checkpoint, log: (m: string) => logs.push(m) });
      // Written after the checkpoint, by a tab that never closes.
      await e2.add('the tomatoes are ripe in the garden', { userId: 'ada' });
      await e2.update(all[7]!.id, 'note 7 now talks about tomatoes');
      (window as unknown as { keep: unknown }).keep = e2;
      const q = 'tomatoes in the garden';
      return {
        fromCheckpoint: logs.some((l) => l.includes('opened from the checkpoint')),
        stored: (await e2.dump()).checkpoints!.length,
        all: (await e2.getAll()).results,
        search: (await e2.search(q, { reinforce: false })).results.map((r) => [r.id, r.score]),
        eraseId: all[9]!.id,
      };
    },
    { path: FIXTURE, name },
  );
  expect(built.fromCheckpoint).toBe(true);
  expect(built.stored).toBeGreaterThanOrEqual(2); // head + at least one chunk

  const reopened = await b.evaluate(
    async ({ path, name }) => {
      const f = await importSrc<Fixture>(path);
      const logs: string[] = [];
      const q = 'tomatoes in the garden';
      const viaCheckpoint = await f.openEngine(name, {
        checkpoint: { minMemories: 1, minEvents: 1000 },
        log: (m: string) => logs.push(m),
      });
      const cp = {
        used: logs.some((l) => l.includes('opened from the checkpoint at seq')),
        all: (await viaCheckpoint.getAll()).results,
        search: (await viaCheckpoint.search(q, { reinforce: false })).results.map((r) => [
          r.id,
          r.score,
        ]),
      };
      await viaCheckpoint.close();
      const full = await f.openEngine(name, { checkpoint: false });
      const fl = {
        all: (await full.getAll()).results,
        search: (await full.search(q, { reinforce: false })).results.map((r) => [r.id, r.score]),
      };
      await full.close();
      return { cp, fl };
    },
    { path: FIXTURE, name },
  );
  expect(reopened.cp.used).toBe(true);
  expect(reopened.cp.all).toEqual(built.all);
  expect(reopened.cp.all).toEqual(reopened.fl.all);
  expect(reopened.cp.search).toEqual(reopened.fl.search);
  expect(reopened.cp.search).toEqual(built.search);
  expect(reopened.cp.all.map((m) => m.memory)).toContain('note 7 now talks about tomatoes');

  // Erasure: the checkpoint held the text too, so it goes in the same transaction.
  const erased = await a.evaluate(async (id) => {
    const e = (window as unknown as { keep: import('../../src/engine/engine').Engine }).keep;
    const text = (await e.get(id)).memory;
    await e.erase(id);
    const raw = JSON.stringify(await e.dump());
    return { found: raw.includes(text), checkpoints: (await e.dump()).checkpoints!.length };
  }, built.eraseId);
  expect(erased).toEqual({ found: false, checkpoints: 0 });
});

test('a store whose checkpoint is of an older format (JSON text; columns of layout 1) opens from it, then gets a columnar one of layout 3 (strings as UTF-8 sections); one of layout 2 opens too, and its bytes in three chunks, as Blobs or as ArrayBuffers, and with a SHA-256 in its head instead of the checksum; a damaged one falls back to the records', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path }) => {
      const f = await importSrc<Fixture>(path);
      const io = await importSrc<typeof import('../../src/store/checkpoint-io')>(
        '/src/store/checkpoint-io.ts',
      );
      const { openDB } = await importSrc<typeof import('idb')>('/node_modules/idb/build/index.js');
      const name = f.uniqueName('checkpoint-format');
      const checkpoint = { minMemories: 1, minEvents: 1 };
      const q = 'roses in the garden';
      const reads = async (e: Awaited<ReturnType<typeof f.openEngine>>) => ({
        all: (await e.getAll()).results,
        search: (await e.search(q, { reinforce: false })).results.map((x) => [x.id, x.score]),
      });
      const e = await f.openEngine(name, { checkpoint });
      await e.addMany(
        Array.from({ length: 60 }, (_, i) => ({
          text: `note ${i}: the ${i % 3 ? 'roses' : 'tulips'} in the garden need ${i} litres. ${'Then more words follow. '.repeat(i % 4 ? 1 : 40)}`,
          userId: i % 2 ? 'ada' : 'bob',
          metadata: { n: i },
        })),
      );
      const all = (await e.getAll()).results;
      await e.update(all[2]!.id, 'note 2 was rewritten: the roses are red');
      await e.delete(all[4]!.id);
      const before = await reads(e);
      await e.close();
      const head = async () => {
        const db = await openDB(name);
        try {
          return (await db.get('checkpoints', -1)) as { format: number; seq: number };
        } finally {
          db.close();
        }
      };
      const written = (await head()).format;
      // The checkpoint as an Engram from before the columns wrote it.
      const db = await openDB<import('../../src/store/schema').EngramDB>(name);
      await io.writeCheckpoint(db, undefined, 2);
      db.close();
      const old = (await head()).format;
      // Opens the store with its log lines kept: `used` tells whether it opened from the checkpoint.
      const openLogged = async (options: {
        checkpoint: { minMemories: number; minEvents: number };
      }) => {
        const logs: string[] = [];
        const engine = await f.openEngine(name, { ...options, log: (m: string) => logs.push(m) });
        return { engine, logs, used: logs.some((l) => l.includes('opened from the checkpoint')) };
      };
      const o2 = await openLogged({ checkpoint });
      const e2 = o2.engine;
      const fromOld = { used: o2.used, ...(await reads(e2)) };
      await e2.add('the roses in the garden bloom', { infer: false, userId: 'ada' });
      const after = await reads(e2);
      await e2.close(); // a checkpoint is due: written in the new format
      const rewritten = (await head()).format;
      const layout = async () => {
        const db = await openDB(name);
        try {
          const chunk = (await db.get('checkpoints', 0)) as Blob; // bytes are stored as Blobs
          return new DataView(await chunk.arrayBuffer()).getUint32(4, true);
        } finally {
          db.close();
        }
      };
      const layoutNow = await layout();
      // Columns as written before layout 2 (each lexical row's memory id again, u32 terms).
      const db1 = await openDB<import('../../src/store/schema').EngramDB>(name);
      await io.writeCheckpoint(db1, undefined, 3, {}, 1);
      db1.close();
      const layoutOld = await layout();
      const o1 = await openLogged({ checkpoint: { minMemories: 1, minEvents: 1e9 } });
      const e1 = o1.engine;
      const fromLayout1 = { used: o1.used, ...(await reads(e1)) };
      await e1.close();
      // Columns of layout 2 (strings in the JSON directory, as written before layout 3).
      const db2 = await openDB<import('../../src/store/schema').EngramDB>(name);
      await io.writeCheckpoint(db2, undefined, 3, {}, 2);
      db2.close();
      const layout2 = await layout();
      const o4 = await openLogged({ checkpoint: { minMemories: 1, minEvents: 1e9 } });
      const fromLayout2 = { used: o4.used, ...(await reads(o4.engine)) };
      await o4.engine.close();
      // The same bytes in three chunks, as Blobs (a large checkpoint's form: the open reads them
      // as one buffer) and as ArrayBuffers (how stores before kept bytes): each opens from it.
      const rechunk = async (as: 'blobs' | 'buffers') => {
        const db = await openDB(name);
        const h = (await db.get('checkpoints', -1)) as { chunks: number };
        const stored = await Promise.all(
          Array.from({ length: h.chunks }, (_, i) => db.get('checkpoints', i) as Promise<Blob>),
        );
        const whole = new Blob(stored);
        const third = Math.ceil(whole.size / 3);
        const parts = [0, 1, 2].map((i) => whole.slice(i * third, (i + 1) * third));
        const values =
          as === 'blobs' ? parts : await Promise.all(parts.map((p) => p.arrayBuffer()));
        const tx = db.transaction('checkpoints', 'readwrite');
        values.forEach((v, i) => void tx.objectStore('checkpoints').put(v, i));
        void tx.objectStore('checkpoints').put({ ...h, chunks: 3 }, -1);
        await tx.done;
        db.close();
        const o = await openLogged({ checkpoint: { minMemories: 1, minEvents: 1e9 } });
        const got = { used: o.used, ...(await reads(o.engine)) };
        await o.engine.close();
        return got;
      };
      const fromBlobs = await rechunk('blobs');
      const fromBuffers = await rechunk('buffers');
      // Its head as written before the checksum: a SHA-256 of the bytes instead of xxHash32.
      const headBefore = await (async () => {
        const db = await openDB(name);
        const h = (await db.get('checkpoints', -1)) as { chunks: number; xxh32?: number };
        const stored = await Promise.all(
          Array.from({ length: h.chunks }, (_, i) => db.get('checkpoints', i) as Promise<Blob>),
        );
        const bytes = await new Blob(stored).arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
        const sha256 = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
        const { xxh32, ...rest } = h;
        await db.put('checkpoints', { ...rest, sha256 }, -1);
        db.close();
        const o = await openLogged({ checkpoint: { minMemories: 1, minEvents: 1e9 } });
        const got = {
          used: o.used,
          hadChecksum: typeof xxh32 === 'number',
          ...(await reads(o.engine)),
        };
        await o.engine.close();
        return got;
      })();
      // A damaged columnar checkpoint: opening does not use it and reads the records.
      const raw = await openDB(name);
      const stored = (await raw.get('checkpoints', 0)) as Blob | ArrayBuffer;
      const chunk = new Uint8Array(stored instanceof Blob ? await stored.arrayBuffer() : stored);
      chunk[Math.floor(chunk.length / 2)]! ^= 0x55;
      await raw.put('checkpoints', new Blob([chunk]), 0);
      raw.close();
      const o3 = await openLogged({ checkpoint: { minMemories: 1, minEvents: 1e9 } });
      const e3 = o3.engine;
      const damaged = {
        used: o3.used,
        told: o3.logs.filter((l) => l.includes('checkpoint is not used')),
        ...(await reads(e3)),
      };
      await e3.close();
      return {
        before,
        written,
        old,
        fromOld,
        after,
        rewritten,
        layoutNow,
        layoutOld,
        fromLayout1,
        layout2,
        fromLayout2,
        fromBlobs,
        fromBuffers,
        headBefore,
        damaged,
      };
    },
    { path: FIXTURE },
  );
  expect(r.written).toBe(3);
  expect(r.old).toBe(2);
  expect(r.fromOld.used).toBe(true);
  expect(r.fromOld.all).toEqual(r.before.all);
  expect(r.fromOld.search).toEqual(r.before.search);
  expect(r.rewritten).toBe(3);
  expect([r.layoutNow, r.layoutOld, r.layout2]).toEqual([3, 1, 2]);
  expect(r.fromLayout1.used).toBe(true);
  expect(r.fromLayout1.all).toEqual(r.after.all);
  expect(r.fromLayout1.search).toEqual(r.after.search);
  expect(r.fromLayout2.used).toBe(true);
  expect(r.fromLayout2.all).toEqual(r.after.all);
  expect(r.fromLayout2.search).toEqual(r.after.search);
  expect(r.headBefore.hadChecksum).toBe(true);
  for (const rechunked of [r.fromBlobs, r.fromBuffers, r.headBefore]) {
    expect(rechunked.used).toBe(true);
    expect(rechunked.all).toEqual(r.after.all);
    expect(rechunked.search).toEqual(r.after.search);
  }
  expect(r.damaged.used).toBe(false);
  expect(r.damaged.told).toEqual([
    'engram: the stored checkpoint is not used: checkpoint does not match its hash',
  ]);
  expect(r.damaged.all).toEqual(r.after.all);
  expect(r.damaged.search).toEqual(r.after.search);
});
