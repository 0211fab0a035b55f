// Leave-one-conversation-out over LoCoMo and BEAM conversations together: each configuration's
// figures per conversation (a fold), their question-weighted summary, and the held-out figures
// of the configuration picked on the other conversations (eval/tune.ts measures and prints them).
import { CATEGORIES } from './harness';
import { round } from './tally';

/** A configuration's figures on one conversation. */
export interface Figures {
  /** recall@10 summed over questions, and the question count. */
  r10: number;
  n: number;
  /** BEAM: newer-first hits and knowledge-update questions. */
  nf: number;
  nn: number;
  /** LoCoMo: recall@10 sums and counts by category. */
  cats: Record<string, [number, number]>;
}

/** One conversation's figures under every configuration. */
export interface Fold {
  bench: 'locomo' | 'beam';
  id: string;
  by: Record<string, Figures>;
}

/** Figures with nothing counted. */
export const figures0 = (): Figures => ({ r10: 0, n: 0, nf: 0, nn: 0, cats: {} });

/** Question-weighted figures of a configuration over some folds. */
export function summary(fs: Fold[], name: string) {
  const sum = (b: Fold['bench'], k: 'r10' | 'n' | 'nf' | 'nn') =>
    fs.filter((f) => f.bench === b).reduce((s, f) => s + f.by[name]![k], 0);
  const cats: Record<string, number> = {};
  for (const cat of Object.keys(CATEGORIES)) {
    let s = 0;
    let n = 0;
    for (const f of fs) {
      const c = f.by[name]!.cats[cat];
      if (c) ((s += c[0]), (n += c[1]));
    }
    if (n) cats[CATEGORIES[cat]!] = s / n;
  }
  return {
    locomo: sum('locomo', 'r10') / sum('locomo', 'n'),
    beam: sum('beam', 'r10') / sum('beam', 'n'),
    newer: sum('beam', 'nf') / sum('beam', 'nn'),
    locomoByCategory: cats,
  };
}
/** Question-weighted figures: LoCoMo and BEAM recall@10, BEAM newer-first, LoCoMo by category. */
export type Summary = ReturnType<typeof summary>;

/** What a pick maximises: LoCoMo recall@10 + BEAM recall@10 + BEAM newer-first (a missing term counts 0). */
export const score = (s: Summary): number =>
  [s.locomo, s.beam, s.newer].reduce((t, x) => t + (Number.isFinite(x) ? x : 0), 0);

/** One line of figures. */
export const fmt = (s: Summary): string =>
  `LoCoMo ${round(s.locomo)} (${Object.entries(s.locomoByCategory)
    .map(([c, v]) => `${c} ${round(v)}`)
    .join(', ')}) · BEAM ${round(s.beam)} · newer-first ${round(s.newer)}`;

/**
 * Holds each fold out in turn, picks the configuration with the best {@link score} on the
 * others, and keeps that configuration's figures on the held-out fold.
 * @returns the pick per fold (`bench id` → name) and the held-out figures
 */
export function leaveOneOut(
  folds: Fold[],
  names: string[],
): { picks: Record<string, string>; held: Summary } {
  const picks: Record<string, string> = {};
  const heldOut: Fold[] = folds.map((f) => {
    const rest = folds.filter((g) => g !== f);
    const best = names.reduce((x, y) =>
      score(summary(rest, y)) > score(summary(rest, x)) ? y : x,
    );
    picks[`${f.bench} ${f.id}`] = best;
    return { ...f, by: { held: f.by[best]! } };
  });
  return { picks, held: summary(heldOut, 'held') };
}
