import { expect, test } from 'vitest';
import {
  normalise,
  ranked,
  reciprocalRankFusion,
  weightedFusion,
} from '../../src/retrieval/fusion';

const m = (o: Record<string, number>) => new Map(Object.entries(o));

test('normalisation: max keeps zero, min–max spans 0..1', () => {
  expect([...normalise(m({ a: 4, b: 2 }), 'max')]).toEqual([
    ['a', 1],
    ['b', 0.5],
  ]);
  expect([...normalise(m({ a: 0.6, b: 0.4, c: 0.2 }), 'minmax')]).toEqual([
    ['a', 1],
    ['b', 0.5000000000000001],
    ['c', 0],
  ]);
});

test('weighted fusion sums normalised scores; a low dense weight cannot overturn a clear lexical win', () => {
  const lex = m({ a: 10, b: 1 });
  const dense = m({ b: 0.9, c: 0.5, a: 0.4 });
  const f = weightedFusion([{ scores: lex }, { scores: dense, weight: 0.3, normalise: 'minmax' }]);
  expect(ranked(f).map(([id]) => id)).toEqual(['a', 'b', 'c']);
  expect(f.get('a')).toBeCloseTo(1, 9);
  expect(f.get('b')).toBeCloseTo(0.1 + 0.3, 9);
});

test('weighted fusion into the first list’s map: the same entries, order and scores as a fresh map', () => {
  const lists = () => [
    { scores: m({ a: 7.3, b: 1.1, d: 0.2 }), weight: 1.3 },
    { scores: m({ b: 0.9, c: 0.5, a: 0.4 }), weight: 0.7, normalise: 'minmax' as const },
  ];
  const fresh = weightedFusion(lists());
  const inputs = lists();
  const reused = weightedFusion(inputs, true);
  expect(reused).toBe(inputs[0]!.scores);
  expect([...reused]).toEqual([...fresh]);
  // A first list of weight 0 adds nothing: its map is left alone.
  const zero = lists();
  zero[0]!.weight = 0;
  const z = weightedFusion(zero, true);
  expect(z).not.toBe(zero[0]!.scores);
  expect([...zero[0]!.scores]).toEqual([...lists()[0]!.scores]);
  expect([...z]).toEqual([...weightedFusion([zero[1]!])]);
});

test('weighted RRF', () => {
  const r = reciprocalRankFusion(
    [{ scores: m({ a: 2, b: 1 }) }, { scores: m({ b: 2, a: 1 }), weight: 2 }],
    60,
  );
  expect(ranked(r)[0]![0]).toBe('b');
});

test('ranked(): a short prefix of a long list is the full ranking cut (ties by id)', () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const scores = new Map<string, number>();
  // Coarse scores: many ties, some at the cut.
  for (let i = 0; i < 3000; i++) scores.set(`m${(i * 7919) % 3001}`, Math.floor(rand() * 50) / 10);
  const full = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const k of [0, 1, 10, 50, 400, 749, 751, 3000, 5000])
    expect(ranked(scores, k)).toEqual(full.slice(0, k));
});

test('ranked(): a few scores, ties and any limit, as the full sort cut by slice()', () => {
  const scores = m({ f: 1, b: 2, e: 1, a: 3, d: 2, c: 1, h: 0, g: 2, j: 0.5, i: 2, l: 1, k: 3 });
  const full = [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const k of [0, 1, 2.5, 5, 11, 11.5, 12, Infinity])
    expect(ranked(scores, k)).toEqual(full.slice(0, k));
});
