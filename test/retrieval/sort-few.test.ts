import { expect, test } from 'vitest';
import { sortFew } from '../../src/retrieval/sort-few';

test('sortFew: the order of Array.prototype.sort, stable, short and long lists', () => {
  let seed = 11;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // Coarse keys: many ties, which a stable sort keeps in their given order.
  const byKey = (a: { k: number }, b: { k: number }) => a.k - b.k;
  for (let n = 0; n <= 40; n++)
    for (let round = 0; round < 5; round++) {
      const items = Array.from({ length: n }, (_, i) => ({ k: Math.floor(rand() * 4), i }));
      const expected = [...items].sort(byKey);
      expect(sortFew(items, byKey)).toBe(items);
      expect(items).toEqual(expected);
    }
});
