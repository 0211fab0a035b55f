// Consolidation on write without a language model (Mem0's ADD / UPDATE /
// DELETE / NOOP, decided by rules over the nearest memories in scope).
import type { Fact } from './extractor';
import { factShape, type FactShape } from './fact-shape';
import { contentTokens } from './fact-tokens';

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
  /** Nothing to write: `id` is the memory that already says it (reinforced); without one, `reason` says why (reported in `skipped`). */
  | { event: 'NOOP'; id?: string; reason?: string };

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
  /**
   * @deprecated Ignored: similarity alone never makes a NOOP. A restatement needs
   * every content token of the fact in the memory (and `updateThreshold`).
   */
  duplicateThreshold?: number;
  /** A memory must be at least this similar to be restated (NOOP) or updated (default 0.6). */
  updateThreshold?: number;
  /** A retraction's target must be at least this similar (default 0.6). */
  deleteThreshold?: number;
  /** @deprecated Ignored: the subject is now the words before the verb, not a fixed prefix. */
  minSharedPrefix?: number;
  /** Nearest memories looked at per fact (default 5). */
  candidates?: number;
}

const RETRACT_FORGET = /^\s*(?:please\s+)?forget\s+(?:that\s+|about\s+)?(.+)$/i;
const RETRACT_NO_LONGER = /\bno\s+longer\s+/i;
const ANYMORE = /\s*\bany\s?more\b/i;
const NEGATION =
  /\b(?:do|does|did)(?:\s+not|n't|n’t)\s+|\bnot\s+|(?<=\b(?:is|are|was|were))n['’]t\b/i;

/** Lowercase words of a text (letters, digits, apostrophes). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

/** Canonical content tokens of a fact. */
const content = (shape: FactShape) => shape.tokens.filter((t) => !t.stop).map((t) => t.norm);

/** The first retraction target: most of the retracted fact's tokens, all its values and subject. */
function retractionTarget(
  query: string,
  candidates: readonly Candidate[],
  threshold: number,
): Candidate | undefined {
  const shape = factShape(query);
  const mine = shape.tokens.filter((t) => !t.stop);
  if (mine.length === 0) return undefined;
  let best: Candidate | undefined;
  let bestCover = 0;
  for (const c of candidates) {
    if (c.similarity < threshold) continue;
    const theirs = new Set(contentTokens(c.text));
    if (!mine.every((t) => t.kind !== 'value' || theirs.has(t.norm))) continue;
    if (!shape.subject.every((w) => theirs.has(w))) continue;
    const cover = mine.filter((t) => theirs.has(t.norm)).length / mine.length;
    if (cover >= 2 / 3 && cover > bestCover) {
      best = c;
      bestCover = cover;
    }
  }
  return best;
}

/** How a fact relates to a memory it is not a restatement of: a new version of it, or another fact. */
function replaces(fact: FactShape, memory: FactShape): boolean {
  const mine = new Set(content(fact));
  const theirs = new Set(content(memory));
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    new Set(a).size === new Set(b).size && a.every((w) => b.includes(w));
  // A different subject ("Order #5532", "Bob", "my brother") is a different thing.
  if (!sameSet(fact.subject, memory.subject) || fact.pronounSubject !== memory.pronounSubject)
    return false;
  if (fact.relation !== memory.relation) return false;
  const kinds = (tokens: FactShape['tokens'], other: Set<string>) =>
    new Set(tokens.filter((t) => !t.stop && !other.has(t.norm)).map((t) => t.kind));
  const added = kinds(fact.tokens, theirs);
  const removed = kinds(memory.tokens, mine);
  if (removed.size === 0) return true; // the same fact with more detail
  // Replaced tokens must be replaced by tokens of their kind (a value by a value, a word by a word).
  for (const k of removed) if (!added.has(k)) return false;
  if (!added.has('word') && !removed.has('word')) return true; // only values changed
  if (fact.relation === '') return false; // no verb ("Lunch with Bob"): which word is the value?
  if (fact.multiValued) return false; // "I have a cat" → "I have a dog": both hold
  // "I am 34" → "I am a nurse": a bare pronoun with "be" names no attribute to replace.
  return !(fact.pronounSubject && fact.relation === 'be');
}

