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
  expect(r.search2).toEqual(r.search);
  expect(r.all2).toEqual(r.all);
  expect(r.info).toMatchObject({ backend: 'cpu', embedderId: 'hash-64', dim: 64, count: 3 });
});

test('vectors are stored in blocks: a reopen reads sealed blocks plus a short tail', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    const e = await f.openEngine(name, { blockRows: 8 });
    const texts = Array.from({ length: 21 }, (_, i) => `memory number ${i} about topic ${i % 5}`);
    await e.addMany(texts.slice(0, 10).map((text) => ({ text })));
    for (const text of texts.slice(10)) await e.add(text);
    const dump = await e.dump();
    const before = await e.search('memory number 13 about topic 3', { limit: 21 });
    await e.close();
    const e2 = await f.openEngine(name, { blockRows: 8 });
    const after = await e2.search('memory number 13 about topic 3', { limit: 21 });
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
    const search = await e.search('live in Berlin', { userId: 'ada' });
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
  expect(r.versions).toBe(1);
});

test('a tampered event breaks verifyLog', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    const e = await f.openEngine(name);
    await e.add('first');
    await e.add('second');
    await e.close();
    // Rewrite event 1's text behind Engram's back.
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => {
        const tx = req.result.transaction('events', 'readwrite');
        const store = tx.objectStore('events');
        const get = store.get(1);
        get.onsuccess = () =>
          store.put({ ...get.result, after: { ...get.result.after, text: 'forged' } });
        tx.oncomplete = () => (req.result.close(), resolve());
        tx.onerror = () => reject(tx.error);
      };
    });
    const e2 = await f.openEngine(name);
    const log = await e2.verifyLog();
    await e2.close();
    return log;
  }, FIXTURE);
  expect(r).toMatchObject({ ok: false, brokenAt: 1 });
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
    const ada = await e.search('trip to the mountains', { userId: 'ada', limit: 100 });
    const notes = await e.search('trip to the mountains', { filters: { kind: 'note' }, limit: 10 });
    const complex = await e.search('trip', {
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
