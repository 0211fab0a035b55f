// PCA computed in the engine: orthonormal components that find planted
// structure, and recall of the projected coarse pass (+ exact rescore) vs r.
import { describe, expect, test } from 'vitest';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import { fitPca } from '../../src/search/pca';
import { QuantizedIndex } from '../../src/search/quant/quantized-index';
import { rng } from './fixtures';
import { clusteredRows, recallAt } from './quant-fixtures';

describe('fitPca', () => {
  test('components are orthonormal, sorted by variance, and span a planted subspace', () => {
    const dim = 64;
    const n = 3000;
    const r = rng(5);
    const g = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    // Variance 9, 4, 1 along dims 3, 10, 20; 0.01 elsewhere.
    const rows = new Float32Array(n * dim).map((_, j) => {
      const i = j % dim;
      return g() * (i === 3 ? 3 : i === 10 ? 2 : i === 20 ? 1 : 0.1);
    });
    const { components: p, variance } = fitPca(rows, dim, 3, { sample: n });
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let d = 0;
        for (let i = 0; i < dim; i++) d += p[a * dim + i]! * p[b * dim + i]!;
        expect(d).toBeCloseTo(a === b ? 1 : 0, 6);
      }
    }
    expect(Math.abs(p[0 * dim + 3]!)).toBeGreaterThan(0.99);
    expect(Math.abs(p[1 * dim + 10]!)).toBeGreaterThan(0.99);
    expect(Math.abs(p[2 * dim + 20]!)).toBeGreaterThan(0.99);
    expect(variance[0]! / 9).toBeCloseTo(1, 1);
    expect(variance[0]! > variance[1]! && variance[1]! > variance[2]!).toBe(true);
  });
});

describe('QuantizedIndex mode pca', () => {
  test('recall@10 after rescore grows with r on clustered data', async () => {
    const dim = 128;
    const n = 4000;
    const data = clusteredRows(n + 30, dim, 8);
    const rows = data.subarray(0, n * dim);
    const queries = data.subarray(n * dim);
    const flat = new CpuFlatIndex({ dim });
    await flat.write(0, rows);
    const truth = await flat.search(queries, 10);
    const recall: number[] = [];
    for (const rank of [4, 16, 64]) {
      const index = await QuantizedIndex.create({ dim, mode: 'pca', rank, candidates: 10 });
      await index.write(0, rows);
      expect(index.residentBytesPerVector).toBe(rank * 4);
      recall.push(recallAt(await index.search(queries, 10), truth, 10));
    }
    expect(recall[0]!).toBeLessThanOrEqual(recall[1]!);
    expect(recall[1]!).toBeLessThanOrEqual(recall[2]!);
    expect(recall[2]!).toBeGreaterThanOrEqual(0.97);
  }, 60_000);
});
