// index { mode: 'ivf' } reopened on real IndexedDB: the IVF lists trained before close are
// stored beside the checkpoint and restored at open (no k-means, no re-assignment at the first
// search), so the reopened store gives the same top-10, scores included, as before closing — a
// tail of rows added after training included. A damaged or foreign layout (a slot twice, a slot
// id far past the store's rows) is not used: the index trains anew and answers as a store opened
// without any checkpoint does, nothing lost.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('ivf: the reopened store restores its stored lists and answers exactly as before close; a damaged layout is refused and retrained', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const qf = await importSrc<typeof import('../search/quant-fixtures')>(
      '/test/search/quant-fixtures.ts',
    );
    const dim = 64;
    const n = 2400;
    const extra = 40; // added after training: stays in the IVF tail
    const nq = 20;
    const rows = qf.clusteredRows(n + extra + nq, dim, 7, 40);
    const vec = (i: number) => rows.slice(i * dim, (i + 1) * dim);
    const name = f.uniqueName('ivf-reopen');
    const logs: string[] = [];
    const opts = {
      index: { mode: 'ivf' as const, nprobe: 3 },
      checkpoint: { minMemories: 1, minEvents: 1 },
      log: (m: string) => logs.push(m),
    };
    const items = (from: number, to: number) => f.vectorItems(vec, from, to);
    type E = Awaited<ReturnType<typeof f.openEngine>>;
    const top = (e: E) => f.denseTop(e, vec, n + extra, nq);
    const first = await f.openEngine(name, opts);
    await first.addMany(items(0, n));
    await top(first); // trains the lists on 2 400 rows
    await first.addMany(items(n, n + extra));
    const before = await top(first);
    await first.close();

    logs.length = 0;
    const t0 = performance.now();
    const second = await f.openEngine(name, opts);
    const openMs = performance.now() - t0;
    const restoredLogs = [...logs];
    const t1 = performance.now();
    const after = await top(second);
    const searchMs = performance.now() - t1;
    const mode = (await second.info()).indexMode;
    await second.close();

    // Damage the stored layout (one slot listed twice) through raw IndexedDB.
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const put = (key: number, value: unknown) =>
      new Promise<void>((ok, fail) => {
        const tx = db.transaction('checkpoints', 'readwrite');
        tx.objectStore('checkpoints').put(value, key);
        tx.oncomplete = () => ok();
        tx.onerror = () => fail(tx.error);
      });
    const stored = await new Promise<{ layout: { posSlot: Int32Array } }>((ok, fail) => {
      const req = db.transaction('checkpoints').objectStore('checkpoints').get(-2);
      req.onsuccess = () => ok(req.result as { layout: { posSlot: Int32Array } });
      req.onerror = () => fail(req.error);
    });
    const hadLayout = stored !== undefined;
    const good = stored.layout.posSlot.slice();
    stored.layout.posSlot[1] = stored.layout.posSlot[0]!;
    await put(-2, stored);
    logs.length = 0;
    const third = await f.openEngine(name, opts);
    const damagedLogs = [...logs];
    const damaged = await top(third);
    const count = (await third.info()).count;
    await third.close();
    // A slot id far past the store's rows (the arrays sized by it were a RangeError at open).
    good[1] = 2 ** 31 - 2;
    stored.layout.posSlot = good;
    await put(-2, stored);
    db.close();
    logs.length = 0;
    const fourthHuge = await f.openEngine(name, opts);
    const hugeLogs = [...logs];
    const huge = await top(fourthHuge);
    await fourthHuge.close();
    // A store opened without checkpoint or layout: what the damaged one must answer.
    const plain = await f.openEngine(name, { ...opts, checkpoint: false });
    const full = await top(plain);
    await plain.close();

    // An erasure: the open index still holds the erased vector, so lists laid out after it
    // (here: 1 100 new rows join their lists at the next search) are not stored at close.
    const fourth = await f.openEngine(name, opts);
    const victim = (await fourth.search('query 0', { vector: vec(n + extra), limit: 1 }))
      .results[0]!.id;
    await fourth.erase(victim);
    await fourth.addMany(
      items(n + extra + nq, n + extra + nq + 1100).map((x, j) => ({
        ...x,
        vector: vec(j),
      })),
    );
    await top(fourth); // the tail (over 1 024 rows) joins its lists: a new layout
    await fourth.close();
    logs.length = 0;
    const fifth = await f.openEngine(name, opts);
    const afterErasureLogs = [...logs];
    await fifth.close();
    return {
      afterErasureLogs,
      before,
      after,
      damaged,
      huge,
      hugeLogs,
      full,
      restoredLogs,
      damagedLogs,
      mode,
      count,
      hadLayout,
      openMs,
      searchMs,
    };
  }, FIXTURE);
  expect(r.hadLayout).toBe(true);
  const restored = (logs: string[]) =>
    logs.some((l) => l.startsWith('engram: IVF lists restored from the store'));
  expect(restored(r.restoredLogs)).toBe(true);
  expect(r.mode).toBe('ivf');
  expect(r.before.every((t) => t.length === 10)).toBe(true);
  expect(r.after).toEqual(r.before); // same memories and scores, the tail included
  // The damaged layout: refused (no "restored" line), lists trained anew, nothing lost.
  expect(restored(r.damagedLogs)).toBe(false);
  expect(r.count).toBe(2440);
  expect(r.damaged).toEqual(r.full);
  expect(restored(r.hugeLogs)).toBe(false);
  expect(r.huge).toEqual(r.full);
  // Lists laid out after an erasure in the same session are not stored (the erasure also
  // deleted the stored ones): the next open restores none.
  expect(restored(r.afterErasureLogs)).toBe(false);
  expect(r.afterErasureLogs.some((l) => l.startsWith('engram: opened '))).toBe(true);
  console.log(
    `ivf reopen: open ${r.openMs.toFixed(0)} ms, ${r.after.length} searches ${r.searchMs.toFixed(0)} ms`,
  );
});
