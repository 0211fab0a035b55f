import { expect, test } from 'vitest';
import { runsOf } from '../../src/util/runs';

test('runsOf: consecutive values in runs, sorted, repeats once', () => {
  expect(runsOf([])).toEqual([]);
  expect(runsOf([7, 3, 4, 5, 9, 4])).toEqual([
    [3, 3],
    [7, 1],
    [9, 1],
  ]);
  expect(runsOf([0, 1, 2, 4096, 4095])).toEqual([
    [0, 3],
    [4095, 2],
  ]);
});
