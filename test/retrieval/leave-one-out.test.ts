// The leave-one-conversation-out pick of eval/tune.ts: each fold is scored with the
// configuration best on the OTHER folds, never with the one best on itself.
import { expect, test } from 'vitest';
import { figures0, leaveOneOut, summary, type Fold } from '../../eval/leave-one-out';

/** A LoCoMo fold of 10 questions with recall@10 `a` under config A and `b` under B. */
const locomo = (id: string, a: number, b: number): Fold => ({
  bench: 'locomo',
  id,
  by: {
    A: { ...figures0(), r10: 10 * a, n: 10, cats: { '1': [4 * a, 4], '2': [6 * a, 6] } },
    B: { ...figures0(), r10: 10 * b, n: 10, cats: { '1': [4 * b, 4], '2': [6 * b, 6] } },
  },
});

test('each fold gets the configuration that wins on the others', () => {
  // B wins on x and y; A wins big on z alone. Held out z: B (best on x, y) → z scores 0.1.
  const folds = [locomo('x', 0.5, 0.6), locomo('y', 0.5, 0.6), locomo('z', 0.9, 0.1)];
  const { picks, held } = leaveOneOut(folds, ['A', 'B']);
  // Held out x: on y + z, A has (5+9)/20 = 0.7 > B's 0.35 → A; same for y; z → B.
  expect(picks).toEqual({ 'locomo x': 'A', 'locomo y': 'A', 'locomo z': 'B' });
  expect(held.locomo).toBeCloseTo((5 + 5 + 1) / 30, 12);
  // Every question counts once, by category too: multi-hop (1) and temporal (2).
  expect(held.locomoByCategory['multi-hop']).toBeCloseTo((2 + 2 + 0.4) / 12, 12);
  expect(held.locomoByCategory.temporal).toBeCloseTo((3 + 3 + 0.6) / 18, 12);
  // Worse than the best configuration on all data: the held-out figure is honest.
  expect(held.locomo).toBeLessThan(summary(folds, 'A').locomo);
});

test('BEAM newer-first counts in the pick beside recall', () => {
  const beam = (id: string, newerA: number, newerB: number): Fold => ({
    bench: 'beam',
    id,
    by: {
      A: { ...figures0(), r10: 5, n: 10, nf: newerA, nn: 2 },
      B: { ...figures0(), r10: 4.5, n: 10, nf: newerB, nn: 2 },
    },
  });
  // B loses 0.05 recall but gains 0.5 newer-first on the other folds: B is picked.
  const { picks, held } = leaveOneOut(
    [beam('1', 0, 1), beam('2', 0, 1), beam('3', 0, 1)],
    ['A', 'B'],
  );
  expect(Object.values(picks)).toEqual(['B', 'B', 'B']);
  expect(held.beam).toBeCloseTo(0.45, 12);
  expect(held.newer).toBeCloseTo(0.5, 12);
  expect(Number.isNaN(held.locomo)).toBe(true); // no LoCoMo fold: no LoCoMo figure
});
