// Search limits beyond the vector index's per-call k (MAX_K = 256): every limit the API
// accepts works on the hybrid and the dense path, and deepSearch is the exact global ranking.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import { MAX_K } from '../../src/search/topk';
import { deepSearch } from '../../src/retrieval/deep-search';
import { denseCandidates } from '../../src/retrieval/engine-search';

test('deepSearch past MAX_K equals one exact ranking of every eligible slot', async () => {
  const dim = 8;
  const n = 700;
  const index = new CpuFlatIndex({ dim });
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < rows.length; i++) rows[i] = Math.sin(i * 12.9898) * 0.5;
  // Duplicated rows make ties, which must stay in slot order across passes.
  rows.copyWithin(100 * dim, 0, 50 * dim);
  await index.write(0, rows);
  index.remove([3, 400]);
  const allow = new Uint8Array(n).fill(1);
  allow[5] = 0;
  const q = rows.slice(0, dim);
  const expected = [...Array(n).keys()]
    .filter((s) => s !== 3 && s !== 400 && s !== 5)
    .map((s) => {
      let v = 0;
      for (let j = 0; j < dim; j++) v += rows[s * dim + j]! * q[j]!;
      return { s, v: Math.fround(v) };
    });
  const deep = await deepSearch(index, q, 1000, allow);
  expect(deep.slots.length).toBe(n - 3);
  const [one] = await index.search(q, MAX_K, allow);
  expect([...deep.slots.slice(0, MAX_K)]).toEqual([...one!.slots]);
  for (let i = 1; i < deep.slots.length; i++) {
    const a = deep.scores[i - 1]!;
    const b = deep.scores[i]!;
    expect(a > b || (a === b && deep.slots[i - 1]! < deep.slots[i]!)).toBe(true);
  }
  expect(new Set(deep.slots).size).toBe(expected.length);
  expect((await deepSearch(index, q, 300)).slots.length).toBe(300);
  index.dispose();
});

test('denseCandidates stays within one index pass until the limit needs more', () => {
  expect(denseCandidates(10)).toBe(100);
  expect(denseCandidates(50)).toBe(200);
  expect(denseCandidates(100)).toBe(MAX_K);
  expect(denseCandidates(1000)).toBe(1000);
});

test('search accepts limits 1, 10, 100, 256, 1000 and 10 000 on the hybrid and dense paths', async () => {
  const e = await Engine.open({
    name: 'retrieval-limits',
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
    reinforceOnSearch: false,
  });
  try {
    const n = 300;
    await e.addMany(
      Array.from({ length: n }, (_, i) => ({
        text: `note ${i} about the garden and tea`,
        runId: 'r',
      })),
    );
    for (const limit of [1, 10, 100, 256, 1000, 10_000]) {
      const want = Math.min(limit, n);
      for (const retrieval of [undefined, false] as const) {
        const { results } = await e.search('garden tea', {
          limit,
          ...(retrieval === false ? { retrieval } : {}),
        });
        expect(results.length, `limit ${limit} ${String(retrieval)}`).toBe(want);
        expect(new Set(results.map((r) => r.id)).size).toBe(want);
      }
      const ret = await e.search('garden tea', { limit, retrieval: false, retentionWeight: 0.5 });
      expect(ret.results.length).toBe(want);
    }
    // The dense path past MAX_K is the dense path below it, extended.
    const small = await e.search('garden', { limit: 200, retrieval: false });
    const big = await e.search('garden', { limit: 1000, retrieval: false });
    expect(big.results.slice(0, 200).map((r) => r.id)).toEqual(small.results.map((r) => r.id));
  } finally {
    await e.close();
  }
});
