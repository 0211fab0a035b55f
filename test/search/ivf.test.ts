import { describe, expect, test } from 'vitest';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import { IvfIndex } from '../../src/search/ivf-index';
import { assign, trainKMeans } from '../../src/search/ivf-train';
import { rng, slotLists, unitRows } from './fixtures';

/** Clustered unit rows: `centers` random centres, each row a centre plus noise. */
function clustered(rows: number, dim: number, centers: number, seed: number): Float32Array {
  const c = unitRows(centers, dim, seed);
  const noise = unitRows(rows, dim, seed + 1);
  const r = rng(seed + 2);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(r() * centers);
    let n = 0;
    for (let d = 0; d < dim; d++) {
      const v = c[k * dim + d]! + 0.6 * noise[i * dim + d]!;
      out[i * dim + d] = v;
      n += v * v;
    }
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= Math.sqrt(n);
  }
  return out;
}

function recall(got: Int32Array[], want: Int32Array[]): number {
  let hit = 0;
  got.forEach((g, q) => {
    const w = new Set(want[q]!);
    for (const s of g) if (w.has(s)) hit++;
  });
  return hit / (want.length * want[0]!.length);
}

describe('k-means', () => {
  test('assign picks the centroid of largest inner product; training separates clusters', () => {
    const dim = 24;
    const cents = unitRows(5, dim, 3);
    const pts = unitRows(200, dim, 4);
    const of = assign(cents, pts, dim);
    for (let p = 0; p < 200; p++) {
      const dots = Array.from({ length: 5 }, (_, c) => {
        let s = 0;
        for (let i = 0; i < dim; i++) s += cents[c * dim + i]! * pts[p * dim + i]!;
        return s;
      });
      expect(of[p]).toBe(dots.indexOf(Math.max(...dots)));
    }
    const data = clustered(2000, dim, 8, 5);
    const trained = trainKMeans(data, dim, { lists: 8 });
    expect(trained.length).toBe(8 * dim);
    const sizes = new Array(8).fill(0);
    for (const l of assign(trained, data, dim)) sizes[l]++;
    expect(Math.min(...sizes)).toBeGreaterThan(0);
  });
});

