// Sorting the few items of a per-search list without `Array.prototype.sort`'s fixed cost.

/** Most items {@link sortFew} sorts by insertion (at most FEW·(FEW−1)/2 comparisons). */
const FEW = 16;

/**
 * Sorts `items` in place as `items.sort(order)` does: stable, so for an `order` that is a
 * consistent ordering, the same result. Up to {@link FEW} items by insertion: V8's
 * `Array.prototype.sort` allocates ≈ 1 KB of sort state per call, whatever the length, and the
 * stages sort a few items several times per search.
 * @param items - sorted in place
 * @param order - negative when `a` goes first, positive when `b` does, 0 to keep their order
 * @returns `items`
 */
export function sortFew<T>(items: T[], order: (a: T, b: T) => number): T[] {
  if (items.length > FEW) return items.sort(order);
  for (let i = 1; i < items.length; i++) {
    const x = items[i]!;
    let j = i;
    for (; j > 0 && order(items[j - 1]!, x) > 0; j--) items[j] = items[j - 1]!;
    items[j] = x;
  }
  return items;
}