/**
 * The default consolidator, rules only. For each fact, in order:
 * 1. **Retraction** — the fact says "forget (that|about) X", "… no longer X" or
 *    "… don't/isn't … anymore": the cue is removed ("I no longer live in Berlin" →
 *    "I live in Berlin") and the most similar memory at ≥ `deleteThreshold` that holds
 *    the fact's subject, all its values and ≥ 2/3 of its content tokens is invalidated
 *    (DELETE, soft: `validTo` is set, history kept). None → nothing is written and
 *    `add` reports the fact in `skipped` ('nothing to retract').
 * 2. **Restatement** — a memory at ≥ `updateThreshold` already holds every content
 *    token of the fact (see `factTokens`: case, punctuation, word order and number
 *    formats don't count; "5 pm" = "17:00", "$1,200" = "1200 dollars") → NOOP (the
 *    memory is reinforced). Similarity alone never makes a NOOP: the fact brings
 *    nothing the memory lacks, or it is stored.
 * 3. **Changed value** — a memory at ≥ `updateThreshold` with the same subject (the
 *    content words before the verb) and the same relation (the verb, or "be"), whose
 *    differing tokens are replaced by tokens of the same kind: only values changed
 *    ("The meeting is at 3pm" → "… at 5pm", a phone number, an age, a rent), or, for a
 *    single-valued relation, words ("I live in Berlin" → "I live in Paris"); or the
 *    fact only adds detail → UPDATE: a new version, the old one invalidated.
 * 4. Otherwise → ADD. That covers a different fact on the same template (the
 *    subject differs: "Invoice 2024-018 …" after "Invoice 2024-017 …", "Bob lives in
 *    Rome" after "Alice lives in Rome"), a new value of a multi-valued relation
 *    ("I have a cat" → "I have a dog", like, love, speak, play, visit, own, use, …,
 *    "be allergic to", "be a fan of"), and anything unrelated.
 *
 * Known limits: grammar is guessed from word lists (no parser), so a verb missing
 * from the list can leave the subject too long (→ ADD where UPDATE was meant); a
 * changed subject wording ("My sister" → "My sister Anna") is an ADD; synonyms
 * are different words ("leaves" ≠ "departs"), so such a restatement is an
 * UPDATE; tense is not compared; a fact whose tokens are spread over one memory
 * in another pairing ("Bob's phone is 555" inside "Alice's phone is 555 and
 * Bob's is 666") is taken as a restatement; which relations are multi-valued is a
 * fixed list ("I use Vim" → "I use VS Code" is an ADD); negations other than the
 * cues above ("I hate Berlin now") are not retractions. Use the `llm` hook where
 * these matter. Measured on a labelled corpus of 192 pairs: see the README.
 */
export class RuleConsolidator implements Consolidator {
  private readonly o: Required<
    Pick<ConsolidationOptions, 'updateThreshold' | 'deleteThreshold' | 'candidates'>
  >;

  /** @param options - thresholds, see {@link ConsolidationOptions} */
  constructor(options: ConsolidationOptions = {}) {
    this.o = {
      updateThreshold: options.updateThreshold ?? 0.6,
      deleteThreshold: options.deleteThreshold ?? 0.6,
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
    if (ANYMORE.test(t) && NEGATION.test(t))
      return { query: t.replace(ANYMORE, '').replace(NEGATION, ''), retraction: true };
    return { query: t, retraction: false };
  }

  /** @inheritDoc */
  decide(fact: Fact, prepared: Prepared, candidates: readonly Candidate[]): Decision {
    if (prepared.retraction) {
      const target = retractionTarget(prepared.query, candidates, this.o.deleteThreshold);
      return target
        ? { event: 'DELETE', id: target.id }
        : { event: 'NOOP', reason: 'nothing to retract' };
    }
    const shape = factShape(fact.text);
    const mine = content(shape);
    // Candidates are analysed one at a time, best first: a restatement ends the look before
    // the candidates after it are analysed (the decision is the same as analysing them all).
    const related: { id: string; shape: FactShape }[] = [];
    for (const c of candidates) {
      if (c.similarity < this.o.updateThreshold) continue;
      const r = { id: c.id, shape: factShape(c.text) };
      const theirs = new Set(content(r.shape));
      if (mine.every((w) => theirs.has(w))) return { event: 'NOOP', id: c.id };
      related.push(r);
    }
    for (const c of related) if (replaces(shape, c.shape)) return { event: 'UPDATE', id: c.id };
    return { event: 'ADD' };
  }
}
