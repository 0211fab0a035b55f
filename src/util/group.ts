// Items grouped by a numeric key, in the order each key is first met.

/**
 * `items` grouped by `key`: each key's items in their order, the keys in the order first met
 * (a Map's iteration order).
 * @param items - the items
 * @param key - an item's group
 * @example
 * groupBy([3, 7, 4], (n) => n % 2); // Map { 1 => [3, 7], 0 => [4] }
 */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
