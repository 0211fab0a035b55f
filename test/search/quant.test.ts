// The CPU twins of the code scans: codecs, coarse-then-exact recall, and the
// flat-index contract (ranking, removals, allow mask, argument checks).
import { describe, expect, test } from 'vitest';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import {
  BinaryCodec,
  binaryLut,
  binaryScore,
  popcount,
  QUERY_BITS,
  queryValues,
} from '../../src/search/quant/binary';
import { CpuCodeStore } from '../../src/search/quant/code-store';
import { fromHalfBits, toHalfBits } from '../../src/search/quant/fp16';
import { Int8Codec } from '../../src/search/quant/int8';
import { QuantizedIndex } from '../../src/search/quant/quantized-index';
import { RescoreRows } from '../../src/search/quant/rescore-rows';
import { TopK } from '../../src/search/topk';
import { unitRows } from './fixtures';
import { clusteredRows, recallAt } from './quant-fixtures';

const dim = 384;
const n = 4000;
const nq = 40;
const data = clusteredRows(n + nq, dim, 3);
const rows = data.subarray(0, n * dim);
const queries = data.subarray(n * dim);

async function truth(k: number, removed: number[] = [], allow?: Uint8Array) {
  const flat = new CpuFlatIndex({ dim });
  await flat.write(0, rows);
  flat.remove(removed);
  return flat.search(queries, k, allow);
}

describe('codecs', () => {
  test('fp16 rounds to the nearest half, ties to even', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff);
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(fromHalfBits(toHalfBits(2 ** -24))).toBe(2 ** -24);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    const xs = unitRows(50, 40, 9);
    for (const x of xs) {
      const h = toHalfBits(x);
      const v = fromHalfBits(h);
      const up = fromHalfBits(h + 1);
      const down = fromHalfBits(h - 1);
      expect(Math.abs(x - v)).toBeLessThanOrEqual(Math.abs(x - up));
      expect(Math.abs(x - v)).toBeLessThanOrEqual(Math.abs(x - down));
    }
  });

  test('int8 raw score is the integer dot of the packed bytes; the estimate tracks the true dot', async () => {
    const codec = new Int8Codec(dim);
    codec.train(rows);
    const codes = new Uint32Array(n * codec.words);
    codec.encode(rows, codes, 0);
    const store = new CpuCodeStore('int8', codec.words);
    await store.write(0, codes);
    const q = codec.encodeQuery(queries.subarray(0, dim));
    const [hits] = await store.search(q.words, 1, 5);
    const bytes = new Int8Array(codes.buffer);
    const qb = new Int8Array(q.words.buffer);
    const slot = hits!.slots[0]!;
    let raw = 0;
    for (let i = 0; i < dim; i++) raw += bytes[slot * codec.words * 4 + i]! * qb[i]!;
    expect(hits!.scores[0]).toBe(raw);
    let exact = 0;
    for (let i = 0; i < dim; i++) exact += rows[slot * dim + i]! * queries[i]!;
    expect(Math.abs(q.estimate(raw) - exact)).toBeLessThan(0.02);
  });

  test('binary codes hold one bit per dimension; raw score is the asymmetric Σ q′ᵢ over set bits', async () => {
    const codec = new BinaryCodec(dim);
    codec.train(rows);
    expect(codec.words).toBe(12); // 384 bits
    expect(codec.queryWords).toBe(QUERY_BITS * 12); // one plane per query bit
    const codes = new Uint32Array(50 * codec.words);
    codec.encode(rows.subarray(0, 50 * dim), codes, 0);
    for (let i = 0; i < dim; i++) {
      const bit = (codes[i >>> 5]! >>> (i & 31)) & 1;
      expect(bit).toBe(rows[i]! > codec.mean[i]! ? 1 : 0);
    }
    const q = codec.encodeQuery(queries.subarray(0, dim));
    const values = queryValues(q.words, 0, codec.words);
    // The planes hold round(c·qᵢ·σᵢ) with the largest magnitude at 127.
    expect(Math.max(...Array.from(values, Math.abs))).toBe(127);
    const store = new CpuCodeStore('binary', codec.words, codec.queryWords);
    await store.write(0, codes);
    const [hits] = await store.search(q.words, 1, 50);
    expect(hits!.slots.length).toBe(50);
    const lut = binaryLut(q.words, 0, codec.words);
    hits!.slots.forEach((slot, r) => {
      // Three ways to the same integer: set bits, bit-plane popcounts (the GPU's), byte table (the twin's).
      let direct = 0;
      for (let i = 0; i < dim; i++) {
        if ((codes[slot * 12 + (i >>> 5)]! >>> (i & 31)) & 1) direct += values[i]!;
      }
      expect(hits!.scores[r]).toBe(direct);
      expect(binaryScore(codes, slot * 12, q.words, 0, 12)).toBe(direct);
      let viaLut = 0;
      const bytes = new Uint8Array(codes.buffer, slot * 48, 48);
      bytes.forEach((b, j) => (viaLut += lut[(j << 8) | b]!));
      expect(viaLut).toBe(direct);
    });
    // The estimate tracks the true inner product better than chance.
    let err = 0;
    for (let r = 0; r < 50; r++) {
      let exact = 0;
      for (let i = 0; i < dim; i++) exact += rows[r * dim + i]! * queries[i]!;
      const raw = binaryScore(codes, r * 12, q.words, 0, 12);
      err += Math.abs(q.estimate(raw) - exact) / 50;
    }
    expect(err).toBeLessThan(0.1);
    expect(popcount(0xffffffff)).toBe(32);
  });

  test('asymmetric binary ranks far better than Hamming: the true top-10 within the coarse top-100', async () => {
    const big = 20_000;
    const all = unitRows(big + 20, dim, 13); // random unit vectors: the hard case for sign codes
    const base = all.subarray(0, big * dim);
    const qs = all.subarray(big * dim);
    const flat = new CpuFlatIndex({ dim });
    await flat.write(0, base);
    const want = await flat.search(qs, 10);
    const codec = new BinaryCodec(dim);
    codec.train(base);
    const codes = new Uint32Array(big * codec.words);
    codec.encode(base, codes, 0);
    const store = new CpuCodeStore('binary', codec.words, codec.queryWords);
    await store.write(0, codes);
    let asym = 0;
    let ham = 0;
    for (let q = 0; q < 20; q++) {
      const query = qs.subarray(q * dim, (q + 1) * dim);
      const truth = new Set(want[q]!.slots);
      const [a] = await store.search(codec.encodeQuery(query).words, 1, 100);
      for (const s of a!.slots) if (truth.has(s)) asym++;
      const bits = new Uint32Array(codec.words);
      codec.encode(query, bits, 0);
      const top = new TopK(100);
      for (let r = 0; r < big; r++) {
        let h = 0;
        for (let w = 0; w < 12; w++) h += popcount(codes[r * 12 + w]! ^ bits[w]!);
        top.push(-h, r);
      }
      for (const s of top.result().slots) if (truth.has(s)) ham++;
    }
    // Measured: 0.62 vs 0.35 (clustered data: 0.87 vs 0.73).
    expect(asym / 200).toBeGreaterThan(ham / 200 + 0.15);
  }, 30_000);
});

