// Selection without a full sort, for the top-k cuts of the retrieval stages.

/**
 * Quickselect: the value that would sit at index `k` of `a` sorted ascending (reorders `a`).
 * @param a - values (reordered in place)
 * @param k - index in the ascending order, 0 ≤ k < a.length
 */
export function selectAt(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
