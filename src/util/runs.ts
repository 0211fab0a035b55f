// Runs of consecutive integers (slots read or written together).

/**
 * Runs `[first, length]` of consecutive values in `values` (taken sorted and distinct).
 * @example
 * runsOf([7, 3, 4, 5, 9, 4]); // [[3, 3], [7, 1], [9, 1]]
 */
export function runsOf(values: readonly number[]): [number, number][] {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const v of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === v) last[1]++;
    else runs.push([v, 1]);
  }
  return runs;
}
