// The fused rerank's CPU twin against the retrieval pipeline's own rerank
// (applyFeatures then mmr in src/retrieval/rerank.ts) on the same candidates.
import { describe, expect, test } from 'vitest';
import { applyFeatures, dot, mmr } from '../../src/retrieval/rerank';
import { rerankFused } from '../../src/search/rerank-fused';
import { rng, sixteenths } from './fixtures';
import { clusteredRows } from './quant-fixtures';

function scenario(c: number, dim: number, seed: number, exact: boolean) {
  const r = rng(seed);
  const vectors = exact ? sixteenths(c, dim, seed, 4) : clusteredRows(c, dim, seed, 8, 0.6);
  // Dyadic scores and features (exact in f32 and f64) or arbitrary ones.
  const q = (x: number) => (exact ? Math.round(x * 64) / 64 : x);
  const scores = Float32Array.from({ length: c }, () => q(r()));
  const features = Float32Array.from({ length: c * 3 }, () => (r() < 0.2 ? NaN : q(r())));
  return { vectors, scores, features, dim };
}

/** The retrieval pipeline's answer: ids are zero-padded indices, so id order = index order. */
function viaRetrieval(
  s: ReturnType<typeof scenario>,
  limit: number,
  lambda: number,
  pool: number,
  weights: { recency: number; retention: number; trust: number },
) {
  const id = (i: number) => String(i).padStart(5, '0');
  const scores = new Map(Array.from(s.scores, (v, i) => [id(i), v] as [string, number]));
  const feats = (key: string) => {
    const i = Number(key);
    const g = (j: number) => {
      const v = s.features[i * 3 + j]!;
      return Number.isNaN(v) ? undefined : v;
    };
    return { recency: g(0), retention: g(1), trust: g(2) };
  };
  const adjusted = applyFeatures(scores, feats, weights);
  const row = (key: string) => s.vectors.subarray(Number(key) * s.dim, (Number(key) + 1) * s.dim);
  return mmr(adjusted, limit, (a, b) => dot(row(a), row(b)), { lambda, pool }).map(([k]) =>
    Number(k),
  );
}

describe('rerankFused (CPU twin of the rerank kernel)', () => {
  test.each([
    [0.5, 60, 10],
    [0.75, 200, 25],
    [1, 100, 10],
    [0, 40, 40],
  ])(
    'λ=%s pool=%s limit=%s: same picks as applyFeatures + mmr on exact data',
    (lambda, pool, limit) => {
      const s = scenario(300, 48, 4, true);
      const weights = { recency: 0.25, retention: 0.125, trust: 0.5 };
      const got = rerankFused({ ...s, weights, lambda, pool, limit });
      expect(Array.from(got.order)).toEqual(viaRetrieval(s, limit, lambda, pool, weights));
    },
  );

  test('arbitrary floats: same picks as the retrieval rerank (default weights)', () => {
    const s = scenario(500, 384, 9, false);
    const weights = { recency: 0, retention: 0.2, trust: 0.2 };
    const got = rerankFused({ ...s, lambda: 0.7, pool: 100, limit: 20 });
    expect(Array.from(got.order)).toEqual(viaRetrieval(s, 20, 0.7, 100, weights));
  });

  test('rejects more candidates than the kernel holds, and mismatched vectors', () => {
    const big = new Float32Array(2049);
    expect(() =>
      rerankFused({ vectors: new Float32Array(2049), dim: 1, scores: big, limit: 1 }),
    ).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
    expect(() =>
      rerankFused({ vectors: new Float32Array(5), dim: 2, scores: new Float32Array(3), limit: 1 }),
    ).toThrow(expect.objectContaining({ code: 'DimensionMismatch' }));
  });
});