describe('IvfIndex', () => {
  test('below flatBelow it is exact: same slots and scores as CpuFlatIndex', async () => {
    const dim = 64;
    const data = unitRows(3000, dim, 1);
    const ivf = new IvfIndex({ dim });
    const cpu = new CpuFlatIndex({ dim });
    await ivf.write(0, data);
    await cpu.write(0, data);
    ivf.remove([3, 4]);
    cpu.remove([3, 4]);
    const queries = unitRows(5, dim, 2);
    const a = await ivf.search(queries, 10);
    const b = await cpu.search(queries, 10);
    expect(slotLists(a)).toEqual(slotLists(b));
    expect(a.map((h) => [...h.scores])).toEqual(b.map((h) => [...h.scores]));
    expect(ivf.listCount).toBe(0);
  });

  test('partitioned: exact scores, recall ≥ 0.97 on clustered data with a few probes, all probes = exact', async () => {
    const dim = 48;
    const data = clustered(20_000, dim, 64, 7);
    const ivf = new IvfIndex({ dim, flatBelow: 5000, probes: 12 });
    const cpu = new CpuFlatIndex({ dim });
    await ivf.write(0, data);
    await cpu.write(0, data);
    await ivf.build();
    expect(ivf.listCount).toBe(141);
    const queries = clustered(50, dim, 64, 7).map((v, i) => v + (i % 3) * 1e-3);
    const want = await cpu.search(queries, 10);
    const got = await ivf.search(queries, 10);
    expect(
      recall(
        slotLists(got).map((s) => Int32Array.from(s)),
        want.map((h) => h.slots),
      ),
    ).toBeGreaterThanOrEqual(0.97);
    // Every hit's score is the exact one (f64 sum rounded to f32).
    for (let q = 0; q < 50; q++) {
      got[q]!.slots.forEach((s, r) => {
        let acc = 0;
        for (let i = 0; i < dim; i++) acc += data[s * dim + i]! * queries[q * dim + i]!;
        expect(got[q]!.scores[r]).toBe(Math.fround(acc));
      });
    }
    ivf.probes = ivf.listCount;
    expect(slotLists(await ivf.search(queries, 10))).toEqual(slotLists(want));
  });

  test('the int8 code scan: same answers as the fp32 scan at the same probes, exact scores, its bytes counted', async () => {
    const dim = 40; // not a multiple of 16: the codes are padded to 48 bytes
    const data = clustered(12_000, dim, 48, 21);
    // Rows of very different norms: each code has its own scale.
    for (let r = 0; r < 12_000; r += 3) for (let i = 0; i < dim; i++) data[r * dim + i]! *= 40;
    const ivf = new IvfIndex({ dim, flatBelow: 5000, probes: 10 });
    const plain = new IvfIndex({ dim, flatBelow: 5000, probes: 10, int8Scan: false });
    await ivf.write(0, data);
    await plain.write(0, data);
    await ivf.build();
    plain.restoreLayout(ivf.exportLayout()!); // the same lists: only the scan differs
    expect(ivf.bytesPerVector).toBe(40 * 4 + 12 + 48 + 4);
    expect(plain.bytesPerVector).toBe(40 * 4 + 12);
    ivf.remove([7, 8]);
    plain.remove([7, 8]);
    const queries = clustered(40, dim, 48, 22);
    const allow = new Uint8Array(12_000).fill(1).map((v, i) => (i % 5 === 0 ? 0 : v));
    for (const a of [undefined, allow]) {
      const got = await ivf.search(queries, 10, a);
      const want = await plain.search(queries, 10, a);
      let same = 0;
      got.forEach((h, q) => h.slots.forEach((s) => (same += want[q]!.slots.includes(s) ? 1 : 0)));
      expect(same / (40 * 10)).toBeGreaterThanOrEqual(0.99);
      for (let q = 0; q < 40; q++) {
        got[q]!.slots.forEach((s, r) => {
          expect(a?.[s] ?? 1).toBe(1);
          expect([7, 8]).not.toContain(s);
          let acc = 0;
          for (let i = 0; i < dim; i++) acc += data[s * dim + i]! * queries[q * dim + i]!;
          expect(got[q]!.scores[r]).toBe(Math.fround(acc));
        });
      }
    }
    // shortlist 0: the fp32 rows are scanned (the same answers as without codes).
    ivf.shortlist = 0;
    expect(slotLists(await ivf.search(queries, 10))).toEqual(
      slotLists(await plain.search(queries, 10)),
    );
  });

  test('int8 codes made in the kernel equal the JS rounding they replaced (ties, zero rows, padding), after training and after a restored layout', async () => {
    /** The codes as made in JS before encode8 (Math.round of each value × 127 / max|row|). */
    const reference = (f32: Float32Array, rows: number, dim: number, stride: number) => {
      const codeStride = Math.ceil(dim / 16) * 16;
      const i8 = new Int8Array(rows * codeStride);
      const scales = new Float32Array(rows);
      for (let p = 0; p < rows; p++) {
        let m = 0;
        for (let i = 0; i < dim; i++) m = Math.max(m, Math.abs(f32[p * stride + i]!));
        if (m === 0) continue;
        const inv = 127 / m;
        for (let i = 0; i < dim; i++)
          i8[p * codeStride + i] = Math.round(f32[p * stride + i]! * inv);
        scales[p] = m / 127;
      }
      return { i8, scales };
    };
    type Inner = {
      kernel: { f32: Float32Array };
      codes: { buffer: ArrayBuffer };
      scalesPtr: number;
      codesLaid: number;
      lists: number;
    };
    for (const dim of [37, 64]) {
      const stride = Math.ceil(dim / 4) * 4;
      const codeStride = Math.ceil(dim / 16) * 16;
      const data = clustered(1500, dim, 12, 31 + dim);
      // Exact ties (x · 127 / max = k + 0.5, negative too), a zero row, huge and tiny norms.
      for (let i = 0; i < dim; i++) data[5 * dim + i] = i % 2 ? -(i + 0.5) : i + 0.5;
      data[5 * dim] = 127;
      data.fill(0, 6 * dim, 7 * dim);
      for (let i = 0; i < dim; i++) data[8 * dim + i]! *= 1e30;
      for (let i = 0; i < dim; i++) data[9 * dim + i]! *= 1e-30;
      const trained = new IvfIndex({ dim, flatBelow: 1000 });
      await trained.write(0, data);
      await trained.build();
      const restored = new IvfIndex({ dim, flatBelow: 1000 });
      await restored.write(0, data);
      expect(restored.restoreLayout(trained.exportLayout()!)).toBe(true);
      for (const index of [trained, restored]) {
        const inner = index as unknown as Inner;
        const rows = inner.codesLaid + inner.lists;
        const want = reference(inner.kernel.f32, rows, dim, stride);
        const codes = new Int8Array(inner.codes.buffer, 0, rows * codeStride);
        const scales = new Float32Array(inner.codes.buffer, inner.scalesPtr, rows);
        let differ = 0;
        for (let i = 0; i < codes.length; i++) if (codes[i] !== want.i8[i]) differ++;
        for (let p = 0; p < rows; p++) if (scales[p] !== want.scales[p]) differ++;
        expect(differ).toBe(0);
      }
    }
  });

  test('the int8 code scan cannot overflow its i32 sums: 4 100 dims of the largest codes', async () => {
    const dim = 4100;
    const rows = new Float32Array(1200 * dim);
    for (let r = 0; r < 1200; r++)
      for (let i = 0; i < dim; i++)
        rows[r * dim + i] = (i + r) % 2 === 0 ? 1 : r % 7 === 0 ? 1 : -1;
    const ivf = new IvfIndex({ dim, flatBelow: 1000, lists: 4, probes: 4 });
    await ivf.write(0, rows);
    await ivf.build();
    expect(ivf.listCount).toBe(4);
    const [hits] = await ivf.search(rows.slice(0, dim), 3);
    // Every seventh row is all ones: the query (row 0) scores dim against each of them.
    expect([...hits!.slots]).toEqual([0, 7, 14]);
    expect([...hits!.scores]).toEqual([dim, dim, dim]);
  });

  test('writes after training go to an exact tail; removal, overwrite and allow are honoured', async () => {
    const dim = 32;
    const data = clustered(6000, dim, 16, 9);
    const ivf = new IvfIndex({ dim, flatBelow: 4000 });
    const cpu = new CpuFlatIndex({ dim });
    await ivf.write(0, data.subarray(0, 5000 * dim));
    await cpu.write(0, data.subarray(0, 5000 * dim));
    await ivf.build();
    ivf.probes = ivf.listCount; // all lists: answers must be exact
    await ivf.write(5000, data.subarray(5000 * dim));
    await cpu.write(5000, data.subarray(5000 * dim));
    const queries = data.slice(5100 * dim, 5104 * dim); // their own rows are in the tail
    const fresh = unitRows(1, dim, 99);
    await ivf.write(10, fresh);
    await cpu.write(10, fresh);
    ivf.remove([5100]);
    cpu.remove([5100]);
    const allow = new Uint8Array(6000).fill(1).map((v, i) => (i % 7 === 0 ? 0 : v));
    for (const a of [undefined, allow]) {
      expect(slotLists(await ivf.search(queries, 10, a))).toEqual(
        slotLists(await cpu.search(queries, 10, a)),
      );
    }
    expect(slotLists(await ivf.search(fresh, 1))[0]).toEqual([10]);
  });
});

