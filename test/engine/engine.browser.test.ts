// The engine on the real IndexedDB of headless Chromium (hash embedder, CPU backend).
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('add, get, getAll and search; everything survives a reopen', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    const e = await f.openEngine(name);
    const added = await e.add('I live in Berlin with my cat', {
      userId: 'ada',
      metadata: { topic: 'home' },
    });
    await e.add('Bob likes sailing on the lake', { userId: 'bob' });
    await e.add('Ada works as a nurse at night', { userId: 'ada' });
    const id = added.results[0]!.id;
    const got = await e.get(id);
    const search = await e.search('where does ada live with her cat', { userId: 'ada', limit: 5 });
    const all = await e.getAll();
    await e.close();
    const e2 = await f.openEngine(name);
    const search2 = await e2.search('where does ada live with her cat', {
      userId: 'ada',
      limit: 5,
    });
    const all2 = await e2.getAll();
    const info = e2.info();
    await e2.close();
    return { added, got, search, all, search2, all2, info };
  }, FIXTURE);
  expect(r.added.results[0]).toMatchObject({
    memory: 'I live in Berlin with my cat',
    event: 'ADD',
  });
  expect(r.got).toMatchObject({
    memory: 'I live in Berlin with my cat',
    userId: 'ada',
    metadata: { topic: 'home' },
    version: 1,
  });
  expect(r.search.results.map((m) => m.memory)).toEqual([
    'I live in Berlin with my cat',
    'Ada works as a nurse at night',
  ]);
  expect(r.search.results[0]!.score).toBeGreaterThan(r.search.results[1]!.score);
  expect(r.all.results).toHaveLength(3);
  // The first search reinforced its hits (strength, lastRecalledAt); ids, texts and scores are the same.
  const brief = (x: typeof r.search) => x.results.map((m) => [m.id, m.memory, m.score]);
  expect(brief(r.search2)).toEqual(brief(r.search));
  expect(r.search2.results[0]!.strength).toBe(r.search.results[0]!.strength + 1);
  expect(r.all2.results.map((m) => m.id)).toEqual(r.all.results.map((m) => m.id));
  expect(r.info).toMatchObject({ backend: 'cpu', embedderId: 'hash-64', dim: 64, count: 3 });
});

test('vectors are stored in blocks: a reopen reads sealed blocks plus a short tail', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    const clock = () => 1_700_000_000_000; // retention is then the same before and after
    const e = await f.openEngine(name, { blockRows: 8, clock });
    const texts = Array.from({ length: 21 }, (_, i) => `memory number ${i} about topic ${i % 5}`);
    await e.addMany(texts.slice(0, 10).map((text) => ({ text })));
    for (const text of texts.slice(10)) await e.add(text, { infer: false });
    const dump = await e.dump();
    const before = await e.search('memory number 13 about topic 3', {
      limit: 21,
      reinforce: false,
      retrieval: false,
    });
    await e.close();
    const e2 = await f.openEngine(name, { blockRows: 8, clock });
    const after = await e2.search('memory number 13 about topic 3', {
      limit: 21,
      reinforce: false,
      retrieval: false,
    });
    await e2.close();
    return { blocks: dump.vectorBlocks!.length, tail: dump.vectorTail!.length, before, after };
  }, FIXTURE);
  expect(r.blocks).toBe(2);
  expect(r.tail).toBe(5);
  expect(r.before.results[0]!.memory).toBe('memory number 13 about topic 3');
  expect(r.before.results).toHaveLength(21);
  expect(r.after).toEqual(r.before);
});

test('update keeps the old version in history; delete hides the memory; the log verifies', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName());
    const { results } = await e.add('I live in Berlin', { userId: 'ada' });
    const id = results[0]!.id;
    const updated = await e.update(id, 'I live in Paris');
    const search = await e.search('live in Berlin', { userId: 'ada', reinforce: false });
    await e.delete(id);
    const history = await e.history(id);
    const getAfter = await e.get(id).catch((err: { code: string }) => err.code);
    const all = await e.getAll();
    const log = await e.verifyLog();
    const dump = await e.dump();
    await e.close();
    return { updated, search, history, getAfter, all, log, versions: dump.versions!.length };
  }, FIXTURE);
  expect(r.updated).toMatchObject({ memory: 'I live in Paris', version: 2 });
  expect(r.search.results.map((m) => m.memory)).toEqual(['I live in Paris']);
  expect(r.history.map((h) => [h.event, h.previousMemory, h.newMemory, h.version])).toEqual([
    ['ADD', null, 'I live in Berlin', 1],
    ['UPDATE', 'I live in Berlin', 'I live in Paris', 2],
    ['DELETE', 'I live in Paris', null, 2],
  ]);
  expect(r.getAfter).toBe('NotFound');
  expect(r.all.results).toEqual([]);
  expect(r.log).toEqual({ ok: true, events: 3 });
  expect(r.history.map((h) => h.type)).toEqual([
    'memory.added',
    'memory.updated',
    'memory.deleted',
  ]);
  expect(r.versions).toBe(1);
});

