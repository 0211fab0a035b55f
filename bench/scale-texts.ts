// The scale benches' memory texts: real chat texts in order, later rounds with a small variation.

const SWAPS: [RegExp, string][] = [
  [/\bthe\b/, 'this'],
  [/\bI\b/, 'we'],
  [/\ba\b/, 'one'],
  [/\band\b/, 'plus'],
];

/**
 * The i-th memory text: base texts in order, later rounds with a small variation each.
 * @param base - real chat texts
 * @param i - memory number
 */
export function textAt(base: readonly string[], i: number): string {
  const t = base[i % base.length]!;
  const round = Math.floor(i / base.length);
  if (round === 0) return t;
  const [re, to] = SWAPS[round % SWAPS.length]!;
  return `${t.replace(re, to)} (${round})`;
}
