// index { mode: 'ivf' } reopened on real IndexedDB with its lists' int8 codes stored beside them:
// the open stages the index from the codes (read before the checkpoint's bytes; the fp32 rows
// are read in the background), and every answer is the one the store gave before close. A staged
// index searched before its rows are in reads the rows it rescores from the store's Blob blocks
// (slices, a run of consecutive rows at a time) and answers as the index with every row in.
// Damaged codes are not used (the lists are restored as before, the rows read at open); lists
// stored without codes (by an Engram before them) are stored again with them; close right after
// an open stops the background read quietly.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
type Idb = typeof import('idb');
type Ivf = typeof import('../../src/search/ivf-index');
type LexicalRowModule = typeof import('../../src/retrieval/lexical-row');
const FIXTURE = '/test/engine/fixture.ts';

test('ivf: a reopened store is staged from its stored codes and answers as before close, before and after its rows are read', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { openDB } = await importSrc<Idb>('/node_modules/idb/build/index.js');
    const { IvfIndex } = await importSrc<Ivf>('/src/search/ivf-index.ts');
    const { lexicalRow } = await importSrc<LexicalRowModule>('/src/retrieval/lexical-row.ts');
    const qf = await importSrc<typeof import('../search/quant-fixtures')>(
      '/test/search/quant-fixtures.ts',
    );
    const dim = 64;
    const n = 2400;
    const extra = 40; // added after training: the IVF tail, read at open
    const nq = 20;
    const rows = qf.clusteredRows(n + extra + nq, dim, 7, 41);
    const vec = (i: number) => rows.slice(i * dim, (i + 1) * dim);
    const name = f.uniqueName('ivf-staged');
    const logs: string[] = [];
    const opts = {
      index: { mode: 'ivf' as const, nprobe: 3 },
      checkpoint: { minMemories: 1, minEvents: 1 },
      blockRows: 256, // sealed blocks, so rows are read as slices of their Blobs
      log: (m: string) => logs.push(m),
    };
    type E = Awaited<ReturnType<typeof f.openEngine>>;
    const top = (e: E) => f.denseTop(e, vec, n + extra, nq);
    const items = (from: number, to: number) => f.vectorItems(vec, from, to);
    const stagedLine = (l: string) => l.includes('staged from their codes');
    const readLine = (l: string) => l.startsWith('engram: IVF rows read in the background');
    const restoredLine = (l: string) => l.startsWith('engram: IVF lists restored from the store');
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 200 && !ok(); i++) await new Promise((go) => setTimeout(go, 50));
      return ok();
    };
    const storedLayout = async () => {
      const db = await openDB(name);
      try {
        return (await db.get('checkpoints', -2)) as
          { layout: { codes?: { bytes: Blob; length: number } } } | undefined;
      } finally {
        db.close();
      }
    };
    const putLayout = async (value: unknown) => {
      const db = await openDB(name);
      await db.put('checkpoints', value, -2);
      db.close();
    };

    const first = await f.openEngine(name, opts);
    await first.addMany(items(0, n));
    await top(first); // trains the lists
    await first.addMany(items(n, n + extra));
    const before = await top(first);
    await first.close();
    const stored = await storedLayout();
    const codesStored = stored?.layout.codes?.bytes instanceof Blob;

    // Staged: answers at once (rows read per search), then after the background read. The
    // codes' Blob is read before the checkpoint's (each Blob read's size, in order).
    const checkpointBytes = (
      (await (await openDB(name)).get('checkpoints', -1)) as { length: number }
    ).length;
    const blobReads: number[] = [];
    const arrayBuffer = Blob.prototype.arrayBuffer;
    Blob.prototype.arrayBuffer = function (this: Blob) {
      blobReads.push(this.size);
      return arrayBuffer.call(this);
    };
    logs.length = 0;
    const second = await f.openEngine(name, opts).finally(() => {
      Blob.prototype.arrayBuffer = arrayBuffer;
    });
    const openLogs = [...logs];
    const codesAt = blobReads.indexOf(stored!.layout.codes!.length);
    const codesFirst = codesAt >= 0 && codesAt < blobReads.indexOf(checkpointBytes);
    const early = await top(second);
    const rowsRead = await until(() => logs.some(readLine));
    const late = await top(second);
    await second.close();

    // The store itself: rows read by slot (runs, repeats, across blocks, the unsealed tail,
    // past the end) are the rows it streams; an index staged from its layout and codes, reading
    // its rows through it, answers as one with every row in.
    const meta = (await (await openDB(name)).get('meta', 'meta')) as {
      embedderId: string;
      dim: number;
      nextSlot: number;
    };
    const store = await f.MemoryStore.open(name, meta, { lexicalRow });
    const all = new Float32Array(meta.nextSlot * dim);
    await store.streamVectors((first, rows) => all.set(rows, first * dim));
    const want = [0, 1, 2, 3, 255, 256, 257, 700, 701, 701, 5, n + extra - 1, n + extra + 5];
    const got = await store.readVectors(want);
    const byRun = [...got].every(([s, row]) => row.every((v, i) => v === all[s * dim + i]));
    const readSlots = [...got.keys()].sort((a, b) => a - b);
    const layout = (await store.readIndexLayout())!;
    const codeBytes = (await store.readLayoutCodes(layout.codes!))!;
    let asked = 0;
    const staged = new IvfIndex({ dim, probes: 3, flatBelow: 1000 });
    const { codes, ...trained } = layout;
    const stagedOk = staged.stageLayout(
      trained,
      { bytes: codeBytes, maxNorm: codes!.maxNorm },
      meta.nextSlot,
      (slots) => {
        asked += slots.length;
        return store.readVectors(slots);
      },
    );
    const unplaced = staged.unplacedSlots();
    const tailRows = new Float32Array(unplaced.length * dim);
    unplaced.forEach((s, j) => tailRows.set(all.subarray(s * dim, (s + 1) * dim), j * dim));
    await staged.write(unplaced[0]!, tailRows); // consecutive: the rows added after training
    const full = new IvfIndex({ dim, probes: 3, flatBelow: 1000 });
    await full.write(0, all);
    full.restoreLayout(trained);
    const queries = rows.slice((n + extra) * dim);
    const stagedHits = await staged.search(queries, 10);
    const fullHits = await full.search(queries, 10);
    const sameHits =
      JSON.stringify(stagedHits.map((h) => [[...h.slots], [...h.scores]])) ===
      JSON.stringify(fullHits.map((h) => [[...h.slots], [...h.scores]]));
    store.close();

    // Damaged codes: not used; the lists restored as before (rows read at open).
    const bytes = new Uint8Array(await stored!.layout.codes!.bytes.arrayBuffer());
    bytes[7] = bytes[7]! ^ 0x40;
    await putLayout({
      ...stored,
      layout: { ...stored!.layout, codes: { ...stored!.layout.codes, bytes: new Blob([bytes]) } },
    });
    logs.length = 0;
    const third = await f.openEngine(name, opts);
    const damagedLogs = [...logs];
    const damaged = await top(third);
    await third.close();

    // Lists stored without codes (as before they were kept): restored, then stored with them.
    const { codes: _codes, ...lists } = stored!.layout;
    await putLayout({ ...stored, layout: lists });
    logs.length = 0;
    const fourth = await f.openEngine(name, opts);
    const noCodesLogs = [...logs];
    const noCodes = await top(fourth);
    await fourth.close();
    const storedAgain = (await storedLayout())?.layout.codes?.bytes instanceof Blob;

    // Closed right after a staged open: the background read stops quietly.
    logs.length = 0;
    const fifth = await f.openEngine(name, opts);
    const t0 = performance.now();
    await fifth.close();
    const closeMs = performance.now() - t0;
    const fifthLogs = [...logs];

    // Staged, but the checkpoint is too far behind the log to be used (memories added by a
    // session without checkpoints): the records are read instead, and the staged index starts
    // again from the rows (not left staged, searching its codes of rows it no longer holds).
    const noCheckpoint = await f.openEngine(name, { ...opts, checkpoint: false });
    await noCheckpoint.addMany(items(0, 3).map((x, j) => ({ ...x, text: `late memory ${j}` })));
    await noCheckpoint.close();
    logs.length = 0;
    const lagging = await f.openEngine(name, {
      ...opts,
      checkpoint: { minMemories: 1, minEvents: 1, maxLag: 1 },
    });
    const laggingLogs = [...logs];
    const lagged = await top(lagging);
    let building = true;
    for (let i = 0; i < 100 && building; i++) {
      building = (await lagging.info()).indexBuilding === true;
      if (building) await new Promise((go) => setTimeout(go, 50));
    }
    const laggedCount = (await lagging.info()).count;
    await lagging.close();
    const plain = await f.openEngine(name, { ...opts, checkpoint: false });
    const plainAnswers = await top(plain);
    await plain.close();
    return {
      laggingLogs,
      lagged,
      plainAnswers,
      building,
      laggedCount,
      codesStored,
      codesFirst,
      before,
      early,
      late,
      damaged,
      noCodes,
      openLogs,
      rowsRead,
      byRun,
      readSlots,
      stagedOk,
      unplaced: unplaced.length,
      sameHits,
      asked,
      stagedHits: stagedHits.map((h) => h.slots.length),
      damagedLogs,
      noCodesLogs,
      storedAgain,
      fifthLogs,
      closeMs,
      staged: [openLogs, damagedLogs, noCodesLogs, fifthLogs].map((l) => l.some(stagedLine)),
      restored: [openLogs, damagedLogs, noCodesLogs].map((l) => l.some(restoredLine)),
    };
  }, FIXTURE);
  expect(r.codesStored).toBe(true);
  expect(r.codesFirst).toBe(true);
  expect(r.before.every((t) => t.length === 10)).toBe(true);
  expect(r.restored).toEqual([true, true, true]);
  // Staged at the second open, the fifth (codes stored again), not with damaged or no codes.
  expect(r.staged).toEqual([true, false, false, true]);
  expect(r.early).toEqual(r.before);
  expect(r.rowsRead).toBe(true);
  expect(r.late).toEqual(r.before);
  // Read by slot from the store: each row once, as streamed; none past the end.
  expect(r.byRun).toBe(true);
  expect(r.readSlots).toEqual([0, 1, 2, 3, 5, 255, 256, 257, 700, 701, 2439]);
  // Staged from the stored layout and codes, rows read through the store: same hits.
  expect(r.stagedOk).toBe(true);
  expect(r.unplaced).toBe(40);
  expect(r.stagedHits.every((k) => k === 10)).toBe(true);
  expect(r.sameHits).toBe(true);
  expect(r.asked).toBeGreaterThan(0);
  expect(r.damagedLogs.some((l) => l.includes('the stored index codes are damaged'))).toBe(true);
  expect(r.damaged).toEqual(r.before);
  expect(r.noCodes).toEqual(r.before);
  expect(r.storedAgain).toBe(true);
  expect(r.fifthLogs.some((l) => l.includes('not read'))).toBe(false);
  expect(r.closeMs).toBeLessThan(5000);
  // The lagging checkpoint: staged first, then every record read; nothing stays staged.
  const opened = r.laggingLogs.find((l) => l.startsWith('engram: opened ')) ?? '';
  expect(opened).toMatch(/index codes \d+ ms/); // staged…
  expect(opened).toMatch(/records \d+ ms/); // …then every record read
  expect(r.laggedCount).toBe(2443);
  expect(r.building).toBe(false);
  expect(r.lagged).toEqual(r.plainAnswers);
});
