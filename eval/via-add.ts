// `--via add`: the evals through the default write path. Each source message is one `add()`
// call (sentence extraction, consolidation against similar memories, links), and each memory
// is mapped back to the messages it holds by what the calls returned: the message whose call
// ADDed it, and every later one whose call UPDATEd it or found it already said (NOOP).
import { performance } from 'node:perf_hooks';
import type { Engine } from '../src/engine/engine';
import { UsageError } from './usage-error';

/** How an eval stores its messages: one memory each (`addMany`) or through `add()`. */
export type Via = 'addMany' | 'add';

/** Parses `--via`. */
export function parseVia(value: string): Via {
  if (value !== 'add' && value !== 'addMany')
    throw new UsageError(`--via takes add or addMany, not '${value}'`);
  return value;
}

/** A source message as `add()` gets it, with the id the evidence names. */
export interface SourceMessage {
  id: string;
  role: string;
  /** The speaker's name (Mem0's `{ role, name, content }`), where the data gives one. */
  name?: string;
  content: string;
  runId: string;
  /** Event time, ms since epoch. */
  time: number;
}

/** What {@link ingestViaAdd} stored. */
export interface ViaAddIngest {
  /** Memory id → ids of the messages it holds, newest first. */
  sources: Map<string, string[]>;
  /** Results by event (ADD, UPDATE, NOOP, DELETE, PENDING). */
  events: Record<string, number>;
  /** Sentences not stored, by reason (questions, too short, repeated in the call, …). */
  skipped: Record<string, number>;
  ms: number;
}

/**
 * Stores `messages` one `add()` call each, in order, keeping the roles given.
 * @param engine - an open engine (its embedder embeds the extracted facts)
 * @param messages - the conversation, oldest first
 * @param roles - the roles whose messages are kept (`add`'s `roles` option)
 */
export async function ingestViaAdd(
  engine: Engine,
  messages: readonly SourceMessage[],
  roles: string[],
): Promise<ViaAddIngest> {
  const sources = new Map<string, string[]>();
  const events: Record<string, number> = {};
  const skipped: Record<string, number> = {};
  const t0 = performance.now();
  for (const m of messages) {
    const r = await engine.add(
      [{ role: m.role, content: m.content, ...(m.name !== undefined && { name: m.name }) }],
      { runId: m.runId, eventTime: m.time, roles },
    );
    for (const s of r.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
    for (const item of r.results) {
      events[item.event] = (events[item.event] ?? 0) + 1;
      if (item.event === 'DELETE') continue; // the memory is gone; its messages stay mapped
      const held = sources.get(item.id) ?? [];
      if (!held.includes(m.id)) held.unshift(m.id);
      sources.set(item.id, held);
    }
  }
  return { sources, events, skipped, ms: performance.now() - t0 };
}

/**
 * The message ids of ranked memories, each memory's newest message first, each id once: the
 * list recall@k is counted on (k messages, as with one memory per message).
 * @param memoryIds - search results, best first
 * @param sources - memory id → message ids, newest first
 */
export function rankedMessages(
  memoryIds: readonly string[],
  sources: ReadonlyMap<string, readonly string[]>,
): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const id of memoryIds)
    for (const m of sources.get(id) ?? [])
      if (!seen.has(m)) {
        seen.add(m);
        out.push(m);
      }
  return out;
}
