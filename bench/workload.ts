// What the benches share: a synthetic note corpus, queries over it, per-call timing and percentiles.

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

/**
 * Times `count` awaited calls, one after the other, each on its own.
 * @param count - how many calls
 * @param call - call number `i`
 * @returns each call's ms, in call order
 */
export async function timeEach(
  count: number,
  call: (i: number) => Promise<unknown>,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await call(i);
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * Ten untimed warm-up searches, then `count` timed ones cycling through `queries`.
 * @param search - one search of a query
 * @param queries - the questions
 * @param count - timed searches
 * @returns each timed search's ms, in call order
 */
export async function timeSearches(
  search: (query: string) => Promise<unknown>,
  queries: readonly string[],
  count: number,
): Promise<number[]> {
  for (let i = 0; i < 10; i++) await search(queries[(i * 7) % queries.length]!);
  return timeEach(count, (i) => search(queries[i % queries.length]!));
}

/** p50, p95, max and mean of per-call times (ms). */
export function spread(times: readonly number[]): {
  p50: number;
  p95: number;
  max: number;
  mean: number;
} {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    max: sorted[sorted.length - 1]!,
    mean: times.reduce((a, b) => a + b, 0) / times.length,
  };
}