describe('IvfIndex growth', () => {
  test('the tail joins its lists past 5 %, the lists retrain when rows double; no row is lost or doubled', async () => {
    const dim = 32;
    const data = clustered(9000, dim, 16, 11);
    const ivf = new IvfIndex({ dim, flatBelow: 4000 });
    const cpu = new CpuFlatIndex({ dim });
    const add = async (from: number, to: number) => {
      await ivf.write(from, data.subarray(from * dim, to * dim));
      await cpu.write(from, data.subarray(from * dim, to * dim));
    };
    await add(0, 3000);
    expect(ivf.mode).toBe('fp32');
    await ivf.build();
    expect(ivf.listCount).toBe(0); // below flatBelow: flat and exact
    await add(3000, 4500);
    await ivf.build();
    expect([ivf.mode, ivf.trainedRows, ivf.listCount]).toEqual(['ivf', 4500, 67]);
    // Rewrite a laid-out row, then grow the tail past 5 %: it joins the lists (no retraining).
    const moved = unitRows(1, dim, 77);
    await ivf.write(17, moved);
    await cpu.write(17, moved);
    await add(4500, 6000);
    await ivf.build();
    expect(ivf.trainedRows).toBe(4500);
    ivf.probes = ivf.listCount;
    const queries = data.slice(100 * dim, 110 * dim);
    expect(slotLists(await ivf.search(queries, 10))).toEqual(
      slotLists(await cpu.search(queries, 10)),
    );
    // Every row is found once, by its own vector (k = 2 tells a double from a near twin).
    const own = await ivf.search(data.subarray(0, 6000 * dim), 2);
    own.forEach((h, s) => {
      if (s === 17) return;
      expect(h.slots[0]).toBe(s);
      expect(h.slots[1]).not.toBe(s);
    });
    expect(slotLists(await ivf.search(moved, 1))[0]).toEqual([17]);
    await add(6000, 9000); // doubled since training: retrained on the next search
    ivf.remove([8000]);
    cpu.remove([8000]);
    await ivf.search(queries, 1);
    expect(ivf.trainedRows).toBe(9000);
    ivf.probes = ivf.listCount;
    const q2 = data.slice(7990 * dim, 8010 * dim);
    expect(slotLists(await ivf.search(q2, 10))).toEqual(slotLists(await cpu.search(q2, 10)));
  });
});

