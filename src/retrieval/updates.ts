// Knowledge updates without a language model: when a later memory restates what an earlier one
// said about the query's subject with a changed value ("response time now 250ms" after "…
// 400ms"), the later one ranks above it. Pairs come from the best hits: both match the query's
// terms (the later one at least those the earlier one matched), and each holds a value the other
// lacks (a term with a digit: amounts, counts, dates, times). Event time orders them (write
// order within the same time).
import { EngramError } from '../errors';
import type { Scores } from './fusion';

/** Options of the knowledge-update stage. */
export interface UpdateStageOptions {
  /** How many of the best hits are compared (default 30). */
  pool?: number;
  /** Query terms both memories must match (default 2). */
  minShared?: number;
  /** Share of the earlier memory's matched query terms the later one must match too (default 0.5). */
  cover?: number;
  /** The later memory is lifted only when its score is at least this share of the earlier one's (default 0.5). */
  ratio?: number;
  /**
   * A later memory that says it changes something ("updated", "new", "recently", "increased",
   * "rescheduled", …: the list `UPDATE_CUES` in src/retrieval/updates.ts) is preferred, and lifted whatever its score,
   * over one that does not (default false).
   */
  cues?: boolean;
}

/** Stems of the words with which a message restates a fact with a changed value. */
export const UPDATE_CUES: ReadonlySet<string> = new Set([
  'updat',
  'recent',
  'increas',
  'decreas',
  'reschedul',
  'new',
  'chang',
  'move',
  'instead',
  'revis',
  'improv',
  'reach',
  'grown',
  'drop',
  'rais',
  'adjust',
  'extend',
  'push',
  'latest',
]);

/** What the stage needs of a memory. */
export interface UpdateDoc {
  /** Analysed terms of its text. */
  terms: ReadonlySet<string>;
  /** Event time, ms since epoch. */
  time: number;
  /** Write order (ties of `time`). */
  seq: number;
}

const hasDigit = /\d/;

/**
 * Lifts each later restatement just above the best earlier memory it updates.
 * @param scores - scores by id (left unchanged)
 * @param queryTerms - the query's analysed terms
 * @param doc - a memory's terms and time, if indexed
 * @param o - stage options
 * @returns new scores
 * @example
 * preferNewer(scores, new Set(['dashboard', 'respons', 'time']), (id) => docs.get(id), {})
 */
export function preferNewer(
  scores: Scores,
  queryTerms: ReadonlySet<string>,
  doc: (id: string) => UpdateDoc | undefined,
  o: UpdateStageOptions,
): Scores {
  const pool = o.pool ?? 30;
  const minShared = o.minShared ?? 2;
  const cover = o.cover ?? 0.5;
  const ratio = o.ratio ?? 0.5;
  const cues = o.cues === true;
  const cued = (d: UpdateDoc): boolean => cues && [...UPDATE_CUES].some((c) => d.terms.has(c));
  const out: Scores = new Map(scores);
  const best = [...scores].sort((a, b) => b[1] - a[1]).slice(0, pool);
  const hits = best.flatMap(([id, score]) => {
    const d = doc(id);
    if (!d) return [];
    const matched = [...queryTerms].filter((t) => d.terms.has(t));
    const values = [...d.terms].filter((t) => hasDigit.test(t));
    return matched.length >= minShared && values.length > 0
      ? [{ id, score, d, matched, values }]
      : [];
  });
  // Earliest first, so a chain of updates ends with the latest on top. Each earlier memory
  // lifts one restatement only, its best-scored one: long texts full of numbers would
  // otherwise all rise above every hit they share two query words with.
  hits.sort((a, b) => a.d.time - b.d.time || a.d.seq - b.d.seq);
  for (let i = 0; i < hits.length; i++) {
    const older = hits[i]!;
    let pick: (typeof hits)[number] | undefined;
    for (let j = i + 1; j < hits.length; j++) {
      const newer = hits[j]!;
      const says = cued(newer.d);
      if (newer.score < ratio * older.score && !says) continue;
      if (older.d.time === newer.d.time && older.d.seq === newer.d.seq) continue;
      const shared = older.matched.filter((t) => newer.d.terms.has(t)).length;
      if (shared < minShared || shared < cover * older.matched.length) continue;
      const changed =
        newer.values.some((v) => !older.d.terms.has(v)) &&
        older.values.some((v) => !newer.d.terms.has(v));
      if (!changed) continue;
      const better =
        !pick || (says && !cued(pick.d)) || (says === cued(pick.d) && newer.score > pick.score);
      if (better) pick = newer;
    }
    const was = out.get(older.id)!;
    if (pick && out.get(pick.id)! <= was) out.set(pick.id, was * (1 + 1e-6) + 1e-9);
  }
  return out;
}

/**
 * Checks a `retrieval.updates` option: each field, where given, a finite number ≥ 0 (`pool`
 * and `minShared` integers, `cover` ≤ 1; `cues` a boolean).
 * @param updates - the stage options as given
 * @throws EngramError `InvalidArgument`
 */
export function checkUpdateOptions(updates: object): void {
  const u = updates as Record<string, unknown>;
  if (u.cues !== undefined && typeof u.cues !== 'boolean')
    throw new EngramError('InvalidArgument', 'retrieval.updates.cues must be a boolean');
  for (const k of ['pool', 'minShared', 'cover', 'ratio']) {
    const v = u[k];
    if (v === undefined) continue;
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      v >= 0 &&
      (k === 'cover' ? v <= 1 : true) &&
      (k === 'pool' || k === 'minShared' ? Number.isInteger(v) : true);
    if (!ok)
      throw new EngramError(
        'InvalidArgument',
        `retrieval.updates.${k} must be a finite number ≥ 0${k === 'cover' ? ' and ≤ 1' : ''}${k === 'pool' || k === 'minShared' ? ', an integer' : ''}`,
      );
  }
}
