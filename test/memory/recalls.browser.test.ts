// Reads don't write: a search appends no event and takes no write lock; its recalls are
// buffered and written as one coalesced `memory.accessed` event per memory, whose strength
// is what recalls written one by one would have given. Replay, export/import, history and
// catch-up by another tab agree; a search finishes while another tab holds the write lock;
// a failed write of the buffer is logged, kept and written later.
import { expect, test } from 'vitest';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('1,000 searches write nothing; close writes one event per memory recalled, equal to recalls one by one', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const MINUTE = 60_000;
    let now = 1_700_000_000_000;
    const clock = () => now;
    const name = f.uniqueName();
    const increment = 0.5;
    // One flush at close only (no timer fires within the test).
    const opts = { clock, strengthIncrement: increment, recallFlushMs: 3_600_000 };
    const e = await f.openEngine(name, opts);
    const topics = ['garden', 'tea', 'train', 'piano', 'river', 'invoice', 'chess', 'bread'];
    await e.addMany(
      Array.from({ length: 60 }, (_, i) => ({
        text: `note ${i} about ${topics[i % topics.length]} and ${topics[(i * 3) % topics.length]}`,
        userId: i % 2 ? 'ada' : 'bob',
      })),
    );
    const other = await f.openEngine(name, opts); // a second tab on the same store
    const eventsBefore = (await e.verifyLog()).events;
    const dumpBefore = f.dumpJson(await e.dump());

    let readwrite = 0;
    const realTx = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      if (args[1] === 'readwrite') readwrite++;
      return realTx.apply(this, args);
    } as IDBDatabase['transaction'];
    const recalls = new Map<string, { k: number; last: number; first: number }>();
    let hits = 0;
    for (let i = 0; i < 1000; i++) {
      now += MINUTE;
      const query = `${topics[i % topics.length]} ${topics[(i * 5 + 1) % topics.length]}`;
      const scope = i % 3 === 0 ? { userId: 'ada' } : {};
      const { results } = await e.search(query, { ...scope, limit: 5 });
      for (const m of results) {
        const x = recalls.get(m.id) ?? { k: 0, last: 0, first: now };
        recalls.set(m.id, { k: x.k + 1, last: now, first: x.first });
        hits++;
      }
    }
    IDBDatabase.prototype.transaction = realTx;
    const eventsAfterSearches = (await e.verifyLog()).events;
    const unchangedAfterSearches = f.dumpJson(await e.dump()) === dumpBefore;

    now += MINUTE;
    const closedAt = now;
    await e.close();
    const again = await f.openEngine(name, opts);
    const events = (await again.dump()).events as {
      seq: number;
      type: string;
      memoryId: string;
      at: number;
      payload: { recalls?: number; patch?: { strength?: number; lastRecalledAt?: number } };
    }[];
    const accessed = events.filter((x) => x.type === 'memory.accessed');
    const byId = new Map(accessed.map((x) => [x.memoryId, x]));
    // What recalls written one by one would have given: S = 1 + k·increment, last recall = last hit.
    const mismatches: string[] = [];
    for (const [id, { k, last }] of recalls) {
      const m = await again.get(id);
      const ev = byId.get(id);
      if (m.strength !== 1 + k * increment) mismatches.push(`${id} strength ${m.strength} k ${k}`);
      if (m.lastRecalledAt !== last) mismatches.push(`${id} last ${m.lastRecalledAt} vs ${last}`);
      if (ev?.payload.recalls !== k) mismatches.push(`${id} recalls ${ev?.payload.recalls} k ${k}`);
      if (ev?.at !== closedAt) mismatches.push(`${id} event at ${ev?.at}`);
    }
    // Retention a day later, from the reopened store, against the formula.
    now += 86_400_000;
    const [someId, some] = [...recalls][0]!;
    const { results: found } = await again.search('x', {
      vector: (await again.embed([(await again.get(someId)).memory]))[0]!,
      limit: 1,
      reinforce: false,
    });
    const retention = found[0]!.retention;
    const expectedRetention = Math.exp(-(now - some.last) / 86_400_000 / (1 + some.k * increment));

    // The other tab catches up with the coalesced events.
    let caughtUp = false;
    for (let i = 0; i < 100 && !caughtUp; i++) {
      caughtUp = (await other.get(someId)).strength === 1 + some.k * increment;
      if (!caughtUp) await new Promise((res) => setTimeout(res, 20));
    }
    // Replay from the log alone, and an export imported elsewhere, give the same strengths.
    const strengths = async (x: typeof again) =>
      Object.fromEntries((await x.getAll({ limit: 1000 })).results.map((m) => [m.id, m.strength]));
    const live = await strengths(again);
    const rebuilt = await again.rebuild().then(() => strengths(again));
    const lines: string[] = [];
    for await (const l of again.export()) lines.push(l);
    const copy = await f.openEngine(f.uniqueName(), opts);
    await copy.import(lines);
    const imported = await strengths(copy);
    const history = (await again.history(someId)).map((h) => h.event);
    const log = await again.verifyLog();
    await Promise.all([again.close(), other.close(), copy.close()]);
    return {
      hits,
      distinct: recalls.size,
      readwrite,
      grewDuringSearches: eventsAfterSearches - eventsBefore,
      unchangedAfterSearches,
      grewAfterClose: events.length - eventsBefore,
      accessed: accessed.length,
      recallsSum: accessed.reduce((s, x) => s + (x.payload.recalls ?? 0), 0),
      mismatches,
      retention,
      expectedRetention,
      caughtUp,
      sameAfterRebuild: JSON.stringify(rebuilt) === JSON.stringify(live),
      sameAfterImport: JSON.stringify(imported) === JSON.stringify(live),
      reinforced: Object.values(live).filter((s) => s > 1).length,
      history,
      log,
    };
  }, FIXTURE);
  console.log(
    `reads: ${r.hits} hits over ${r.distinct} memories in 1000 searches; log +${r.grewDuringSearches} during, +${r.grewAfterClose} after close`,
  );
  expect(r.hits).toBe(5000);
  expect(r.distinct).toBeGreaterThan(10);
  // Searching wrote nothing: no read-write transaction, no event, not a byte changed.
  expect(r.readwrite).toBe(0);
  expect(r.grewDuringSearches).toBe(0);
  expect(r.unchangedAfterSearches).toBe(true);
  // Close wrote one event per memory recalled, standing for all 5,000 recalls.
  expect(r.grewAfterClose).toBe(r.distinct);
  expect(r.accessed).toBe(r.distinct);
  expect(r.recallsSum).toBe(r.hits);
  expect(r.mismatches).toEqual([]);
  expect(r.retention).toBeCloseTo(r.expectedRetention, 6);
  expect(r.caughtUp).toBe(true);
  expect(r.sameAfterRebuild).toBe(true);
  expect(r.sameAfterImport).toBe(true);
  expect(r.reinforced).toBe(r.distinct);
  expect(r.history).toEqual(['ADD']);
  expect(r.log).toMatchObject({ ok: true });
});

