import { expect, test } from 'vitest';
import { personalizedPageRank } from '../../src/retrieval/ppr';

// a — b — c, and d alone: from a, c (two hops) is reached, d never.
const graph: Record<string, { id: string; weight: number }[]> = {
  a: [{ id: 'b', weight: 1 }],
  b: [
    { id: 'a', weight: 1 },
    { id: 'c', weight: 1 },
  ],
  c: [{ id: 'b', weight: 1 }],
  d: [],
};

test('PageRank from a seed reaches two-hop neighbours, sums to 1, ignores unlinked memories', () => {
  const pr = personalizedPageRank(new Map([['a', 1]]), (id) => graph[id] ?? [], {
    damping: 0.5,
    iterations: 50,
  });
  expect(pr.get('a')!).toBeGreaterThan(pr.get('b')!);
  expect(pr.get('b')!).toBeGreaterThan(pr.get('c')!);
  expect(pr.get('c')!).toBeGreaterThan(0);
  expect(pr.has('d')).toBe(false);
  expect([...pr.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
});

test('no positive seed gives an empty result', () => {
  expect(personalizedPageRank(new Map([['a', 0]]), () => []).size).toBe(0);
});
