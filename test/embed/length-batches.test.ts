// lengthBatches: the batching policy of the embedders (sorted by length, at most `size`
// items, at most `maxPadded` once padded to the longest), every index exactly once.
import { expect, test } from 'vitest';
import { lengthBatches } from '../../src/embed/util';

test('sorted by length, ties in input order, at most size per batch', () => {
  expect(lengthBatches(['ccc', 'a', 'bb', 'd', 'ee'], 2)).toEqual([[1, 3], [2, 4], [0]]);
  expect(lengthBatches([], 4)).toEqual([]);
});

test('token ids as items; a batch pads to at most maxPadded, a longer item goes alone', () => {
  const ids = [
    [1, 2, 3, 4, 5, 6],
    [1],
    [1, 2],
    [1, 2, 3],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    [1, 2],
  ];
  // Padded lengths: [1, 2, 2] → 3 × 2 = 6; [3] + next (6) would be 2 × 6 = 12 > 8; 11 > 8 alone.
  expect(lengthBatches(ids, 64, 8)).toEqual([[1, 2, 5], [3], [0], [4]]);
  const all = lengthBatches(ids, 2, 8)
    .flat()
    .sort((a, b) => a - b);
  expect(all).toEqual([0, 1, 2, 3, 4, 5]);
});
