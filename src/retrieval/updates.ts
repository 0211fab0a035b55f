// Knowledge updates without a language model: when a later memory restates what an earlier one
// said about the query's subject with a changed value ("response time now 250ms" after "…
// 400ms"), the later one ranks above it. Pairs come from the few best hits (the stage reorders
// the top, it does not reach far down): both match the query's terms (the later one a share of
// those the earlier one matched), and each holds a value the other lacks (a term with a digit:
// amounts, counts, dates, times), read in the passage that matches the query best. Event time
// orders them (write order within the same time); an assistant's message supersedes nothing;
// a query that names the earlier value ("the 400ms figure") asks for the earlier memory.
import { EngramError } from '../errors';
import { ranked, type Scores, type TieOrder } from './fusion';

/** Options of the knowledge-update stage. */
export interface UpdateStageOptions {
  /** How many of the best hits are compared (default 15). */
  pool?: number;
  /** Query terms both memories must match (default 2). */
  minShared?: number;
  /** Share of the earlier memory's matched query terms the later one must match too (default 0.3). */
  cover?: number;
  /** The later memory is lifted only when its score is at least this share of the earlier one's (default 0.3). */
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
  /**
   * Analysed terms of each passage of a long text (none: the text is one passage). The
   * passage that matches the query best is where the memory states its value: a long answer
   * full of numbers is compared by that passage only.
   */
  passages?: readonly ReadonlySet<string>[];
  /** Event time, ms since epoch. */
  time: number;
  /** Write order (ties of `time`). */
  seq: number;
  /**
   * Chat role of its author: an `'assistant'` message repeats or proposes values, it does not
   * restate the user's facts, so it never supersedes (it may be superseded).
   */
  role?: string;
}

const hasDigit = /\d/;

/** The value terms (with a digit) of each term set seen, kept while the set lives. */
const valueSets = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

/** The terms of `terms` that hold a digit (amounts, counts, dates, times), made once per set. */
function valuesOf(terms: ReadonlySet<string>): ReadonlySet<string> {
  let v = valueSets.get(terms);
  if (!v) valueSets.set(terms, (v = new Set([...terms].filter((t) => hasDigit.test(t)))));
  return v;
}

/** The passage of `d` that matches most query terms (the first of equals), or its whole text. */
function focus(d: UpdateDoc, queryTerms: ReadonlySet<string>): ReadonlySet<string> {
  if (!d.passages || d.passages.length < 2) return d.terms;
  let best = d.passages[0]!;
  let most = -1;
  for (const p of d.passages) {
    let n = 0;
    for (const t of queryTerms) if (p.has(t)) n++;
    if (n > most) ((best = p), (most = n));
  }
  return best;
}

/** A best hit compared by {@link preferNewer}. */
interface Hit {
  id: string;
  score: number;
  d: UpdateDoc;
  /** The passage compared (see `focus`). */
  f: ReadonlySet<string>;
  /** The query terms `f` holds, in query order. */
  matched: string[];
  /** The value terms of `f`. */
  values: ReadonlySet<string>;
  /** Whether `f` says it changes something (with `cues`). */
  says: boolean;
}

/** Whether `terms` holds any of `words`. */
function hasAny(terms: ReadonlySet<string>, words: ReadonlySet<string>): boolean {
  for (const w of words) if (terms.has(w)) return true;
  return false;
}

/** Whether `a` holds a term `b` lacks. */
function hasOutside(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const v of a) if (!b.has(v)) return true;
  return false;
}

/** Whether the query names a value (of `asked`) the older memory holds and the newer lacks. */
function namesOlder(
  asked: readonly string[],
  older: ReadonlySet<string>,
  newer: ReadonlySet<string>,
): boolean {
  for (let i = 0; i < asked.length; i++) {
    const v = asked[i]!;
    if (older.has(v) && !newer.has(v)) return true;
  }
  return false;
}

/**
 * Lifts each later restatement just above the best of the earlier memories it supersedes.
 * A later memory supersedes an earlier one among the best hits when both match the query
 * (at least `minShared` terms, the later one at least `cover` of those the earlier one
 * matched), each states a value the other lacks (a term with a digit, in the passage that
 * matches the query best), and the later one scores at least `ratio` of the earlier one (or,
 * with `cues`, says it changes something), unless the query names a value that the earlier
 * one holds and the later one lacks. Memories are taken in event-time order (write
 * order within the same time), so a chain of updates ends with the latest on top.
 * @param scores - scores by id (left unchanged unless it is `out`)
 * @param queryTerms - the query's analysed terms
 * @param doc - a memory's terms and time, if indexed
 * @param o - stage options
 * @param tie - which of equal scores enters the pool first (default by id)
 * @param out - where the scores go (default a copy of `scores`; `scores` itself: in place, the
 *   same result: the pool is taken before any score changes)
 * @returns `out`
 * @example
 * preferNewer(scores, new Set(['dashboard', 'respons', 'time']), (id) => docs.get(id), {})
 */
export function preferNewer(
  scores: Scores,
  queryTerms: ReadonlySet<string>,
  doc: (id: string) => UpdateDoc | undefined,
  o: UpdateStageOptions,
  tie?: TieOrder,
  out: Scores = new Map(scores),
): Scores {
  const pool = o.pool ?? 15;
  const minShared = o.minShared ?? 2;
  const cover = o.cover ?? 0.3;
  const ratio = o.ratio ?? 0.3;
  const cues = o.cues === true;
  // (Loops, not spreads and closures: the stage runs in every default search, and each pair of
  // hits compared used to allocate a few arrays.)
  const query = [...queryTerms];
  // Values the query itself names: a later memory that lacks one the earlier memory holds is
  // not what the query asks for, whatever its date (e.g. 'note 127 …' vs a later 'note 128 …').
  const asked = query.filter((t) => hasDigit.test(t));
  const best = ranked(scores, pool, tie);
  const hits: Hit[] = [];
  for (const [id, score] of best) {
    const d = doc(id);
    if (!d) continue;
    const f = focus(d, queryTerms);
    const matched = query.filter((t) => f.has(t));
    const values = valuesOf(f);
    if (matched.length >= minShared && values.size > 0)
      hits.push({ id, score, d, f, matched, values, says: cues && hasAny(f, UPDATE_CUES) });
  }
  hits.sort((a, b) => a.d.time - b.d.time || a.d.seq - b.d.seq);
  for (let j = 0; j < hits.length; j++) {
    const newer = hits[j]!;
    if (newer.d.role === 'assistant') continue;
    let top = out.get(newer.id)!;
    for (let i = 0; i < j; i++) {
      const older = hits[i]!;
      if (older.d.time === newer.d.time && older.d.seq === newer.d.seq) continue;
      if (newer.score < ratio * older.score && !newer.says) continue;
      if (namesOlder(asked, older.values, newer.values)) continue;
      let shared = 0;
      for (let k = 0; k < older.matched.length; k++) if (newer.f.has(older.matched[k]!)) shared++;
      if (shared < minShared || shared < cover * older.matched.length) continue;
      const changed =
        hasOutside(newer.values, older.values) && hasOutside(older.values, newer.values);
      if (changed) top = Math.max(top, out.get(older.id)! * (1 + 1e-6) + 1e-9);
    }
    out.set(newer.id, top);
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
