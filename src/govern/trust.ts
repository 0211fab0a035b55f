// Trust per source: `Engram.open({ trust: { user: 1, web: 0.3 } })` sets the priors. A source's
// trust is the mean of a Beta posterior: the prior counts as PRIOR_WEIGHT observations, and
// the evidence the log found (summed in the meta record, see `src/store/trust-tally.ts`) adds
// to it — confirmations (another source stated a consistent fact, `accept`, feedback
// 'correct') and contradictions (of or by a higher-trust memory, `reject`, feedback 'wrong').
// A lower-trust source never changes a higher-trust memory: its UPDATE or DELETE is held as a
// `pending` memory (out of search) until `accept(id)` or `reject(id)`; trust also weighs into
// ranking (the rerank's `trust` feature).
import { EngramError } from '../errors';
import type { MemoryRecord, TrustTally } from '../store/records';
import { DEFAULT_SOURCE } from './write-tag';

/** Trust of a source not named in the `trust` option. */
export const UNLISTED_TRUST = 0.5;

/** How many observations a prior counts as: ten pieces of evidence move trust about halfway. */
export const PRIOR_WEIGHT = 10;

/** Prior trust of each source, 0..1 (default `{ user: 1 }`; unlisted sources 0.5). */
export type TrustOptions = Record<string, number>;

/** The checked `trust` option. */
export interface TrustPriors {
  /** The prior of a source. */
  of: (source: string) => number;
  /** Sources the option names (and `'user'`). */
  named: readonly string[];
}

/** A source's trust, as `trust()` reports it. */
export interface SourceTrust {
  /** The source (`'user'`, `'web'`, …). */
  source: string;
  /** Its prior (the `trust` option, else 1 for `'user'`, else 0.5). */
  prior: number;
  /** Confirmations so far: consistent facts from other sources, accepts, feedback 'correct'. */
  confirmed: number;
  /** Contradictions so far: of or by a higher-trust memory, rejects, feedback 'wrong'. */
  contradicted: number;
  /** The posterior mean, 0..1: what ranking and consolidation use. */
  trust: number;
}

/** Checks the `trust` option and returns the prior of a source. @throws `InvalidArgument` */
export function trustPriors(option: unknown): TrustPriors {
  if (
    option !== undefined &&
    (option === null || typeof option !== 'object' || Array.isArray(option))
  )
    throw new EngramError('InvalidArgument', 'trust must be an object { source: 0..1 }');
  const table = new Map<string, number>([[DEFAULT_SOURCE, 1]]);
  for (const [k, v] of Object.entries(option ?? {})) {
    if (k.length === 0 || k.length > 200)
      throw new EngramError('InvalidArgument', 'a trust source must be 1 to 200 characters');
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new EngramError('InvalidArgument', `trust.${k} must be a number in 0..1`);
    table.set(k, v);
  }
  return { of: (source) => table.get(source) ?? UNLISTED_TRUST, named: [...table.keys()] };
}

/**
 * Posterior mean of Beta(p·n + confirmed, (1 − p)·n + contradicted), n = {@link PRIOR_WEIGHT}.
 * @param prior - the source's prior, 0..1
 * @param tally - its evidence (none: the prior itself)
 */
export function posterior(prior: number, tally: TrustTally | undefined): number {
  if (!tally) return prior;
  const a = prior * PRIOR_WEIGHT + tally.confirmed;
  const b = (1 - prior) * PRIOR_WEIGHT + tally.contradicted;
  return a / (a + b);
}

/**
 * The trust of every source, for one read of the evidence (build it once per write or search).
 * @param priors - the checked `trust` option
 * @param tallies - the meta record's `trust`
 */
export function trustTable(
  priors: TrustPriors,
  tallies: readonly TrustTally[] | undefined,
): (source: string | undefined) => number {
  const byName = new Map((tallies ?? []).map((t) => [t.source, t]));
  const memo = new Map<string, number>();
  return (source) => {
    const s = source ?? DEFAULT_SOURCE;
    let t = memo.get(s);
    if (t === undefined) memo.set(s, (t = posterior(priors.of(s), byName.get(s))));
    return t;
  };
}

/**
 * Every source with a prior or evidence, with its trust (sorted by name).
 * @param priors - the checked `trust` option
 * @param tallies - the meta record's `trust`
 */
export function trustReport(
  priors: TrustPriors,
  tallies: readonly TrustTally[] | undefined,
): SourceTrust[] {
  const byName = new Map((tallies ?? []).map((t) => [t.source, t]));
  const sources = [...new Set([...priors.named, ...byName.keys()])].sort();
  return sources.map((source) => {
    const t = byName.get(source);
    return {
      source,
      prior: priors.of(source),
      confirmed: t?.confirmed ?? 0,
      contradicted: t?.contradicted ?? 0,
      trust: posterior(priors.of(source), t),
    };
  });
}

/** The source of a stored memory (absent: `'user'`). */
export function sourceOf(rec: MemoryRecord): string {
  return rec.source ?? DEFAULT_SOURCE;
}
