// Fact extraction without a language model: sentences of the chosen speakers.

/** A chat message, as Mem0 takes them. */
export interface ChatMessage {
  /** Speaker: `'user'`, `'assistant'`, `'system'`, or any name. */
  role: string;
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
  /** When it held / was said (ms since epoch); absent → the call's eventTime or now. */
  eventTime?: number;
}

/**
 * Turns messages into facts. Pluggable: pass your own in `AddOptions.extractor`
 * (page or Node) or use the `llm` hook.
 */
export interface Extractor {
  /**
   * @param messages - checked messages (a plain text arrives as one message with role `''`)
   * @returns facts in the order they should be consolidated
   */
  extract(messages: readonly (ChatMessage & { createdAt?: number })[]): Fact[] | Promise<Fact[]>;
}

/** Options of {@link SentenceExtractor}. */
export interface SentenceExtractorOptions {
  /** Speakers whose sentences become facts (default `['user']`; a plain text always counts). */
  roles?: string[];
  /** Shortest fact kept, in characters (default 3). */
  minLength?: number;
}

/**
 * The default extractor: splits each kept message into sentences (at `.`, `!`,
 * `?` followed by a space, and at line breaks) and keeps every sentence that
 * is not a question, with its speaker and time.
 *
 * Limits: no coreference ("she", "there" stay as said), no splitting of
 * compound sentences, no understanding of questions answered by the assistant.
 *
 * @example
 * new SentenceExtractor().extract([{ role: 'user', content: 'I live in Berlin. I have a cat.' }]);
 * // [{ text: 'I live in Berlin.', role: 'user' }, { text: 'I have a cat.', role: 'user' }]
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
  extract(messages: readonly (ChatMessage & { createdAt?: number })[]): Fact[] {
    const facts: Fact[] = [];
    for (const m of messages) {
      if (m.role !== '' && !this.roles.has(m.role)) continue;
      for (const s of splitSentences(m.content)) {
        if (s.length < this.minLength || s.endsWith('?')) continue;
        const f: Fact = { text: s };
        if (m.role !== '') f.role = m.role;
        if (m.createdAt !== undefined) f.eventTime = m.createdAt;
        facts.push(f);
      }
    }
    return facts;
  }
}

/** Sentences of a text, trimmed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
