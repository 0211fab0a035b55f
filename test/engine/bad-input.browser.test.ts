// Bad input gets a typed error and leaves the stored bytes exactly as they were.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('every bad call rejects with its code and changes nothing in IndexedDB', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName(), { maxTextLength: 1000 });
    const { results } = await e.add('a memory to keep', { userId: 'ada' });
    const id = results[0]!.id;
    const before = f.dumpJson(await e.dump());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (err: { code?: string }) => err.code ?? String(err),
      );
    const nan = new Float32Array(64);
    nan[3] = NaN;
    const codes = {
      empty: await code(e.add('   ')),
      notString: await code(e.add(42 as unknown as string)),
      huge: await code(e.add('x'.repeat(1001))),
      wrongDim: await code(e.add('text', { vector: new Float32Array(32) })),
      nanVector: await code(e.add('text', { vector: nan })),
      infQuery: await code(e.search('q', { vector: new Float32Array(64).fill(Infinity) })),
      badScope: await code(e.add('text', { userId: '' })),
      badMeta: await code(e.add('text', { metadata: [] as unknown as Record<string, never> })),
      batchWithOneBad: await code(e.addMany([{ text: 'fine' }, { text: '' }])),
      updateUnknown: await code(e.update('nope', 'text')),
      updateEmpty: await code(e.update(id, '')),
      deleteUnknown: await code(e.delete('nope')),
      getUnknown: await code(e.get('nope')),
      historyUnknown: await code(e.history('nope')),
      limitZero: await code(e.search('q', { limit: 0 })),
      limitFloat: await code(e.search('q', { limit: 2.5 })),
      badFilter: await code(e.search('q', { filters: { and: 'x' as unknown as [] } })),
      deleteAllNoScope: await code(e.deleteAll({})),
      emptyQuery: await code(e.search('')),
    };
    const after = f.dumpJson(await e.dump());
    await e.close();
    const closed = await code(e.add('after close'));
    return { codes, same: before === after, closed };
  }, FIXTURE);
  expect(r.codes).toEqual({
    empty: 'EmptyText',
    notString: 'InvalidArgument',
    huge: 'TextTooLarge',
    wrongDim: 'DimensionMismatch',
    nanVector: 'InvalidVector',
    infQuery: 'InvalidVector',
    badScope: 'InvalidArgument',
    badMeta: 'InvalidArgument',
    batchWithOneBad: 'EmptyText',
    updateUnknown: 'NotFound',
    updateEmpty: 'EmptyText',
    deleteUnknown: 'NotFound',
    getUnknown: 'NotFound',
    historyUnknown: 'NotFound',
    limitZero: 'InvalidArgument',
    limitFloat: 'InvalidArgument',
    badFilter: 'InvalidArgument',
    deleteAllNoScope: 'InvalidArgument',
    emptyQuery: 'EmptyText',
  });
  expect(r.same).toBe(true);
  expect(r.closed).toBe('StoreClosed');
});

test('a quota error during a write is QuotaExceeded and nothing of the write lands', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    const e = await f.openEngine(name);
    await e.add('kept');
    const before = f.dumpJson(await e.dump());
    // The browser refuses the event write the way a full disk does.
    const realAdd = IDBObjectStore.prototype.add;
    IDBObjectStore.prototype.add = function (...args: Parameters<IDBObjectStore['add']>) {
      if (this.name === 'events') throw new DOMException('quota', 'QuotaExceededError');
      return realAdd.apply(this, args);
    };
    const err = await e.addMany([{ text: 'lost 1' }, { text: 'lost 2' }]).then(
      () => null,
      (x: { code: string }) => x.code,
    );
    IDBObjectStore.prototype.add = realAdd;
    const afterFail = f.dumpJson(await e.dump());
    const all = (await e.getAll()).results.map((m) => m.memory);
    await e.add('next write works');
    await e.close();
    const e2 = await f.openEngine(name);
    const reopened = (await e2.getAll()).results.map((m) => m.memory);
    const log = await e2.verifyLog();
    await e2.close();
    return { err, same: before === afterFail, all, reopened, log };
  }, FIXTURE);
  expect(r.err).toBe('QuotaExceeded');
  expect(r.same).toBe(true);
  expect(r.all).toEqual(['kept']);
  expect(r.reopened).toEqual(['kept', 'next write works']);
  expect(r.log).toEqual({ ok: true, events: 2 });
});

test('opening with another embedder, a newer schema or a corrupt store is a typed error', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { HashEmbedder } = await importSrc<typeof import('../../src/embed/hash-embedder')>(
      '/src/embed/hash-embedder.ts',
    );
    const name = f.uniqueName();
    const e = await f.openEngine(name);
    await e.add('made with hash-64');
    await e.close();
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (err: { code?: string }) => err.code ?? String(err),
      );
    const mismatch = await code(f.openEngine(name, { embedder: new HashEmbedder({ dim: 32 }) }));
    const stillThere = await f.openEngine(name);
    const kept = (await stillThere.getAll()).results.map((m) => m.memory);
    await stillThere.close();

    const newer = f.uniqueName();
    await new Promise<void>((res) => {
      const req = indexedDB.open(newer, 99);
      req.onsuccess = () => (req.result.close(), res());
    });
    const tooNew = await code(f.openEngine(newer));

    const corrupt = f.uniqueName();
    const c = await f.openEngine(corrupt);
    await c.add('orphan');
    await c.close();
    await new Promise<void>((res) => {
      const req = indexedDB.open(corrupt);
      req.onsuccess = () => {
        const tx = req.result.transaction('meta', 'readwrite');
        tx.objectStore('meta').delete('meta');
        tx.oncomplete = () => (req.result.close(), res());
      };
    });
    const corrupted = await code(f.openEngine(corrupt));
    return { mismatch, kept, tooNew, corrupted };
  }, FIXTURE);
  expect(r).toEqual({
    mismatch: 'EmbedderMismatch',
    kept: ['made with hash-64'],
    tooNew: 'SchemaTooNew',
    corrupted: 'CorruptStore',
  });
});
