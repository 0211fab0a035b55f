import { describe, expect, test } from 'vitest';
import { IvfIndex, type IvfIndexOptions } from '../../src/search/ivf-index';
import type { RowSource } from '../../src/search/ivf-staged';
import type { SearchHits } from '../../src/search/vector-index';
import { slotLists, unitRows } from './fixtures';

const dim = 24;

/** Rows around a few centres (so the lists differ), unit length. */
function rowsAround(n: number, seed: number): Float32Array {
  const centres = unitRows(12, dim, seed);
  const noise = unitRows(n, dim, seed + 1);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let len = 0;
    for (let d = 0; d < dim; d++) {
      const v = centres[(i % 12) * dim + d]! + 0.7 * noise[i * dim + d]!;
      out[i * dim + d] = v;
      len += v * v;
    }
    for (let d = 0; d < dim; d++) out[i * dim + d]! /= Math.sqrt(len);
  }
  return out;
}

/** A row source over `rows` that counts the slots it is asked for (and keeps which). */
function source(rows: Float32Array): RowSource & { asked: number; slots: Set<number> } {
  const read = async (slots: readonly number[]) => {
    read.asked += slots.length;
    for (const s of slots) read.slots.add(s);
    await Promise.resolve();
    return new Map(slots.map((s) => [s, rows.slice(s * dim, (s + 1) * dim)] as const));
  };
  read.asked = 0;
  read.slots = new Set<number>();
  return read;
}

/** An index of `rows` with its lists built, and its layout and codes copied as a store keeps them. */
async function built(rows: Float32Array, options: IvfIndexOptions) {
  const full = new IvfIndex(options);
  await full.write(0, rows);
  await full.build();
  const layout = full.exportLayout()!;
  const codes = { bytes: layout.codes!.bytes.slice(), maxNorm: layout.codes!.maxNorm };
  return { full, layout, codes };
}

const same = (got: SearchHits[], want: SearchHits[]) => {
  expect(slotLists(got)).toEqual(slotLists(want));
  expect(got.map((h) => [...h.scores])).toEqual(want.map((h) => [...h.scores]));
};

