// Consolidation on write without a language model (Mem0's ADD / UPDATE /
// DELETE / NOOP, decided by rules over the nearest memories in scope).
import type { Fact } from './extractor';

/** A stored memory near a new fact (current, active, same scope), best first. */
export interface Candidate {
  id: string;
  text: string;
  /** Cosine similarity with the fact's query vector. */
  similarity: number;
}

/** What to do with one fact. */
export type Decision =
  | { event: 'ADD' }
  | { event: 'UPDATE'; id: string }
  | { event: 'DELETE'; id: string }
  | { event: 'NOOP'; id?: string };

/** How a fact is matched: the text whose vector finds candidates, and whether it retracts. */
export interface Prepared {
  query: string;
  retraction: boolean;
}

/** Decides the operation for each new fact. Pluggable via `AddOptions.consolidator`. */
export interface Consolidator {
  /** The text to look candidates up with (e.g. a retraction without its cue). */
  prepare(fact: Fact): Prepared;
  /** The decision, given candidates found with the prepared query (best first). */
  decide(fact: Fact, prepared: Prepared, candidates: readonly Candidate[]): Decision;
}

/** Thresholds of {@link RuleConsolidator} (cosine similarities unless told). */
export interface ConsolidationOptions {
  /** At or above: the fact is a near-duplicate → NOOP (default 0.95). */
  duplicateThreshold?: number;
  /** At or above, with a shared subject: UPDATE; with no new word: NOOP (default 0.6). */
  updateThreshold?: number;
  /** A retraction's target must be at least this similar (default 0.6). */
  deleteThreshold?: number;
  /** Leading words two facts must share to be "about the same subject" (default 3). */
  minSharedPrefix?: number;
  /** Nearest memories looked at per fact (default 5). */
  candidates?: number;
}

const RETRACT_FORGET = /^\s*(?:please\s+)?forget\s+(?:that|about)\s+(.+)$/i;
const RETRACT_NO_LONGER = /\bno\s+longer\s+/i;
const RETRACT_ANYMORE =
  /\b(?:don't|do not|doesn't|does not|didn't|did not|am not|'m not|is not|isn't)\s+(.+?)\s+any\s?more\b/i;

/** Lowercase words of a text (letters, digits, apostrophes). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/**
 * The default consolidator. For each fact, in order:
 * 1. **Retraction** — the fact says "forget that/about X", "… no longer X" or
 *    "… don't X anymore": the cue is removed ("I no longer live in Berlin" →
 *    "I live in Berlin") and the nearest memory at ≥ `deleteThreshold` is
 *    invalidated (DELETE, soft: `validTo` is set, history kept). No such memory → NOOP.
 * 2. **Near-duplicate** — the nearest memory has similarity ≥ `duplicateThreshold`,
 *    or ≥ `updateThreshold` and the fact brings no word it lacks → NOOP (the memory is reinforced).
 * 3. **Same subject, changed content** — a memory at ≥ `updateThreshold` shares
 *    the first `minSharedPrefix` words and then differs ("I live in Berlin" →
 *    "I live in Paris") → UPDATE: a new version; the old one is invalidated.
 * 4. Otherwise → ADD.
 *
 * Known limits: subject = leading words, so "I moved to Paris" does not update
 * "I live in Berlin" (ADD), and multi-valued facts with a shared prefix ("I have
 * a cat" → "I have a dog") are taken as an UPDATE; negations other than the
 * cues above ("I hate Berlin now") are not retractions; similarity thresholds
 * depend on the embedder. Use the `llm` hook where these matter.
 */
export class RuleConsolidator implements Consolidator {
  private readonly o: Required<ConsolidationOptions>;

  /** @param options - thresholds, see {@link ConsolidationOptions} */
  constructor(options: ConsolidationOptions = {}) {
    this.o = {
      duplicateThreshold: options.duplicateThreshold ?? 0.95,
      updateThreshold: options.updateThreshold ?? 0.6,
      deleteThreshold: options.deleteThreshold ?? 0.6,
      minSharedPrefix: options.minSharedPrefix ?? 3,
      candidates: options.candidates ?? 5,
    };
  }

  /** Nearest memories to look at per fact. */
  get candidates(): number {
    return this.o.candidates;
  }

  /** @inheritDoc */
  prepare(fact: Fact): Prepared {
    const t = fact.text;
    const forget = RETRACT_FORGET.exec(t);
    if (forget) return { query: forget[1]!.trim(), retraction: true };
    if (RETRACT_NO_LONGER.test(t))
      return { query: t.replace(RETRACT_NO_LONGER, ''), retraction: true };
    const anymore = RETRACT_ANYMORE.exec(t);
    if (anymore) return { query: t.replace(anymore[0], anymore[1]!), retraction: true };
    return { query: t, retraction: false };
  }

  /** @inheritDoc */
  decide(fact: Fact, prepared: Prepared, candidates: readonly Candidate[]): Decision {
    const best = candidates[0];
    if (prepared.retraction) {
      return best && best.similarity >= this.o.deleteThreshold
        ? { event: 'DELETE', id: best.id }
        : { event: 'NOOP' };
    }
    const mine = words(fact.text);
    if (best) {
      const theirs = new Set(words(best.text));
      const nothingNew = mine.every((w) => theirs.has(w));
      if (
        best.similarity >= this.o.duplicateThreshold ||
        (best.similarity >= this.o.updateThreshold && nothingNew)
      )
        return { event: 'NOOP', id: best.id };
    }
    for (const c of candidates) {
      if (c.similarity < this.o.updateThreshold) break;
      const theirs = words(c.text);
      let p = 0;
      while (p < mine.length && p < theirs.length && mine[p] === theirs[p]) p++;
      if (p >= this.o.minSharedPrefix && p < mine.length && p < theirs.length)
        return { event: 'UPDATE', id: c.id };
    }
    return { event: 'ADD' };
  }
}