test('a tampered payload, or a payload re-hashed to match, breaks verifyLog', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const log =
      await importSrc<typeof import('../../src/store/event-log')>('/src/store/event-log.ts');
    const name = f.uniqueName();
    const e = await f.openEngine(name);
    await e.add('first', { infer: false, link: false });
    await e.add('second', { infer: false, link: false });
    await e.close();
    type Ev = import('../../src/store/records').EventRecord;
    type EventPayload = import('../../src/store/records').EventPayload;
    // Rewrite one event behind Engram's back; returns the original.
    const rewrite = (seq: number, change: (ev: Ev) => Promise<Ev>) =>
      new Promise<Ev>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = async () => {
          const read = req.result.transaction('events').objectStore('events').get(seq);
          read.onsuccess = async () => {
            const original = read.result as Ev;
            const next = await change(original);
            const tx = req.result.transaction('events', 'readwrite');
            tx.objectStore('events').put(next);
            tx.oncomplete = () => (req.result.close(), resolve(original));
            tx.onerror = () => reject(tx.error);
          };
        };
      });
    const verify = async () => {
      const e2 = await f.openEngine(name);
      const v = await e2.verifyLog();
      await e2.close();
      return v;
    };
    const forge = (ev: Ev): Ev => ({
      ...ev,
      payload: {
        ...ev.payload,
        memory: { ...(ev.payload as EventPayload).memory!, text: 'forged' },
      },
    });
    const first = await rewrite(1, async (ev) => forge(ev));
    const textOnly = await verify();
    await rewrite(1, async () => first);
    const restored = await verify();
    await rewrite(2, async (ev) => {
      const forged = forge(ev);
      return { ...forged, payloadHash: await log.sha256Hex(log.canonicalJson(forged.payload)) };
    });
    const rehashed = await verify();
    return { textOnly, restored, rehashed };
  }, FIXTURE);
  expect(r.textOnly).toMatchObject({
    ok: false,
    brokenAt: 1,
    reason: 'payload does not match its hash',
  });
  expect(r.restored).toEqual({ ok: true, events: 2 });
  expect(r.rehashed).toMatchObject({
    ok: false,
    brokenAt: 2,
    reason: 'event does not match its hash',
  });
});

test('scopes never cross; filters apply before top-k so limit counts matching memories', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName());
    const items = [];
    for (let i = 0; i < 60; i++) {
      items.push({
        text: `trip to the mountains, day ${i}`,
        userId: i % 2 ? 'ada' : 'bob',
        metadata: {
          day: i,
          kind: i < 50 ? 'photo' : 'note',
          at: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
        },
      });
    }
    await e.addMany(items);
    // The dense path (retrieval: false): the allow mask is applied inside the index's top-k.
    const dense = { retrieval: false } as const;
    const ada = await e.search('trip to the mountains', { ...dense, userId: 'ada', limit: 100 });
    const notes = await e.search('trip to the mountains', {
      ...dense,
      filters: { kind: 'note' },
      limit: 10,
    });
    const complex = await e.search('trip', {
      ...dense,
      limit: 100,
      filters: {
        and: [{ day: { gte: 10, lt: 20 } }, { not: { day: { in: [11, 12] } } }],
        or: [{ kind: 'photo' }],
      },
    });
    const dated = await e.getAll({ filters: { at: { gt: '2024-02-25T00:00:00Z' } } });
    const bad = await e
      .search('x', { filters: { day: { gt: 'not a date' } } })
      .catch((err: { code: string }) => err.code);
    await e.close();
    return {
      adaUsers: [...new Set(ada.results.map((m) => m.userId))],
      adaCount: ada.results.length,
      notes: notes.results.map((m) => m.metadata.day as number).sort((a, b) => a - b),
      complex: complex.results.map((m) => m.metadata.day as number).sort((a, b) => a - b),
      dated: dated.results.map((m) => m.metadata.day),
      bad,
    };
  }, FIXTURE);
  expect(r.adaUsers).toEqual(['ada']);
  expect(r.adaCount).toBe(30);
  expect(r.notes).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
  expect(r.complex).toEqual([10, 13, 14, 15, 16, 17, 18, 19]);
  expect(r.dated).toEqual([56, 57, 58, 59]);
  expect(r.bad).toBe('InvalidArgument');
});