test('IvfIndex retrains early when new rows crowd one list (grown by a quarter, one list > 8× the mean)', async () => {
  const dim = 32;
  const data = clustered(4000, dim, 16, 13);
  const ivf = new IvfIndex({ dim, flatBelow: 4000 });
  await ivf.write(0, data);
  await ivf.build();
  expect(ivf.trainedRows).toBe(4000);
  // 1 500 rows around one point: after they join their list, it is far above 8× the mean.
  const centre = data.subarray(0, dim);
  const noise = unitRows(1500, dim, 14);
  const crowd = new Float32Array(1500 * dim);
  for (let r = 0; r < 1500; r++) {
    let n = 0;
    for (let d = 0; d < dim; d++) {
      const v = centre[d]! + 0.05 * noise[r * dim + d]!;
      crowd[r * dim + d] = v;
      n += v * v;
    }
    for (let d = 0; d < dim; d++) crowd[r * dim + d]! /= Math.sqrt(n);
  }
  await ivf.write(4000, crowd);
  await ivf.build(); // the tail joins its lists (no retraining: the lists looked balanced)
  expect(ivf.trainedRows).toBe(4000);
  await ivf.build(); // now one list is crowded and the rows grew by ≥ 25 %: retrained
  expect(ivf.trainedRows).toBe(5500);
  await ivf.build(); // and not again until the rows grow further
  expect(ivf.trainedRows).toBe(5500);
});

describe('IvfIndex background training', () => {
  test('past backgroundFrom a search does not wait: exact until the lists are laid out; rows written meanwhile are found once', async () => {
    const dim = 32;
    const data = clustered(6400, dim, 16, 13);
    const ivf = new IvfIndex({ dim, flatBelow: 4000, backgroundFrom: 4000 });
    const cpu = new CpuFlatIndex({ dim });
    const add = async (from: number, to: number) => {
      await ivf.write(from, data.subarray(from * dim, to * dim));
      await cpu.write(from, data.subarray(from * dim, to * dim));
    };
    const queries = data.slice(100 * dim, 110 * dim);
    const exact = async () =>
      expect(slotLists(await ivf.search(queries, 10))).toEqual(
        slotLists(await cpu.search(queries, 10)),
      );
    /** Every live row is found first by its own vector, and only once (k = 2). */
    const ownRows = async (n: number, skip: number[]) => {
      const own = await ivf.search(data.subarray(0, n * dim), 2);
      own.forEach((h, s) => {
        if (skip.includes(s)) return;
        expect(h.slots[0]).toBe(s);
        expect(h.slots[1]).not.toBe(s);
      });
    };
    await add(0, 5000);
    // The search is answered before any training work runs: the exact flat scan.
    await exact();
    expect([ivf.building, ivf.listCount]).toEqual([true, 0]);
    // Written while it trains: appended rows, a rewritten row, a removed one.
    await add(5000, 5200);
    const moved = unitRows(1, dim, 78);
    await ivf.write(17, moved);
    await cpu.write(17, moved);
    ivf.remove([42]);
    cpu.remove([42]);
    await exact();
    await ivf.build(); // waits for the sliced training
    expect([ivf.building, ivf.mode, ivf.trainedRows, ivf.listCount]).toEqual([
      false,
      'ivf',
      5000,
      71,
    ]);
    ivf.probes = ivf.listCount; // all lists: answers must be exact
    await exact();
    await ownRows(5200, [17, 42]);
    expect(slotLists(await ivf.search(moved, 1))[0]).toEqual([17]);
    // A tail past 1 024 rows joins its lists in slices too (no retraining below 2× the rows).
    await add(5200, 6400);
    await exact();
    expect(ivf.building).toBe(true);
    await ivf.build();
    expect([ivf.building, ivf.trainedRows]).toEqual([false, 5000]);
    await exact();
    await ownRows(6400, [17, 42]);
  });
});

