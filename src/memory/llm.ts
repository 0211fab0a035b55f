// The optional `llm` hook: a user-supplied async function pair (WebLLM, a
// remote API, …) with Mem0's contract. `extractFacts` replaces the extractor
// (Mem0's fact-retrieval step: `{ facts: string[] }`); `decide` replaces the
// rule consolidator (Mem0's update-memory step: given the new facts and the
// nearest existing memories, with ids renamed "0", "1", … so a model cannot
// invent UUIDs, return `{ memory: [{ id, text, event, old_memory? }] }` with
// event ADD | UPDATE | DELETE | NONE).
import { EngramError, shown } from '../errors';
import type { ChatMessage } from './extractor';

/** One operation returned by {@link LlmHook.decide} (Mem0's format). */
export interface LlmOperation {
  /** For UPDATE / DELETE / NONE: the id of an existing memory as given ("0", "1", …); ignored for ADD. */
  id: string;
  /** For ADD / UPDATE: the memory's new text. */
  text: string;
  event: 'ADD' | 'UPDATE' | 'DELETE' | 'NONE';
  /** For UPDATE: the text it replaces (informative). */
  old_memory?: string;
}

/**
 * A language-model hook, Mem0-style. Either function may be left out: the
 * default extractor or the rule consolidator then does that step.
 * @example
 * const llm = {
 *   async extractFacts({ messages }) { return JSON.parse(await chat(FACT_PROMPT, messages)); },
 *   async decide({ facts, memories }) { return JSON.parse(await chat(UPDATE_PROMPT, { facts, memories })); },
 * };
 */
export interface LlmHook {
  /** Facts worth remembering in the messages. */
  extractFacts?: (input: { messages: ChatMessage[] }) => Promise<{ facts: string[] }>;
  /** Operations on memory for the new facts, given the nearest existing memories. */
  decide?: (input: {
    facts: string[];
    memories: { id: string; text: string }[];
  }) => Promise<{ memory: LlmOperation[] }>;
}

/** Calls a hook function; a throw becomes `LlmFailed`. */
export async function callHook<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const why = e instanceof Error ? e.message : shown(e);
    throw new EngramError('LlmFailed', `llm.${what} threw: ${why}`, { cause: e });
  }
}

/** Checks `extractFacts` output. */
export function checkFacts(out: unknown): string[] {
  const facts = (out as { facts?: unknown } | null)?.facts;
  if (!Array.isArray(facts) || !facts.every((f) => typeof f === 'string'))
    throw new EngramError('LlmFailed', 'llm.extractFacts must return { facts: string[] }');
  return facts.map((f) => f.trim()).filter((f) => f.length > 0);
}

/** Checks `decide` output against the ids it was given. */
export function checkOperations(out: unknown, known: ReadonlySet<string>): LlmOperation[] {
  const ops = (out as { memory?: unknown } | null)?.memory;
  if (!Array.isArray(ops))
    throw new EngramError('LlmFailed', 'llm.decide must return { memory: [...] }');
  return ops.map((op: unknown, i): LlmOperation => {
    const o = op as Partial<LlmOperation> | null;
    const bad = (why: string) =>
      new EngramError('LlmFailed', `llm.decide operation ${i}: ${why}`, { details: { index: i } });
    if (!o || !['ADD', 'UPDATE', 'DELETE', 'NONE'].includes(o.event as string))
      throw bad('event must be ADD, UPDATE, DELETE or NONE');
    if (
      (o.event === 'ADD' || o.event === 'UPDATE') &&
      (typeof o.text !== 'string' || !o.text.trim())
    )
      throw bad('text must be a non-empty string');
    if (o.event !== 'ADD' && (typeof o.id !== 'string' || !known.has(o.id)))
      throw bad(`id ${shown(o.id)} is not one of the memories given`);
    return {
      id: typeof o.id === 'string' ? o.id : '',
      text: typeof o.text === 'string' ? o.text.trim() : '',
      event: o.event!,
    };
  });
}
