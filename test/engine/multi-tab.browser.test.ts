// Two tabs on one store: no write is lost, and each sees the other's writes.
import { expect, test } from 'vitest';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('two pages writing at once to one store lose nothing and see each other', async () => {
  const context = await newContext();
  const [a, b] = [await openPage(undefined, context), await openPage(undefined, context)];
  const name = `tabs-${Date.now()}`;
  const open = (tab: typeof a) =>
    tab.evaluate(
      async ({ path, name }) => {
        const f = await importSrc<Fixture>(path);
        (window as unknown as { engine: unknown }).engine = await f.openEngine(name);
      },
      { path: FIXTURE, name },
    );
  await open(a);
  await open(b);
  const writeMany = (tab: typeof a, who: string) =>
    tab.evaluate(async (who) => {
      const e = (window as unknown as { engine: import('../../src/engine/engine').Engine }).engine;
      for (let i = 0; i < 15; i++) {
        if (i % 5 === 4)
          await e.addMany([{ text: `${who} batch ${i} a` }, { text: `${who} batch ${i} b` }]);
        else await e.add(`${who} note ${i}`, { userId: who });
      }
    }, who);
  await Promise.all([writeMany(a, 'alpha'), writeMany(b, 'beta')]);
  const read = (tab: typeof a) =>
    tab.evaluate(async () => {
      const e = (window as unknown as { engine: import('../../src/engine/engine').Engine }).engine;
      // Catch-up is triggered by BroadcastChannel; give it a moment, then read.
      for (let i = 0; i < 50 && (await e.getAll()).results.length < 36; i++)
        await new Promise((r) => setTimeout(r, 20));
      const all = (await e.getAll()).results.map((m) => m.memory).sort();
      const found = (await e.search('beta note 7', { limit: 1 })).results[0]?.memory;
      const foundA = (await e.search('alpha batch 9 b', { limit: 1 })).results[0]?.memory;
      const log = await e.verifyLog();
      return { all, found, foundA, log };
    });
  const [ra, rb] = [await read(a), await read(b)];
  expect(ra.all).toHaveLength(36);
  expect(rb.all).toEqual(ra.all);
  expect(ra.found).toBe('beta note 7');
  expect(rb.foundA).toBe('alpha batch 9 b');
  // 36 adds plus the links made on insert and the recalls logged by searches.
  expect(ra.log).toMatchObject({ ok: true });
  expect(ra.log.events).toBeGreaterThan(36);

  // An update and a delete in one tab reach the other.
  const changed = await a.evaluate(async () => {
    const e = (window as unknown as { engine: import('../../src/engine/engine').Engine }).engine;
    const all = (await e.getAll({ userId: 'beta' })).results;
    await e.update(all[0]!.id, 'beta moved to Lisbon');
    await e.delete(all[1]!.id);
    return [all[0]!.id, all[1]!.id];
  });
  const seen = await b.evaluate(async (ids) => {
    const e = (window as unknown as { engine: import('../../src/engine/engine').Engine }).engine;
    for (let i = 0; i < 50; i++) {
      const m = await e.get(ids[0]!);
      if (m.version === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return {
      updated: (await e.get(ids[0]!)).memory,
      deleted: await e.get(ids[1]!).then(
        () => 'still there',
        (x: { code: string }) => x.code,
      ),
      top: (await e.search('beta moved to Lisbon', { limit: 1 })).results[0]?.memory,
    };
  }, changed);
  expect(seen).toEqual({
    updated: 'beta moved to Lisbon',
    deleted: 'NotFound',
    top: 'beta moved to Lisbon',
  });
});
