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

/**
 * Adds memories `from` … `to - 1` (their {@link textAt} texts) in addMany calls of 2 000.
 * @param addMany - the store's addMany
 * @param base - real chat texts
 * @param from - first memory number
 * @param to - one past the last
 */
export async function addTexts(
  addMany: (items: { text: string }[]) => Promise<unknown>,
  base: readonly string[],
  from: number,
  to: number,
): Promise<void> {
  for (let at = from; at < to; at += 2000) {
    const items = [];
    for (let i = at; i < Math.min(to, at + 2000); i++) items.push({ text: textAt(base, i) });
    await addMany(items);
  }
}
