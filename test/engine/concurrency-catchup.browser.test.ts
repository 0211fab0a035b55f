// A tab whose catch-up with other tabs fails never writes against stale state:
// it reloads, or (when the reload fails too) refuses with OutOfSync and writes nothing.
import { expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import type { MemoryStore } from '../../src/store/memory-store';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a failed catch-up reloads: the next write builds on what the other tab wrote', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const [a, b] = (await f.openEngines(f.uniqueName('catchup'), 2)) as [Engine, Engine];
    const id = (await a.add('Ada lives in Berlin', { infer: false })).results[0]!.id;
    // Every incremental catch-up in `a` fails (a read of the log throwing) until Rome is written.
    const store = (a as unknown as { store: MemoryStore }).store;
    const eventsSince = store.eventsSince.bind(store);
    let [broken, thrown] = [true, 0];
    store.eventsSince = (after: number) =>
      broken && ++thrown ? Promise.reject(new Error('injected read failure')) : eventsSince(after);
    await b.update(id, 'Ada lives in Paris');
    // Written in `a`, whose last successful catch-up predates Paris.
    const rome = await a.update(id, 'Ada lives in Rome');
    broken = false;
    const history = (await a.history(id)).map((h) => [h.event, h.newMemory]);
    // `b` catches up when a's announcement arrives.
    for (let i = 0; i < 50 && (await b.get(id)).version < 3; i++)
      await new Promise((r) => setTimeout(r, 20));
    const seenByB = await b.get(id);
    const log = await a.verifyLog();
    const verify = await b.verify();
    await a.close();
    await b.close();
    return { thrown, rome: rome.version, history, seenByB, log, verify };
  }, FIXTURE);
  expect(r.thrown).toBeGreaterThanOrEqual(1); // the failure did happen
  // Paris is version 2 and stays in history; Rome is version 3, not a second version 2.
  expect(r.rome).toBe(3);
  expect(r.history).toEqual([
    ['ADD', 'Ada lives in Berlin'],
    ['UPDATE', 'Ada lives in Paris'],
    ['UPDATE', 'Ada lives in Rome'],
  ]);
  expect(r.seenByB).toMatchObject({ memory: 'Ada lives in Rome', version: 3 });
  expect(r.log).toMatchObject({ ok: true });
  expect(r.verify).toMatchObject({ ok: true, problems: [] });
});

test('when the reload fails too, reads and writes fail with OutOfSync and the store is unchanged', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const [a, b] = (await f.openEngines(f.uniqueName('catchup'), 2)) as [Engine, Engine];
    await a.add('Ada lives in Berlin', { infer: false });
    // Every read `a` could catch up or reload with fails until `broken` is cleared.
    const store = (a as unknown as { store: MemoryStore }).store;
    const [eventsSince, load] = [store.eventsSince.bind(store), store.load.bind(store)];
    let broken = true;
    const fail = () => Promise.reject(new Error('injected read failure'));
    store.eventsSince = (after: number) => (broken ? fail() : eventsSince(after));
    store.load = () => (broken ? fail() : load());
    await b.add('Bob sails on Sundays', { infer: false });
    const before = f.dumpJson(await b.dump());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
    const refused = {
      add: await code(a.add('Carol paints on Mondays', { infer: false })),
      addMany: await code(a.addMany([{ text: 'Dan runs' }])),
      getAll: await code(a.getAll()),
      search: await code(a.search('who sails', { limit: 1 })),
    };
    const after = f.dumpJson(await b.dump());
    broken = false;
    const carol = await a.add('Carol paints on Mondays', { infer: false });
    const all = (await a.getAll()).results.map((m) => m.memory);
    const allB = (await b.add('Eve swims', { infer: false }), await b.getAll()).results.map(
      (m) => m.memory,
    );
    const log = await a.verifyLog();
    await a.close();
    await b.close();
    return { refused, unchanged: before === after, carol: carol.results[0]?.event, all, allB, log };
  }, FIXTURE);
  expect(r.refused).toEqual({
    add: 'OutOfSync',
    addMany: 'OutOfSync',
    getAll: 'OutOfSync',
    search: 'OutOfSync',
  });
  expect(r.unchanged).toBe(true);
  expect(r.carol).toBe('ADD');
  expect(r.all).toEqual(['Ada lives in Berlin', 'Bob sails on Sundays', 'Carol paints on Mondays']);
  expect(r.allB).toEqual([...r.all, 'Eve swims']);
  expect(r.log).toMatchObject({ ok: true, events: 4 });
});

test('a tab that missed a reset elsewhere, after which the log grew past its position, reloads instead of mixing logs', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const [a, b] = (await f.openEngines(f.uniqueName('catchup'), 2)) as [Engine, Engine];
    await b.addMany(['old one', 'old two', 'old three'].map((text) => ({ text })));
    // `b` hears nothing more from `a` (its announcements are late, or lost).
    const channel = (b as unknown as { sync: { channel: BroadcastChannel } }).sync.channel;
    channel.onmessage = null;
    await a.reset();
    await a.addMany(['new 1', 'new 2', 'new 3', 'new 4', 'new 5'].map((text) => ({ text })));
    // The log is at seq 5 again, past b's position (3): only its hashes tell it is another log.
    await b.add('written by b', { infer: false });
    const all = (await b.getAll()).results.map((m) => m.memory);
    const log = await b.verifyLog();
    const verify = await b.verify();
    await a.close();
    await b.close();
    return { all, log, verify };
  }, FIXTURE);
  expect(r.all).toEqual(['new 1', 'new 2', 'new 3', 'new 4', 'new 5', 'written by b']);
  expect(r.log).toMatchObject({ ok: true });
  expect(r.verify).toMatchObject({ ok: true, problems: [] });
});
