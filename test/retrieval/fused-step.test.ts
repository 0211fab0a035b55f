// The rerank job hands the kernel only the pool it would keep: the same picks and scores as
// the whole candidate list in `ranked()` order (the job as it was built before).
import { describe, expect, test } from 'vitest';
import { ranked, type Scores, type TieOrder } from '../../src/retrieval/fusion';
import { rerankJob, rerankResult } from '../../src/retrieval/fused-step';
import type { MemoryFeatures } from '../../src/retrieval/rerank';
import type { RerankStageOptions } from '../../src/retrieval/options';
import { MAX_CANDIDATES, rerankFused, type FusedRerankInput } from '../../src/search/rerank-fused';
import { rng } from '../search/fixtures';

/** Every candidate in `ranked()` order, each with its features and vector. */
function wholeListJob(
  scores: Scores,
  limit: number,
  o: RerankStageOptions,
  vector: (id: string) => Float32Array | undefined,
  features: (id: string) => MemoryFeatures | undefined,
  tie: TieOrder,
): { ids: string[]; input: FusedRerankInput } {
  const best = ranked(scores, MAX_CANDIDATES, tie);
  const ids = best.map(([id]) => id);
  const lambda = o.lambda ?? 1;
  const dim = lambda < 1 ? 4 : 1;
  const vectors = new Float32Array(ids.length * dim);
  if (lambda < 1) ids.forEach((id, i) => vectors.set(vector(id)!, i * dim));
  const f = new Float32Array(ids.length * 3).fill(NaN);
  ids.forEach((id, i) => {
    const x = features(id);
    if (x?.recency !== undefined) f[i * 3] = x.recency;
    if (x?.retention !== undefined) f[i * 3 + 1] = x.retention;
    if (x?.trust !== undefined) f[i * 3 + 2] = x.trust;
  });
  return {
    ids,
    input: {
      vectors,
      dim,
      scores: Float32Array.from(best, ([, s]) => s),
      features: f,
      lambda,
      pool: o.pool ?? 100,
      limit: Math.min(limit, ids.length),
      ...(o.features ? { weights: o.features } : {}),
    },
  };
}

function scenario(c: number, seed: number, coarse: boolean) {
  const r = rng(seed);
  // Coarse scores and features: many ties, in the raw scores and once adjusted.
  const q = (x: number) => (coarse ? Math.round(x * 8) / 8 : x);
  const scores: Scores = new Map();
  const feats = new Map<string, MemoryFeatures>();
  const vecs = new Map<string, Float32Array>();
  for (let i = 0; i < c; i++) {
    const id = `m${Math.floor(r() * 1e9)}-${i}`;
    scores.set(id, q(r()) * 3);
    const f: MemoryFeatures = {};
    if (r() < 0.8) f.retention = q(r());
    if (r() < 0.8) f.trust = q(r());
    if (r() < 0.3) f.recency = q(r());
    feats.set(id, f);
    const v = Float32Array.from({ length: 4 }, () => r() - 0.5);
    const norm = Math.hypot(...v);
    vecs.set(
      id,
      v.map((x) => x / norm),
    );
  }
  // A tie order of its own (not by id): by the id's last digits.
  const tie: TieOrder = (a, b) =>
    (Number(a.split('-')[1]) % 7) - (Number(b.split('-')[1]) % 7) || (a < b ? -1 : a > b ? 1 : 0);
  return { scores, feats, vecs, tie };
}

describe('rerankJob', () => {
  const cases: [number, number, RerankStageOptions][] = [
    [600, 10, { features: { retention: 0.3, trust: 0.2 } }],
    [600, 10, { lambda: 0.6, features: { retention: 0.5, trust: 0.4, recency: 0.2 } }],
    [50, 10, { features: { trust: 0.2 } }],
    [300, 150, { pool: 40 }],
    [2100, 20, { lambda: 0.7, pool: 200 }],
    [0, 10, {}],
  ];
  for (const [c, limit, o] of cases)
    for (const coarse of [true, false])
      test(`${c} candidates, limit ${limit}, ${JSON.stringify(o)}, ${coarse ? 'ties' : 'no ties'}`, () => {
        for (let seed = 1; seed <= 5; seed++) {
          const s = scenario(c, seed, coarse);
          const vector = (id: string) => s.vecs.get(id);
          const features = (id: string) => s.feats.get(id);
          const whole = wholeListJob(s.scores, limit, o, vector, features, s.tie);
          const job = rerankJob(s.scores, limit, o, vector, features, s.tie);
          expect(job.ids.length).toBeLessThanOrEqual(Math.max(limit, o.pool ?? 100));
          const want = rerankResult(whole, rerankFused(whole.input));
          const got = rerankResult(job, rerankFused(job.input));
          expect(got).toEqual(want);
          expect(got.length).toBe(Math.min(limit, c));
        }
      });
});
