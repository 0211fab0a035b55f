// Recall sums of an eval: category → k → {sum, n}, with an 'all' category; rounds the means.
import { recallAt } from './data';

/** Rounds to `d` decimals. */
export const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** recall@k means overall and by category, as the eval CLIs print them. */
export interface RecallRow {
  overall: Record<string, number>;
  byCategory: Record<string, Record<string, number>>;
}

/** Adds up recall@k of ranked results per category and overall. */
export class RecallTally {
  private readonly sums = new Map<string, Map<number, { sum: number; n: number }>>();

  constructor(readonly ks: readonly number[]) {}

  /** Counts one question: the share of `evidence` in the first k of `ranked`, for every k. */
  add(category: string, ranked: readonly string[], evidence: readonly string[]): void {
    for (const cat of [category, 'all']) {
      const byK = this.sums.get(cat) ?? new Map<number, { sum: number; n: number }>();
      this.sums.set(cat, byK);
      for (const k of this.ks) {
        const s = byK.get(k) ?? { sum: 0, n: 0 };
        s.sum += recallAt(ranked, evidence, k);
        s.n++;
        byK.set(k, s);
      }
    }
  }

  /** Mean recall@k of one category ('all': every question), rounded to 3 decimals. */
  mean(category: string): Record<string, number> {
    return Object.fromEntries(
      this.ks.map((k) => {
        const s = this.sums.get(category)?.get(k);
        return [`recall@${k}`, s ? round(s.sum / s.n) : NaN];
      }),
    );
  }

  /** Overall and per-category means, categories sorted. */
  row(): RecallRow {
    const cats = [...this.sums.keys()].filter((c) => c !== 'all').sort();
    return {
      overall: this.mean('all'),
      byCategory: Object.fromEntries(cats.map((c) => [c, this.mean(c)])),
    };
  }
}

/** Median and p95 of latencies (ms), 2 decimals; sorts `xs`. */
export function percentiles(xs: number[]): { median: number; p95: number } {
  xs.sort((x, y) => x - y);
  const pick = (p: number): number =>
    round(xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN, 2);
  return { median: pick(0.5), p95: pick(0.95) };
}

/** A Markdown table; numbers with 3 decimals. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows].map((r) =>
    r.map((c) => (typeof c === 'number' ? c.toFixed(3) : c)),
  );
  const w = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]): string => '| ' + r.map((c, i) => c.padEnd(w[i]!)).join(' | ') + ' |';
  return [
    line(cells[0]!),
    '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|',
    ...cells.slice(1).map(line),
  ].join('\n');
}