test('a search finishes while another tab holds the write lock; its recalls are written after (flush, through the Worker)', async () => {
  const context = await newContext();
  const [tab, holder] = [await openPage(undefined, context), await openPage(undefined, context)];
  const name = `reads-lock-${Date.now()}`;
  await tab.evaluate(
    async ({ path, name }) => {
      const f = await importSrc<Fixture>(path);
      const mem = await f.Engram.open({
        name,
        embedder: { type: 'hash', dim: 64 },
        backend: 'cpu',
        worker: true,
        recallFlushMs: 3_600_000, // no timer writes them during the test: flush() and close() do
      });
      await mem.addMany([{ text: 'the cat sleeps' }, { text: 'the dog barks' }]);
      (window as unknown as { mem: typeof mem }).mem = mem;
    },
    { path: FIXTURE, name },
  );
  // The other tab takes the store's write lock (the name StoreSync uses) and keeps it.
  await holder.evaluate(async (name) => {
    await new Promise<void>((granted) => {
      void navigator.locks.request(`engram:${name}:write`, { mode: 'exclusive' }, () => {
        granted();
        return new Promise<void>((release) => {
          (window as unknown as { release: () => void }).release = release;
        });
      });
    });
  }, name);
  const during = await tab.evaluate(async () => {
    const mem = (window as unknown as { mem: import('../../src/engram').Engram }).mem;
    const t0 = performance.now();
    const timeout = new Promise<'timed out'>((res) => setTimeout(() => res('timed out'), 10_000));
    const outcomes = await Promise.all(
      ['cat', 'dog', 'sleeps barks'].map((q) =>
        Promise.race([mem.search(q, { limit: 2 }).then((x) => x.results.length), timeout]),
      ),
    );
    const held = (await navigator.locks.query()).held?.map((l) => l.name) ?? [];
    return { outcomes, ms: performance.now() - t0, held };
  });
  expect(during.held).toContain(`engram:${name}:write`);
  expect(during.outcomes).toEqual([2, 2, 2]);
  expect(during.ms).toBeLessThan(10_000);
  await holder.evaluate(() => (window as unknown as { release: () => void }).release());
  const after = await tab.evaluate(async () => {
    const mem = (window as unknown as { mem: import('../../src/engram').Engram }).mem;
    const count = async () =>
      ((await mem.dump()).events as { type: string }[]).filter((x) => x.type === 'memory.accessed')
        .length;
    const beforeFlush = await count();
    await mem.flush(); // through the Worker: written now
    const afterFlush = await count();
    await mem.close();
    return { beforeFlush, afterFlush };
  });
  expect(after).toEqual({ beforeFlush: 0, afterFlush: 2 });
  const written = await holder.evaluate(
    async ({ path, name }) => {
      const f = await importSrc<Fixture>(path);
      const e = await f.openEngine(name);
      const events = (await e.dump()).events as { type: string; payload: { recalls?: number } }[];
      const accessed = events.filter((x) => x.type === 'memory.accessed');
      const strengths = (await e.getAll()).results.map((m) => m.strength);
      await e.close();
      return { accessed: accessed.map((x) => x.payload.recalls), strengths };
    },
    { path: FIXTURE, name },
  );
  // Both memories were returned by all three searches: one event each, standing for 3 recalls.
  expect(written.accessed).toEqual([3, 3]);
  expect(written.strengths).toEqual([4, 4]);
});

