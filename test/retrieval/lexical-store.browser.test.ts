// The lexical index kept in IndexedDB (object store `lexical`, schema v3): one row per active
// memory, written in the same transaction as the memory; loaded at open without re-analysis;
// gone after delete and erasure (no stem of the erased text left); rebuilt from the log; built
// by the v2 → v3 migration.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

/** Opens the database by hand and runs `fn` in a readwrite transaction over `stores`. */
const RAW = `(name, stores, fn) => new Promise((resolve, reject) => {
  const req = indexedDB.open(name);
  req.onsuccess = () => {
    const tx = req.result.transaction(stores, 'readwrite');
    fn(tx);
    tx.oncomplete = () => (req.result.close(), resolve());
    tx.onerror = () => reject(tx.error);
  };
})`;

test('rows follow adds, updates, deletes and erasure; open reads them; rebuild restores them', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path, rawSrc }) => {
      const f = await importSrc<Fixture>(path);
      const { lexicalRow } = await importSrc<typeof import('../../src/retrieval/lexical-row')>(
        '/src/retrieval/lexical-row.ts',
      );
      const raw = (0, eval)(rawSrc) as (
        name: string,
        stores: string[],
        fn: (tx: IDBTransaction) => void,
      ) => Promise<void>;
      const name = f.uniqueName();
      const o = { reinforce: false, limit: 5 } as const;
      let e = await f.openEngine(name);
      const rows = async () =>
        Object.fromEntries(
          ((await e.dump()).lexical as { id: string; terms: [string, number][] }[]).map((x) => [
            x.id,
            x.terms.map((t) => t[0]),
          ]),
        );
      const add = async (text: string) => (await e.add(text, { infer: false })).results[0]!.id;
      const a = await add('Ada collects antique barometers');
      const b = await add('Bob grows pumpkins');
      const c = await add('Cyd owes Quuxbridge Bank money');
      const d = await add('Dee paints lighthouses');
      const afterAdd = await rows();
      await e.update(b, 'Bob grows giant zucchinis');
      const afterUpdate = await rows();
      await e.search('zucchinis', o); // recalls rewrite the memory, not its row
      await e.delete(d);
      const afterDelete = await rows();
      const receipt = await e.erase(c);
      const dump = f.dumpJson(await e.dump());
      const erasedHits = (await e.search('Quuxbridge', o)).results.map((x) => x.id);
      // Rows of the store are what the retriever loads at open: a row rewritten by hand is
      // what a reopened engine searches (it re-analyses nothing).
      const stored = (await e.dump()).lexical as { id: string }[];
      const rowA = stored.find((x) => x.id === a)!;
      await e.close();
      await raw(name, ['lexical'], (tx) =>
        tx.objectStore('lexical').put({ ...rowA, terms: [['okapi', 1]] }),
      );
      e = await f.openEngine(name);
      const byHand = (
        await e.search('okapi', { ...o, retrieval: { dense: false, links: false } })
      ).results.map((x) => x.id);
      // Rebuild drops and rewrites the derived stores, this one included: rows as made live.
      const rebuilt = await e.rebuild();
      const afterRebuild = (await e.dump()).lexical;
      const expected = (await e.getAll()).results.map((m) => m.id);
      const memories = (await e.dump()).memories as Parameters<typeof lexicalRow>[0][];
      const live = memories
        .flatMap((m) => lexicalRow(m) ?? [])
        .sort((x, y) => (x.id < y.id ? -1 : 1));
      const okapiAfter = (
        await e.search('okapi', { ...o, retrieval: { dense: false, links: false } })
      ).results;
      await e.close();
      return {
        ids: { a, b, c, d },
        afterAdd,
        afterUpdate,
        afterDelete,
        erased: receipt.ids,
        dumpHasErased: ['quuxbridg', 'quuxbridge', 'Quuxbridge'].some((w) => dump.includes(w)),
        erasedHits,
        byHand,
        rebuilt: rebuilt.memories,
        afterRebuild: JSON.stringify(afterRebuild),
        live: JSON.stringify(live),
        rebuiltIds: (afterRebuild as { id: string }[]).map((x) => x.id).sort(),
        expected: expected.sort(),
        okapiAfter: okapiAfter.length,
      };
    },
    { path: FIXTURE, rawSrc: RAW },
  );
  const { a, b, c, d } = r.ids;
  expect(Object.keys(r.afterAdd).sort()).toEqual([a, b, c, d].sort());
  expect(r.afterAdd[c]).toEqual(expect.arrayContaining(['quuxbridg', 'bank']));
  expect(r.afterUpdate[b]).toEqual(expect.arrayContaining(['zucchini']));
  expect(r.afterUpdate[b]).not.toContain('pumpkin');
  expect(Object.keys(r.afterDelete)).not.toContain(d);
  expect(r.erased).toEqual([c]);
  expect(r.dumpHasErased).toBe(false);
  expect(r.erasedHits).not.toContain(c);
  expect(r.byHand).toEqual([a]); // the stored row was searched as it is
  expect(r.rebuiltIds).toEqual(r.expected);
  expect(r.afterRebuild).toBe(r.live);
  expect(r.okapiAfter).toBe(0); // the hand-made row is gone: rebuilt from the memories
});

