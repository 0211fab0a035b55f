// rebuild(): drop every derived store by hand, rebuild from the log alone, and
// get the same bytes in every store (a merge and an unmerge included); a
// tampered log is refused.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('rebuild from the log reproduces memories, versions, vectors and links byte for byte', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = 1_700_000_000_000;
    const name = f.uniqueName();
    const e = await f.openEngine(name, { blockRows: 4, clock: () => now, linkThreshold: 0.3 });
    await f.buildHistory(e, () => (now += 3_600_000));
    // Near-duplicates merged into one representative, one of them brought back.
    now += 3_600_000;
    const dups = await e.addMany(
      Array.from({ length: 3 }, () => ({
        text: 'the gate is green',
        userId: 'ada',
        runId: 'dups',
      })),
    );
    const merged = await e.merge({ runId: 'dups', threshold: 0.999 });
    await e.unmerge(dups.results[2]!.id);
    const q = { userId: 'ada', limit: 10, reinforce: false } as const;
    const before = f.dumpJson(await e.dump());
    const searchBefore = await e.search('where do I live and work', q);
    const counts = Object.fromEntries(
      Object.entries(await e.dump()).map(([k, v]) => [k, v.length]),
    );
    // Drop the derived stores behind Engram's back.
    const raw = (fn: (db: IDBDatabase) => IDBTransaction) =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => {
          const tx = fn(req.result);
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      });
    const derived = ['memories', 'versions', 'vectorBlocks', 'vectorTail', 'links', 'lexical'];
    await raw((db) => {
      const tx = db.transaction(derived, 'readwrite');
      for (const s of derived) tx.objectStore(s).clear();
      return tx;
    });
    const emptied = Object.values(await e.dump()).reduce((n, v) => n + v.length, 0);
    const result = await e.rebuild();
    const after = f.dumpJson(await e.dump());
    const searchAfter = await e.search('where do I live and work', q);
    // Tamper with one event: rebuild refuses and changes nothing.
    await raw((db) => {
      const tx = db.transaction('events', 'readwrite');
      const get = tx.objectStore('events').get(2);
      get.onsuccess = () => tx.objectStore('events').put({ ...get.result, at: 1 });
      return tx;
    });
    const tampered = f.dumpJson(await e.dump());
    const refused = await e.rebuild().then(
      () => 'resolved',
      (x: { code?: string }) => x.code,
    );
    const untouched = tampered === f.dumpJson(await e.dump());
    const mergedAfter = (await e.getAll({ runId: 'dups' })).results.length;
    await e.close();
    return {
      counts,
      emptied,
      result,
      same: before === after,
      searchSame: JSON.stringify(searchBefore) === JSON.stringify(searchAfter),
      hits: searchAfter.results.length,
      refused,
      untouched,
      merged: merged.merged,
      mergedAfter,
    };
  }, FIXTURE);
  // The history touched every derived store (sealed blocks and a tail included).
  for (const s of [
    'memories',
    'versions',
    'vectorBlocks',
    'vectorTail',
    'links',
    'lexical',
    'events',
  ])
    expect([s, r.counts[s]]).not.toEqual([s, 0]);
  expect(r.emptied).toBe(1 + r.counts.events!); // only meta and events were left
  expect(r.result.events).toBe(r.counts.events);
  expect(r.same).toBe(true);
  expect(r.searchSame).toBe(true);
  expect(r.hits).toBeGreaterThan(3);
  expect(r.refused).toBe('CorruptStore');
  expect(r.untouched).toBe(true);
  expect(r.merged).toBe(2);
  expect(r.mergedAfter).toBe(2); // the representative and the one unmerged
});