test('rows that doubled while the lists trained start the retraining at once: not building means settled', async () => {
  const dim = 32;
  const data = clustered(10_000, dim, 16, 29);
  const ivf = new IvfIndex({ dim, flatBelow: 4000, backgroundFrom: 4000 });
  await ivf.write(0, data.subarray(0, 5000 * dim));
  await ivf.search(data.subarray(0, dim), 10); // starts training at 5 000 rows
  expect(ivf.building).toBe(true);
  await ivf.write(5000, data.subarray(5000 * dim)); // doubled meanwhile
  // Waited for as a caller of `info().indexBuilding` waits: no build(), no search.
  while (ivf.building) await new Promise((r) => setTimeout(r, 5));
  expect(ivf.trainedRows).toBe(10_000);
  await ivf.search(data.subarray(0, dim), 10);
  expect(ivf.building).toBe(false); // nothing left for a search to start
});

describe('IvfIndex layout', () => {
  test('a restored layout answers exactly as the index it was taken from, without training', async () => {
    const dim = 32;
    const base = 3000;
    const extra = 60; // under 5 %: stays in the tail
    const rows = clustered(base + extra, dim, 40, 21);
    const queries = clustered(20, dim, 40, 22);
    const source = new IvfIndex({ dim, flatBelow: 1000, probes: 4 });
    await source.write(0, rows.subarray(0, base * dim));
    await source.build();
    await source.write(base, rows.subarray(base * dim));
    source.remove([5, 17, base + 3]);
    const before = await source.search(queries, 10);
    const layout = source.exportLayout()!;
    expect(source.trainedRows).toBe(base);

    const reopened = new IvfIndex({ dim, flatBelow: 1000, probes: 4 });
    await reopened.write(0, rows);
    reopened.remove([5, 17, base + 3]);
    expect(reopened.restoreLayout(layout)).toBe(true);
    const after = await reopened.search(queries, 10);
    expect(slotLists(after)).toEqual(slotLists(before));
    expect(after.map((h) => [...h.scores])).toEqual(before.map((h) => [...h.scores]));
    // Not retrained: it still says it was trained on the rows before the extra ones (a
    // training now would see all of them), with the same lists.
    expect(reopened.trainedRows).toBe(base);
    expect(reopened.listCount).toBe(source.listCount);
    // Without the layout the first search trains on every row.
    const fresh = new IvfIndex({ dim, flatBelow: 1000, probes: 4 });
    await fresh.write(0, rows);
    await fresh.search(queries, 10);
    expect(fresh.trainedRows).toBe(base + extra);
  });

  test('a layout that does not fit the rows is refused and changes nothing', async () => {
    const dim = 16;
    const rows = clustered(2000, dim, 20, 31);
    const source = new IvfIndex({ dim, flatBelow: 1000 });
    await source.write(0, rows);
    await source.build();
    const good = source.exportLayout()!;
    const fewer = new IvfIndex({ dim, flatBelow: 1000 });
    await fewer.write(0, rows.subarray(0, 1500 * dim)); // slots past 1499 not written
    const twice = good.posSlot.slice();
    twice[1] = twice[0]!;
    const nan = good.centroids.slice();
    nan[3] = NaN;
    const bad = [
      { ...good, dim: 8 },
      { ...good, posSlot: twice },
      { ...good, centroids: nan },
      { ...good, listStart: good.listStart.slice().reverse() },
    ];
    const target = new IvfIndex({ dim, flatBelow: 1000 });
    await target.write(0, rows);
    for (const layout of bad) expect(target.restoreLayout(layout)).toBe(false);
    expect(fewer.restoreLayout(good)).toBe(false);
    expect(target.listCount).toBe(0); // nothing laid out: still untrained
    expect(target.restoreLayout(good)).toBe(true);
    expect(target.listCount).toBe(good.listStart.length - 1);
  });

  test('an expected layout takes the rows straight into its lists: same answers as restoreLayout', async () => {
    const dim = 24;
    const base = 2400;
    const extra = 50; // written after the layout was taken: the tail
    const rows = clustered(base + extra, dim, 30, 41);
    const queries = clustered(16, dim, 30, 42);
    const source = new IvfIndex({ dim, flatBelow: 1000, probes: 3 });
    await source.write(0, rows.subarray(0, base * dim));
    await source.build();
    await source.write(base, rows.subarray(base * dim));
    await source.write(7, rows.subarray(7 * dim, 8 * dim)); // slot 7 rewritten: out of its list
    const layout = source.exportLayout()!;
    expect(layout.posSlot).toContain(-1);

    const restored = new IvfIndex({ dim, flatBelow: 1000, probes: 3 });
    await restored.write(0, rows);
    expect(restored.restoreLayout(layout)).toBe(true);

    const direct = new IvfIndex({ dim, flatBelow: 1000, probes: 3 });
    expect(direct.expectLayout(layout, base + extra)).toBe(true);
    // Blocks out of order, and one written twice (the second write counts), as a stream may.
    await direct.write(0, new Float32Array(1000 * dim)); // zeros first, rewritten below
    await direct.write(0, rows.subarray(0, 1000 * dim));
    await direct.write(1000, rows.subarray(1000 * dim));
    for (const index of [restored, direct]) index.remove([3, 1500, base + 1]);
    expect(direct.settleLayout()).toBe(true);
    expect(direct.settleLayout()).toBeUndefined(); // nothing expected any more
    const want = await restored.search(queries, 10);
    const got = await direct.search(queries, 10);
    expect(slotLists(got)).toEqual(slotLists(want));
    expect(got.map((h) => [...h.scores])).toEqual(want.map((h) => [...h.scores]));
    expect(direct.listCount).toBe(source.listCount);
    expect(direct.trainedRows).toBe(base); // not retrained
    expect(direct.exportLayout()).toEqual(restored.exportLayout());
  });

  test('an expected layout whose slots were not all written is dropped, its rows kept', async () => {
    const dim = 16;
    const rows = clustered(2000, dim, 20, 51);
    const queries = clustered(8, dim, 20, 52);
    const source = new IvfIndex({ dim, flatBelow: 1000 });
    await source.write(0, rows);
    await source.build();
    const layout = source.exportLayout()!;
    const part = rows.subarray(0, 1500 * dim); // slots past 1499 never written
    const direct = new IvfIndex({ dim, flatBelow: 1000 });
    expect(direct.expectLayout(layout, 2000)).toBe(true);
    await direct.write(0, part);
    expect(direct.settleLayout()).toBe(false);
    expect(direct.listCount).toBe(0);
    const plain = new IvfIndex({ dim, flatBelow: 1000 });
    await plain.write(0, part);
    // The first search settles an expected layout too; here it trains, as without a layout.
    const again = new IvfIndex({ dim, flatBelow: 1000 });
    expect(again.expectLayout(layout, 2000)).toBe(true);
    await again.write(0, part);
    const want = await plain.search(queries, 10);
    for (const index of [direct, again]) {
      const got = await index.search(queries, 10);
      expect(slotLists(got)).toEqual(slotLists(want));
      expect(got.map((h) => [...h.scores])).toEqual(want.map((h) => [...h.scores]));
    }
    // Refused once rows are there, or when malformed; nothing changes.
    expect(plain.expectLayout(layout, 2000)).toBe(false);
    const twice = layout.posSlot.slice();
    twice[1] = twice[0]!;
    const fresh = new IvfIndex({ dim, flatBelow: 1000 });
    expect(fresh.expectLayout({ ...layout, posSlot: twice }, 2000)).toBe(false);
    expect(fresh.expectLayout({ ...layout, dim: 8 }, 2000)).toBe(false);
    // A slot past the store's rows (a corrupt stored id): refused, nothing sized by it.
    for (const id of [2000, 2 ** 31 - 2]) {
      const far = layout.posSlot.slice();
      far[1] = id;
      expect(fresh.expectLayout({ ...layout, posSlot: far }, 2000)).toBe(false);
      expect(plain.restoreLayout({ ...layout, posSlot: far })).toBe(false);
    }
    expect(fresh.settleLayout()).toBeUndefined();
  });
});