describe('QuantizedIndex (CPU twin): coarse codes, then rescore from 16-bit rows', () => {
  test.each([
    ['int8', 10, 0.99],
    ['fp16', 10, 0.99],
    ['binary', 25, 0.97],
  ] as const)(
    '%s + rescore reaches recall@10 ≥ goal on clustered data',
    async (mode, candidates, goal) => {
      const index = await QuantizedIndex.create({ dim, mode, candidates });
      await index.write(0, rows);
      const got = await index.search(queries, 10);
      const want = await truth(10);
      expect(recallAt(got, want, 10)).toBeGreaterThanOrEqual(goal);
      // Rescored from 16-bit rows: found hits score as the flat index says, within the bound
      // ‖q‖₁·max|xᵢ|/65534 (+ f32 rounding), and well under 1e-5 here.
      let worst = 0;
      got.forEach((h, q) => {
        const w = want[q]!;
        let l1 = 0;
        for (let i = 0; i < dim; i++) l1 += Math.abs(queries[q * dim + i]!);
        h.slots.forEach((s, r) => {
          const j = Array.from(w.slots).indexOf(s);
          if (j < 0) return;
          let max = 0;
          for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(rows[s * dim + i]!));
          const err = Math.abs(h.scores[r]! - w.scores[j]!);
          expect(err).toBeLessThanOrEqual((l1 * max) / 65534 + 2 ** -22);
          worst = Math.max(worst, err);
        });
      });
      expect(worst).toBeLessThan(1e-5);
    },
    30_000, // seconds on a loaded machine
  );

  test('binary keeps past 256 candidates where the store asks for it (candidateFraction)', async () => {
    const big = 20_000;
    const all = clusteredRows(big + nq, dim, 11);
    const base = all.subarray(0, big * dim);
    const qs = all.subarray(big * dim);
    const flat = new CpuFlatIndex({ dim });
    await flat.write(0, base);
    const want = await flat.search(qs, 10);
    const recall = async (candidateFraction?: number) => {
      const index = await QuantizedIndex.create({ dim, mode: 'binary', candidateFraction });
      await index.write(0, base);
      return recallAt(await index.search(qs, 10), want, 10);
    };
    const capped = await recall(0); // m = 250
    const wide = await recall(); // default 0.04: m = 800
    expect(wide).toBeGreaterThanOrEqual(0.97);
    expect(wide).toBeGreaterThanOrEqual(capped);
    await expect(
      QuantizedIndex.create({ dim, mode: 'binary', candidateFraction: 2 }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  }, 30_000);

  test('resident bytes per vector: int8 4×, binary 32×, fp16 2× below fp32', async () => {
    const bytes = async (mode: 'int8' | 'binary' | 'fp16') =>
      (await QuantizedIndex.create({ dim, mode })).residentBytesPerVector;
    expect(await bytes('int8')).toBe(dim);
    expect(await bytes('binary')).toBe(dim / 8);
    expect(await bytes('fp16')).toBe(dim * 2);
  });

  test('removed and disallowed slots never come back; ranking is score desc, slot asc', async () => {
    const index = await QuantizedIndex.create({ dim, mode: 'int8' });
    for (let first = 0; first < n; first += 1000) {
      await index.write(first, rows.subarray(first * dim, (first + 1000) * dim));
    }
    const removed = Array.from({ length: 400 }, (_, i) => i * 7);
    index.remove(removed);
    index.restore([0]);
    const allow = new Uint8Array(n - 100).map((_, i) => (i % 3 === 0 ? 0 : 1));
    const hits = await index.search(queries, 20, allow);
    const gone = new Set(removed.slice(1));
    for (const h of hits) {
      for (const s of h.slots) {
        expect(gone.has(s)).toBe(false);
        expect(s % 3 !== 0 && s < n - 100).toBe(true);
      }
      for (let r = 1; r < h.slots.length; r++) {
        const ok =
          h.scores[r - 1]! > h.scores[r]! ||
          (h.scores[r - 1] === h.scores[r] && h.slots[r - 1]! < h.slots[r]!);
        expect(ok).toBe(true);
      }
    }
    expect(recallAt(hits, await truth(20, removed.slice(1), allow), 20)).toBeGreaterThanOrEqual(
      0.99,
    );
  });

  test('bad input is rejected with the flat index codes', async () => {
    const index = await QuantizedIndex.create({ dim: 8, mode: 'binary' });
    await index.write(0, unitRows(4, 8, 1));
    const q = unitRows(1, 8, 2);
    await expect(index.search(q, 257)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(index.search(new Float32Array(9), 1)).rejects.toMatchObject({
      code: 'DimensionMismatch',
    });
    await expect(index.write(6, q)).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(index.write(4, new Float32Array(8).fill(NaN))).rejects.toMatchObject({
      code: 'InvalidVector',
    });
    expect(() => index.remove([4])).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    // PCA no longer ships: its mode is unknown like any other.
    await expect(QuantizedIndex.create({ dim: 8, mode: 'pca' as 'int8' })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    const few = await index.search(q, 10);
    expect(few[0]!.slots.length).toBe(4);
  });
});

describe('RescoreRows: the 16-bit rows of the rescore', () => {
  test('dot products stay within ‖q‖₁·max|xᵢ|/65534 of fp32; 2 bytes per dimension + 4', () => {
    const fine = new RescoreRows(dim);
    fine.write(0, rows.subarray(0, 500 * dim));
    fine.write(250, rows.subarray(250 * dim, 600 * dim)); // overwrite + append
    expect(fine.size).toBe(600);
    expect(fine.bytesPerVector).toBe(dim * 2 + 4);
    const q = queries.subarray(0, dim);
    const l1 = q.reduce((a, v) => a + Math.abs(v), 0);
    for (let s = 0; s < 600; s += 7) {
      let exact = 0;
      let max = 0;
      for (let i = 0; i < dim; i++) {
        exact += rows[s * dim + i]! * q[i]!;
        max = Math.max(max, Math.abs(rows[s * dim + i]!));
      }
      expect(Math.abs(fine.dot(s, q, 0) - exact)).toBeLessThanOrEqual(
        (l1 * max) / 65534 + 2 ** -22,
      );
      const back = fine.rows(s, s + 1);
      for (let i = 0; i < dim; i++) {
        expect(Math.abs(back[i]! - rows[s * dim + i]!)).toBeLessThanOrEqual(
          max / 65534 + max * 2 ** -21,
        ); // + f32 rounding;
      }
    }
    fine.write(600, new Float32Array(dim)); // a zero row scores 0
    expect(fine.dot(600, q, 0)).toBe(0);
  });

  test('rows written in small batches (the codec retrained from the 16-bit rows) find what one write finds', async () => {
    const whole = await QuantizedIndex.create({ dim, mode: 'int8' });
    await whole.write(0, rows);
    const batched = await QuantizedIndex.create({ dim, mode: 'int8' });
    for (let first = 0; first < n; first += 100) {
      await batched.write(first, rows.subarray(first * dim, (first + 100) * dim));
    }
    expect(batched.codec.trainedOn).toBeGreaterThanOrEqual(n / 2);
    const want = await truth(10);
    expect(recallAt(await batched.search(queries, 10), want, 10)).toBeGreaterThanOrEqual(0.99);
    expect(recallAt(await whole.search(queries, 10), want, 10)).toBeGreaterThanOrEqual(0.99);
    expect(batched.cacheBytesPerVector).toBe(dim * 2 + 4); // no fp32 row kept
  }, 30_000);
});
