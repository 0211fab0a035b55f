import { expect, test } from 'vitest';
import { applyFeatures, mmr } from '../../src/retrieval/rerank';

test('features scale scores: full retention keeps a score, low retention lowers it', () => {
  const s = applyFeatures(
    new Map([
      ['a', 1],
      ['b', 1],
    ]),
    (id) => ({ retention: id === 'a' ? 1 : 0 }),
    { retention: 0.5 },
  );
  expect(s.get('a')).toBe(1);
  expect(s.get('b')).toBe(0.5);
});

test('MMR skips a near-duplicate for a novel memory; λ = 1 is plain ranking', () => {
  const scores = new Map([
    ['a', 1],
    ['a2', 0.95],
    ['b', 0.8],
  ]);
  const sim = (x: string, y: string) => (x[0] === y[0] ? 0.99 : 0);
  expect(mmr(scores, 2, sim, { lambda: 0.5 }).map(([id]) => id)).toEqual(['a', 'b']);
  expect(mmr(scores, 2, sim, { lambda: 1 }).map(([id]) => id)).toEqual(['a', 'a2']);
});
