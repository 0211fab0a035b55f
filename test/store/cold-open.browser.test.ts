// A reopened store of a few thousand memories is read from its checkpoint, its lexical index
// built at open from the stored rows, and it answers every search as it did before close and as
// a store loaded without the checkpoint does (ids, scores and texts) — also after writes made
// before the first search. The page warms the origin's IndexedDB while the Worker loads.
// (The 100k figure is in bench/cold-open.mjs.)
import { expect, test } from 'vitest';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';
const MEMORIES = 5000;

test('5,000 memories reopened from the checkpoint answer searches exactly as before close', async () => {
  const context = await newContext();
  const name = `cold-open-${Date.now()}`;
  const queries = [
    'where did Caroline go to the support group',
    'the garden and the tomatoes',
    'budget for the project deadline',
    'sister visiting in winter',
    'piano lessons 17',
  ];
  const WORDS =
    'garden tomatoes support group Caroline Melanie painting budget project deadline sister ' +
    'winter piano lessons camping beach adoption counselling museum concert bread recipe ' +
    // Texts not all ASCII (the checkpoint keeps those in a UTF-8 run of their own).
    'café Zürich 東京 naïve 😀';
  const before = await (
    await openPage(undefined, context)
  ).evaluate(
    async ({ path, name, queries, WORDS, MEMORIES }) => {
      const f = await importSrc<Fixture>(path);
      const words = WORDS.split(' ');
      const opts = { name, embedder: { type: 'hash' as const, dim: 64 }, backend: 'cpu' as const };
      const mem = await f.Engram.open(opts);
      await mem.addMany(
        Array.from({ length: MEMORIES }, (_, i) => ({
          text: `${words[i % words.length]} and ${words[(i * 7 + 3) % words.length]} ${words[(i * 13 + 5) % words.length]}, note ${i % 101}`,
          userId: i % 3 ? 'ada' : 'bob',
        })),
      );
      const search = async (q: string) =>
        (await mem.search(q, { limit: 20, reinforce: false })).results.map((r) => [
          r.id,
          r.score,
          r.memory,
        ]);
      const results = [];
      for (const q of queries) results.push(await search(q));
      const lastSeq = (await mem.verifyLog()).events;
      await mem.close(); // writes the checkpoint
      return { results, lastSeq };
    },
    { path: FIXTURE, name, queries, WORDS, MEMORIES },
  );
  expect(before.results.every((r) => r.length === 20)).toBe(true);

  // A new page: the Worker opens the store from the checkpoint, then a full load to compare.
  const after = await (
    await openPage(undefined, context)
  ).evaluate(
    async ({ path, name, queries }) => {
      const f = await importSrc<Fixture>(path);
      const logs: string[] = [];
      // Counts the page's early call that warms the origin's IndexedDB while the Worker loads.
      let warmed = 0;
      const databases = indexedDB.databases.bind(indexedDB);
      indexedDB.databases = () => {
        warmed++;
        return databases();
      };
      const opts = { name, embedder: { type: 'hash' as const, dim: 64 }, backend: 'cpu' as const };
      const mem = await f.Engram.open({ ...opts, log: (m: string) => logs.push(m) });
      const search = async (m: typeof mem, q: string) =>
        (await m.search(q, { limit: 20, reinforce: false })).results.map((r) => [
          r.id,
          r.score,
          r.memory,
        ]);
      const results = [];
      for (const q of queries) results.push(await search(mem, q));
      await mem.close();
      // Writes made before the first search: the rows loaded for them must not be used.
      const third = await f.Engram.open(opts);
      const top = (await third.getAll({ limit: 3 })).results;
      await third.update(top[0]!.id, 'the tomatoes were eaten by the Caroline support group');
      await third.delete(top[1]!.id);
      const changed = [];
      for (const q of queries) changed.push(await search(third, q));
      await third.close();
      const full = await f.Engram.open({ ...opts, checkpoint: false });
      const fullResults = [];
      for (const q of queries) fullResults.push(await search(full, q));
      await full.close();
      const [updated, deleted] = [top[0]!.id, top[1]!.id];
      return { logs, warmed, results, changed, fullResults, updated, deleted };
    },
    { path: FIXTURE, name, queries },
  );
  // Opened from the checkpoint at the log's end (no event replayed), lexical index built at open.
  expect(after.logs).toContain(`engram: opened from the checkpoint at seq ${before.lastSeq}`);
  const timing = after.logs.find((l) => l.startsWith(`engram: opened ${MEMORIES} memories in`));
  expect(timing).toMatch(/lexical index \d+ ms/);
  // Three opens in the Worker (cold, after the writes, in full): each warmed IndexedDB first.
  expect(after.warmed).toBe(3);
  expect(after.results).toEqual(before.results);
  // After an update and a delete made before the first search: as a full load answers.
  expect(after.changed).toEqual(after.fullResults);
  const ids = after.changed.flat().map((r) => r[0]);
  expect(ids).toContain(after.updated); // the rewritten text is found by its new words
  expect(ids).not.toContain(after.deleted);
});
