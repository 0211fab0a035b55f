// Fact extraction without a language model: sentences of the chosen speakers.
import type { SkippedInput } from './ingest';

/** A chat message, as Mem0 takes them. */
export interface ChatMessage {
  /** Speaker: `'user'`, `'assistant'`, `'system'`, or any name. */
  role: string;
  /** The speaker's name (e.g. `'ada'`); kept on the memories, and a query naming it finds them. */
  name?: string;
  /** What was said. */
  content: string;
  /** When it was said (ms since epoch, Date or ISO string); becomes the facts' event time. */
  createdAt?: number | Date | string;
}

/** One fact to consolidate. */
export interface Fact {
  text: string;
  /** Who said it (absent for a plain text). */
  role?: string;
  /** The speaker's name, when the message gave one. */
  name?: string;
  /** When it held / was said (ms since epoch); absent → the call's eventTime or now. */
  eventTime?: number;
}

/** What an extractor found: the facts, and what it left out and why (reported by `add`). */
export interface Extraction {
  facts: Fact[];
  /** Sentences or messages not turned into facts, with a reason (see `SkipReason`). */
  skipped: SkippedInput[];
}

/**
 * Turns messages into facts. Pluggable: pass your own in `AddOptions.extractor`
 * (page or Node) or use the `llm` hook. It may return the facts alone (an array,
 * as before) or an {@link Extraction} that also says what it left out, which
 * `add` passes on in `skipped`.
 */
export interface Extractor {
  /**
   * @param messages - checked messages (a plain text arrives as one message with role `''`)
   * @returns facts in the order they should be consolidated, or `{ facts, skipped }`
   */
  extract(
    messages: readonly (ChatMessage & { createdAt?: number })[],
  ): Fact[] | Extraction | Promise<Fact[] | Extraction>;
}

/** Options of {@link SentenceExtractor}. */
export interface SentenceExtractorOptions {
  /** Speakers whose sentences become facts (default `['user']`; a plain text always counts). */
  roles?: string[];
  /** Shortest fact kept, in characters (default 3). */
  minLength?: number;
}

/**
 * The default extractor: splits each kept message into sentences (see
 * `splitSentences`) and keeps every sentence that is not a question, with
 * its speaker and time. What it leaves out is reported: a whole message of a
 * speaker not in `roles` ('role not kept'), a question ('question'), a sentence
 * under `minLength` characters ('too short').
 *
 * Limits: no coreference ("she", "there" stay as said), no splitting of
 * compound sentences, no understanding of questions answered by the assistant.
 *
 * @example
 * new SentenceExtractor().extract([{ role: 'user', content: 'I live in Berlin. Is it far?' }]);
 * // { facts: [{ text: 'I live in Berlin.', role: 'user' }],
 * //   skipped: [{ text: 'Is it far?', reason: 'question' }] }
 */
export class SentenceExtractor implements Extractor {
  private readonly roles: Set<string>;
  private readonly minLength: number;

  /** @param options - see {@link SentenceExtractorOptions} */
  constructor(options: SentenceExtractorOptions = {}) {
    this.roles = new Set(options.roles ?? ['user']);
    this.minLength = options.minLength ?? 3;
  }

  /** @inheritDoc */
  extract(messages: readonly (ChatMessage & { createdAt?: number })[]): Extraction {
    const facts: Fact[] = [];
    const skipped: SkippedInput[] = [];
    for (const m of messages) {
      if (m.role !== '' && !this.roles.has(m.role)) {
        skipped.push({ text: m.content, reason: 'role not kept' });
        continue;
      }
      for (const s of splitSentences(m.content)) {
        if (s.endsWith('?')) {
          skipped.push({ text: s, reason: 'question' });
          continue;
        }
        if (s.length < this.minLength) {
          skipped.push({ text: s, reason: 'too short' });
          continue;
        }
        const f: Fact = { text: s };
        if (m.role !== '') f.role = m.role;
        if (m.name !== undefined) f.name = m.name;
        if (m.createdAt !== undefined) f.eventTime = m.createdAt;
        facts.push(f);
      }
    }
    return { facts, skipped };
  }
}

/** Titles: the next word is a name, never a new sentence ("Dr. Patel"). */
const TITLE = /(?:^|[\s(])(?:mr|mrs|ms|mx|dr|prof|sr|jr|st|vs)\.$/i;
/** Abbreviations that end a sentence only before a capital ("at 5 p.m. on Friday"). */
const ABBREVIATION = /(?:^|[\s(])(?:[ap]\.m|e\.g|i\.e|etc|approx|incl)\.$/i;

/**
 * Sentences of a text, trimmed, empty ones dropped: split at `.`, `!`, `?`
 * followed by a space, and at line breaks, but not after a title ("Dr. Patel")
 * nor after "a.m.", "p.m.", "e.g.", "i.e.", "etc." followed by a lower-case word.
 * @example
 * splitSentences('Dinner is at 8 p.m. on Friday. Bring Dr. Patel!')
 * // ['Dinner is at 8 p.m. on Friday.', 'Bring Dr. Patel!']
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\n+/)) {
    let current = '';
    for (const piece of line.split(/(?<=[.!?])\s+/)) {
      const glue =
        TITLE.test(current) || (ABBREVIATION.test(current) && /^[\p{Ll}\p{N}]/u.test(piece));
      if (current === '') current = piece;
      else if (glue) current += ` ${piece}`;
      else {
        out.push(current);
        current = piece;
      }
    }
    if (current) out.push(current);
  }
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}
