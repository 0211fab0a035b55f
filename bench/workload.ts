// What the in-page benches share: a synthetic note corpus, queries over it, and percentiles.

/** The vocabulary the synthetic notes and queries are drawn from. */
export const WORDS = (
  'garden tea berlin paris train meeting doctor cat dog music piano invoice order flight ' +
  'coffee book river mountain bike office project deadline budget rent phone sister brother ' +
  'holiday beach winter summer recipe pasta bread cheese market museum concert football chess'
).split(' ');

/** Note number `i`: a deterministic short sentence of four vocabulary words. */
export function sentence(i: number): string {
  const w = (k: number) => WORDS[(i * 7 + k * 13 + ((i >> k) & 5)) % WORDS.length]!;
  return `Note ${i}: the ${w(1)} and the ${w(2)} near the ${w(3)}, about ${w(4)} ${i % 97}`;
}

/** Query number `i`: two vocabulary words. */
export function query(i: number): string {
  return `${WORDS[i % WORDS.length]} ${WORDS[(i * 5 + 3) % WORDS.length]}`;
}

/** The `p`th percentile of ascending `sorted` (nearest rank). */
export function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