describe('IvfIndex staged from stored lists and codes', () => {
  test('answers as the index with every row in, before, while and after its rows arrive', async () => {
    const base = 3000;
    const extra = 150; // written after the lists were laid out: the tail
    const rows = rowsAround(base + extra, 7);
    const queries = rowsAround(16, 99);
    const full = new IvfIndex({ dim, flatBelow: 1000, probes: 3 });
    await full.write(0, rows.subarray(0, base * dim));
    await full.build();
    await full.write(base, rows.subarray(base * dim));
    const layout = full.exportLayout()!;
    expect(layout.codes).toBeDefined();
    const codes = { bytes: layout.codes!.bytes.slice(), maxNorm: layout.codes!.maxNorm };

    const read = source(rows);
    const staged = new IvfIndex({ dim, flatBelow: 1000, probes: 3 });
    expect(staged.stageLayout({ ...layout, codes: undefined }, codes, base + extra, read)).toBe(
      true,
    );
    expect(staged.staging).toBe(true);
    expect(staged.size).toBe(base + extra);
    // The tail's rows are written at once (they are scanned in full by every search).
    const unplaced = staged.unplacedSlots();
    expect(unplaced).toEqual(Array.from({ length: extra }, (_, i) => base + i));
    await staged.write(base, rows.subarray(base * dim));
    expect(staged.unplacedSlots()).toEqual([]);
    for (const index of [full, staged]) index.remove([5, 17, base + 3]);

    same(await staged.search(queries, 10), await full.search(queries, 10));
    expect(read.asked).toBeGreaterThan(0); // the rescored rows came from the store
    // Only rows within reach of the top 10 are read (48 are shortlisted per query).
    expect(read.asked).toBeLessThan((16 * 48) / 2);
    // Rows read are kept: the same search again reads none.
    const once = read.asked;
    same(await staged.search(queries, 10), await full.search(queries, 10));
    expect(read.asked).toBe(once);
    // A filter, and k past the shortlist.
    const allow = new Uint8Array(base + extra).map((_, s) => (s % 3 === 0 ? 0 : 1));
    same(await staged.search(queries, 10, allow), await full.search(queries, 10, allow));
    same(await staged.search(queries, 40), await full.search(queries, 40));

    // Half the rows arrive (out of order, some twice): nothing changes in the answers.
    staged.fillStaged(1500, rows.subarray(1500 * dim, base * dim));
    staged.fillStaged(0, rows.subarray(0, 200 * dim));
    staged.fillStaged(0, rows.subarray(0, 200 * dim));
    same(await staged.search(queries, 10), await full.search(queries, 10));
    // The rest of the placed rows are read when the staging ends: all but those the stream
    // brought and those the searches read (each once).
    const before = read.asked;
    const bySearches = [...read.slots].filter((s) => s >= 200 && s < 1500).length;
    expect(bySearches).toBeGreaterThan(0);
    expect(await staged.settleStaged()).toBe(true);
    expect(read.asked).toBe(read.slots.size); // no row read twice
    expect(read.asked - before).toBe(1500 - 200 - bySearches);
    expect(staged.staging).toBe(false);
    const asked = read.asked;
    same(await staged.search(queries, 10), await full.search(queries, 10));
    expect(read.asked).toBe(asked); // rescored from its own rows now
    expect(await staged.settleStaged()).toBe(false);
    expect(staged.exportLayout()).toEqual(full.exportLayout());

    // Writes go on as before: new rows, and training once the rows have doubled.
    const more = rowsAround(base + extra, 8);
    for (const index of [full, staged]) {
      await index.write(base + extra, more);
      await index.build();
    }
    same(await staged.search(queries, 10), await full.search(queries, 10));
  });

  test('a row rewritten while staged is searched as written; a slot stored nowhere is zero', async () => {
    const n = 2000;
    const rows = rowsAround(n, 21);
    const queries = rowsAround(8, 22);
    const { full, layout, codes } = await built(rows, { dim, flatBelow: 1000, probes: 2 });
    // The store lost slot 9's row (read as a zero row, as a load pads it).
    const lossy: RowSource = async (slots) => {
      const got = await source(rows)(slots);
      got.delete(9);
      return got;
    };
    const staged = new IvfIndex({ dim, flatBelow: 1000, probes: 2 });
    expect(staged.stageLayout(layout, codes, n, lossy)).toBe(true);
    const rewritten = rowsAround(1, 5);
    // Slot 42's old row is read (and kept) by a search first: the rewrite must still stand.
    const old42 = rows.slice(42 * dim, 43 * dim);
    same(await staged.search(old42, 5), await full.search(old42, 5));
    for (const index of [full, staged]) await index.write(42, rewritten);
    same(await staged.search(old42, 5), await full.search(old42, 5));
    await full.write(9, new Float32Array(dim));
    // The stream brings slot 42's old row: not taken (the rewrite stands).
    staged.fillStaged(0, rows);
    same(await staged.search(queries, 10), await full.search(queries, 10));
    same(await staged.search(rewritten, 5), await full.search(rewritten, 5));
    expect(await staged.settleStaged()).toBe(true);
    same(await staged.search(rewritten, 5), await full.search(rewritten, 5));
  });

  test('disposed while a search reads its rows: the search runs again on what is left', async () => {
    const n = 1500;
    const rows = rowsAround(n, 41);
    const { layout, codes } = await built(rows, { dim, flatBelow: 1000 });
    const staged = new IvfIndex({ dim, flatBelow: 1000 });
    const read = source(rows);
    const disposing: RowSource = async (slots) => {
      staged.dispose();
      return read(slots);
    };
    expect(staged.stageLayout(layout, codes, n, disposing)).toBe(true);
    const hits = await staged.search(rowsAround(2, 42), 10);
    expect(hits.map((h) => h.slots.length)).toEqual([0, 0]);
    expect([staged.size, staged.staging, staged.building]).toEqual([0, false, false]);
    // Staged, then settled: building until the rows are in.
    const again = new IvfIndex({ dim, flatBelow: 1000 });
    expect(again.stageLayout(layout, codes, n, read)).toBe(true);
    expect(again.building).toBe(true);
    await again.settleStaged();
    expect(again.building).toBe(false);
  });

  test('rows left unread by their code score never change an answer (dims, k, uniform and clustered rows)', async () => {
    for (const [d, n, seed] of [
      [8, 1200, 1],
      [64, 1500, 2],
      [384, 1100, 3],
    ] as const) {
      // Uniform rows (codes close together) and clustered ones, each with queries from both.
      const uniform = unitRows(n, d, seed);
      const rows = new Float32Array(n * d);
      const centres = unitRows(6, d, seed + 10);
      const noise = unitRows(n, d, seed + 11);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < d; j++)
          rows[i * d + j] =
            i % 2 ? uniform[i * d + j]! : centres[(i % 6) * d + j]! + 0.3 * noise[i * d + j]!;
      const queries = new Float32Array(8 * d);
      queries.set(unitRows(4, d, seed + 20));
      queries.set(rows.subarray(0, 4 * d), 4 * d);
      const { full, layout, codes } = await built(rows, { dim: d, flatBelow: 1000, probes: 4 });
      const read: RowSource = async (slots) =>
        new Map(slots.map((s) => [s, rows.slice(s * d, (s + 1) * d)] as const));
      const staged = new IvfIndex({ dim: d, flatBelow: 1000, probes: 4 });
      expect(staged.stageLayout(layout, codes, n, read)).toBe(true);
      for (const k of [1, 3, 10, 40, 100])
        same(await staged.search(queries, k), await full.search(queries, k));
    }
  });

  test('malformed codes or a layout that does not fit are refused, nothing changed', async () => {
    const n = 1500;
    const rows = rowsAround(n, 31);
    const { full, layout, codes } = await built(rows, { dim, flatBelow: 1000 });
    const bytes = codes.bytes;
    const read = source(rows);
    const fresh = () => new IvfIndex({ dim, flatBelow: 1000 });
    expect(fresh().stageLayout(layout, { bytes: bytes.subarray(1), maxNorm: 1 }, n, read)).toBe(
      false,
    );
    expect(fresh().stageLayout(layout, { bytes, maxNorm: NaN }, n, read)).toBe(false);
    expect(fresh().stageLayout(layout, { bytes, maxNorm: 1 }, n - 1, read)).toBe(false); // a slot past the rows
    expect(fresh().stageLayout({ ...layout, dim: 8 }, { bytes, maxNorm: 1 }, n, read)).toBe(false);
    const noCodes = new IvfIndex({ dim, flatBelow: 1000, int8Scan: false });
    expect(noCodes.stageLayout(layout, { bytes, maxNorm: 1 }, n, read)).toBe(false);
    expect(full.stageLayout(layout, { bytes, maxNorm: 1 }, n, read)).toBe(false); // rows in
    const refused = fresh();
    refused.stageLayout(layout, { bytes: bytes.subarray(1), maxNorm: 1 }, n, read);
    expect(refused.size).toBe(0);
    expect(refused.staging).toBe(false);
    expect(refused.listCount).toBe(0);
    expect(read.asked).toBe(0);
  });
});