test('a failed write of the recalls is logged, never thrown into a search, and retried', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const lines: string[] = [];
    const e = await f.openEngine(f.uniqueName(), {
      recallFlushMs: 100,
      log: (l) => lines.push(l),
    });
    await e.addMany([{ text: 'alpha' }, { text: 'beta' }]);
    const realAdd = IDBObjectStore.prototype.add;
    IDBObjectStore.prototype.add = function (...args: Parameters<IDBObjectStore['add']>) {
      if (this.name === 'events') throw new DOMException('disk full', 'QuotaExceededError');
      return realAdd.apply(this, args);
    };
    const first = (await e.search('alpha', { limit: 1 })).results.map((m) => m.memory);
    const second = (await e.search('alpha', { limit: 1 })).results.map((m) => m.memory);
    const wait = (ms: number) => new Promise((res) => setTimeout(res, ms));
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('recalls failed')); i++)
      await wait(20);
    const accessedWhileFailing = ((await e.dump()).events as { type: string }[]).filter(
      (x) => x.type === 'memory.accessed',
    ).length;
    const third = (await e.search('alpha', { limit: 1 })).results.map((m) => m.memory);
    IDBObjectStore.prototype.add = realAdd;
    // A retry may be writing the first two recalls while the third waits in the buffer for the
    // next flush: wait until all three are written (or 2 s; more than three would still fail).
    let accessed: { payload: { recalls?: number } }[] = [];
    const total = () => accessed.reduce((n, x) => n + (x.payload.recalls ?? 0), 0);
    for (let i = 0; i < 100 && total() < 3; i++) {
      await wait(20);
      accessed = (
        (await e.dump()).events as { type: string; payload: { recalls?: number } }[]
      ).filter((x) => x.type === 'memory.accessed');
    }
    const strength = (await e.getAll()).results.find((m) => m.memory === 'alpha')!.strength;
    await e.close();
    return {
      searches: [first, second, third],
      logged: lines.filter((l) => l.includes('recalls failed')).length,
      accessedWhileFailing,
      recalls: accessed.map((x) => x.payload.recalls),
      strength,
    };
  }, FIXTURE);
  expect(r.searches).toEqual([['alpha'], ['alpha'], ['alpha']]);
  expect(r.logged).toBeGreaterThanOrEqual(1);
  expect(r.accessedWhileFailing).toBe(0);
  // The recalls of the failed writes were kept: all three are written once the disk takes them.
  expect(r.recalls.reduce((a, b) => a! + b!, 0)).toBe(3);
  expect(r.strength).toBe(4);
});

test('a large flush is written in slices: searches run between them, every recall is written once', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { RECALL_WRITE_SLICE } = await importSrc<typeof import('../../src/memory/recall-buffer')>(
      '/src/memory/recall-buffer.ts',
    );
    const e = await f.openEngine(f.uniqueName(), { recallFlushMs: 3_600_000 });
    const n = 300;
    await e.addMany(Array.from({ length: n }, (_, i) => ({ text: `note ${i} about the garden` })));
    await e.search('note garden', { limit: n }); // every memory recalled once
    let eventTx = 0;
    const realTx = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      const stores = [args[0]].flat();
      if (args[1] === 'readwrite' && stores.includes('events')) eventTx++;
      return realTx.apply(this, args);
    } as IDBDatabase['transaction'];
    // A search started while the flush is under way finishes before its last slice is written.
    const order: string[] = [];
    const flushing = e.flush().then(() => order.push('flush'));
    await new Promise((res) => setTimeout(res, 0));
    await e.search('note', { limit: 1, reinforce: false }).then(() => order.push('search'));
    await flushing;
    IDBDatabase.prototype.transaction = realTx;
    const events = (await e.dump()).events as { type: string; payload: { recalls?: number } }[];
    const accessed = events.filter((x) => x.type === 'memory.accessed');
    const strengths = new Set((await e.getAll({ limit: n })).results.map((m) => m.strength));
    const log = await e.verifyLog();
    await e.close();
    return { slice: RECALL_WRITE_SLICE, eventTx, order, accessed, strengths: [...strengths], log };
  }, FIXTURE);
  expect(r.eventTx).toBe(Math.ceil(300 / r.slice));
  expect(r.order).toEqual(['search', 'flush']);
  expect(r.accessed).toHaveLength(300);
  expect(r.accessed.every((x) => x.payload.recalls === 1)).toBe(true);
  expect(r.strengths).toEqual([2]);
  expect(r.log).toMatchObject({ ok: true });
});