test('a v2 store opens under v3 and gets its lexical index built', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path }) => {
      const f = await importSrc<Fixture>(path);
      const { MIGRATIONS } =
        await importSrc<typeof import('../../src/store/schema')>('/src/store/schema.ts');
      const { openDB } = await importSrc<typeof import('idb')>('/node_modules/idb/build/index.js');
      // A reference store at v3, and its v2 twin: same records written into the v2 layout.
      const ref = f.uniqueName();
      const clock = () => 1_700_000_000_000; // results carry retention at this time
      const e = await f.openEngine(ref, { clock });
      for (const t of ['Ada collects barometers', 'Bob grows pumpkins', 'Cyd paints boats'])
        await e.add(t, { infer: false, runId: 's1' });
      const gone = (await e.add('Dee sails', { infer: false })).results[0]!.id;
      await e.delete(gone);
      const q = { reinforce: false, limit: 4 } as const;
      const want = JSON.stringify((await e.search('who grows pumpkins', q)).results);
      const dump = await e.dump();
      await e.close();
      const old = f.uniqueName();
      const db = await openDB(old, 2, {
        async upgrade(database, oldVersion, _n, tx) {
          for (let v = oldVersion; v < 2; v++)
            await MIGRATIONS[v]!(database as never, tx as never, { lexicalRow: () => undefined });
        },
      });
      const keyed: Record<string, (x: unknown, i: number) => IDBValidKey | undefined> = {
        vectorBlocks: (_x, i) => i,
        vectorTail: (_x, i) => i,
      };
      for (const store of ['meta', 'memories', 'versions', 'events', 'links']) {
        for (const [i, v] of dump[store]!.entries())
          await db.put(store as never, v as never, keyed[store]?.(v, i) as never);
      }
      // Vector rows: copy the raw stores key by key.
      const src = await openDB(ref);
      for (const store of ['vectorBlocks', 'vectorTail'] as const) {
        const keys = await src.getAllKeys(store as never);
        for (const k of keys)
          await db.put(store as never, (await src.get(store as never, k)) as never, k);
      }
      src.close();
      const meta = (await db.get('meta' as never, 'meta' as never)) as Record<string, unknown>;
      await db.put('meta' as never, { ...meta, schemaVersion: 2 } as never);
      const v2Stores = [...db.objectStoreNames];
      db.close();
      const m = await f.openEngine(old, { clock });
      const got = JSON.stringify((await m.search('who grows pumpkins', q)).results);
      const rows = (await m.dump()).lexical as { id: string }[];
      const active = (await m.getAll()).results.map((x) => x.id);
      await m.close();
      return { v2Stores, got, want, rows: rows.map((x) => x.id).sort(), active: active.sort() };
    },
    { path: FIXTURE },
  );
  expect(r.v2Stores).not.toContain('lexical');
  expect(r.rows).toEqual(r.active);
  expect(r.rows.length).toBe(3);
  expect(r.got).toBe(r.want);
});
