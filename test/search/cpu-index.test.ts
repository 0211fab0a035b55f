import { describe, expect, test } from 'vitest';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import { MAX_K, TopK } from '../../src/search/topk';
import { bruteForce, rng, sixteenths, slotLists, unitRows } from './fixtures';

const DIM = 48;

async function filled(data: Float32Array, dim = DIM, batches = 1): Promise<CpuFlatIndex> {
  const index = new CpuFlatIndex({ dim, initialCapacity: 7 });
  const rows = data.length / dim;
  const step = Math.ceil(rows / batches);
  for (let first = 0; first < rows; first += step) {
    const end = Math.min(rows, first + step);
    await index.write(first, data.subarray(first * dim, end * dim));
  }
  return index;
}

describe('CpuFlatIndex', () => {
  test('matches brute force on random unit vectors, batch of 1..9 queries', async () => {
    const data = unitRows(3000, DIM, 1);
    const index = await filled(data, DIM, 5);
    expect(index.size).toBe(3000);
    for (const nq of [1, 4, 5, 9]) {
      const queries = unitRows(nq, DIM, 100 + nq);
      const got = await index.search(queries, 10);
      const want = bruteForce(data, DIM, queries, 10);
      expect(slotLists(got)).toEqual(slotLists(want));
      for (let q = 0; q < nq; q++) expect(got[q]!.scores).toEqual(want[q]!.scores);
    }
  });

  test('odd dimensions (remainder loops) match brute force too', async () => {
    for (const dim of [1, 13, 37]) {
      const data = unitRows(333, dim, dim);
      const index = await filled(data, dim, 3);
      const queries = unitRows(7, dim, dim + 1);
      const got = await index.search(queries, 12);
      expect(slotLists(got)).toEqual(slotLists(bruteForce(data, dim, queries, 12)));
    }
  });

  test('ties are broken by lower slot first (duplicated rows, exact scores)', async () => {
    const base = sixteenths(50, DIM, 2);
    // Each of the 50 rows appears 6 times, interleaved, so equal scores are everywhere.
    const data = new Float32Array(300 * DIM);
    for (let i = 0; i < 300; i++)
      data.set(base.subarray((i % 50) * DIM, ((i % 50) + 1) * DIM), i * DIM);
    const index = await filled(data);
    const queries = sixteenths(8, DIM, 3);
    const got = await index.search(queries, 40);
    expect(slotLists(got)).toEqual(slotLists(bruteForce(data, DIM, queries, 40)));
    for (const h of got) {
      for (let r = 1; r < h.slots.length; r++) {
        const tie = h.scores[r] === h.scores[r - 1];
        expect(h.scores[r]! <= h.scores[r - 1]!).toBe(true);
        if (tie) expect(h.slots[r]!).toBeGreaterThan(h.slots[r - 1]!);
      }
    }
  });

  test('removed slots never appear; restore brings them back', async () => {
    const data = sixteenths(500, DIM, 4, 8);
    const index = await filled(data);
    const queries = data.slice(0, 3 * DIM); // rows 0..2 are their own best hits
    const removed = new Set([0, 1, 2, 17, 250, 499]);
    index.remove([...removed]);
    expect(index.isRemoved(17)).toBe(true);
    expect(index.removedSlots()).toEqual([...removed].sort((a, b) => a - b));
    const got = await index.search(queries, 25);
    expect(slotLists(got)).toEqual(slotLists(bruteForce(data, DIM, queries, 25, removed)));
    for (const h of got) for (const s of removed) expect(h.slots).not.toContain(s);
    index.restore([0, 1, 2]);
    const back = await index.search(queries, 25);
    expect(slotLists(back)).toEqual(
      slotLists(bruteForce(data, DIM, queries, 25, new Set([17, 250, 499]))),
    );
  });

  test('allow mask filters before top-k; slots past its end are excluded', async () => {
    const data = unitRows(800, DIM, 5);
    const index = await filled(data);
    const r = rng(6);
    const allow = new Uint8Array(700).map(() => (r() < 0.1 ? 1 : 0));
    const queries = unitRows(6, DIM, 7);
    index.remove([1, 2, 3]);
    const got = await index.search(queries, 30, allow);
    const want = bruteForce(data, DIM, queries, 30, new Set([1, 2, 3]), allow);
    expect(slotLists(got)).toEqual(slotLists(want));
    for (const h of got) for (const s of h.slots) expect(s < 700 && allow[s] === 1).toBe(true);
  });

  test('k larger than the live count returns every live slot', async () => {
    const data = unitRows(20, DIM, 8);
    const index = await filled(data);
    index.remove([3, 4]);
    const [hits] = await index.search(unitRows(1, DIM, 9), MAX_K);
    expect(hits!.slots.length).toBe(18);
    expect(await index.search(unitRows(2, DIM, 9), 5, new Uint8Array(20))).toEqual([
      { slots: new Int32Array(0), scores: new Float32Array(0) },
      { slots: new Int32Array(0), scores: new Float32Array(0) },
    ]);
    const empty = new CpuFlatIndex({ dim: DIM });
    expect(slotLists(await empty.search(unitRows(1, DIM, 1), 3))).toEqual([[]]);
  });

  test('overwrite replaces rows in place and write past the end appends', async () => {
    const data = unitRows(100, DIM, 10);
    const index = await filled(data);
    const q = data.slice(40 * DIM, 41 * DIM);
    await index.write(40, unitRows(1, DIM, 11)); // slot 40 no longer equals q
    await index.write(95, unitRows(10, DIM, 12)); // overwrites 95..99, appends 100..104
    expect(index.size).toBe(105);
    const copy = index.vectors.slice();
    const [hits] = await index.search(q, 5);
    expect(Array.from(hits!.slots)).toEqual(slotLists(bruteForce(copy, DIM, q, 5))[0]);
    expect(hits!.slots).not.toContain(40);
  });

  test('invalid input is rejected with coded errors', async () => {
    const index = await filled(unitRows(10, DIM, 13));
    const q = unitRows(1, DIM, 14);
    await expect(index.search(new Float32Array(DIM + 1), 3)).rejects.toMatchObject({
      code: 'DimensionMismatch',
    });
    await expect(index.write(10, new Float32Array(DIM - 1))).rejects.toMatchObject({
      code: 'DimensionMismatch',
    });
    const bad = q.slice();
    bad[5] = Number.NaN;
    await expect(index.search(bad, 3)).rejects.toMatchObject({ code: 'InvalidVector' });
    bad[5] = Number.POSITIVE_INFINITY;
    await expect(index.write(10, bad)).rejects.toMatchObject({ code: 'InvalidVector' });
    for (const k of [0, -1, 2.5, Number.NaN, MAX_K + 1]) {
      await expect(index.search(q, k)).rejects.toMatchObject({ code: 'InvalidArgument' });
    }
    await expect(index.write(12, q)).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect(() => index.remove([10])).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => index.restore([-1])).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() => new CpuFlatIndex({ dim: 0 })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    expect(index.size).toBe(10); // failed writes changed nothing
  });
});

describe('TopK', () => {
  test('keeps the k best by score desc, slot asc, whatever the input order of scores', () => {
    const r = rng(20);
    const scores = Array.from({ length: 2000 }, () => Math.round(r() * 50) / 50);
    const top = new TopK(37);
    scores.forEach((s, slot) => top.push(s, slot));
    const want = scores
      .map((score, slot) => ({ score, slot }))
      .sort((a, b) => b.score - a.score || a.slot - b.slot)
      .slice(0, 37);
    const got = top.result();
    expect(Array.from(got.slots)).toEqual(want.map((h) => h.slot));
  });
});
