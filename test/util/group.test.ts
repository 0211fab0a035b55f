// groupBy: items by key, each group and the keys in the order first met.
import { expect, test } from 'vitest';
import { groupBy } from '../../src/util/group';

test('groups in order of first appearance, items in their order', () => {
  const g = groupBy([9, 4, 7, 2, 5, 4], (n) => n % 3);
  expect([...g]).toEqual([
    [0, [9]],
    [1, [4, 7, 4]],
    [2, [2, 5]],
  ]);
  expect(groupBy([], () => 0).size).toBe(0);
});
