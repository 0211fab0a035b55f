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
