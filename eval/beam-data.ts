// BEAM loader: every message (user and assistant) a memory, questions with their evidence ids.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONTHS } from '../src/retrieval/time';

/** One chat message, to be stored as one memory. */
export interface BeamMessage {
  /** The message id in its chat ("0", "1", …). */
  id: string;
  role: string;
  /** The content, without the trailing " ->-> batch,turn" marker of user messages. */
  text: string;
  /** Batch number (1-based): the `runId` of the memory. */
  batch: number;
  /** The batch's time anchor, ms since epoch (UTC). */
  time: number;
}

/** Evidence of a question: flattened ids, and for knowledge updates the two groups. */
export interface BeamQuestion {
  question: string;
  /** Ability, e.g. `knowledge_update`. */
  ability: string;
  evidence: string[];
  /** knowledge_update only: ids of the original and of the updated statements. */
  update?: { original: string[]; updated: string[] };
}

/** One BEAM chat. */
export interface BeamChat {
  /** The chat's folder name, e.g. "3". */
  id: string;
  messages: BeamMessage[];
  questions: BeamQuestion[];
  /** Questions left out because none of their evidence ids names a message (abstention: all). */
  dropped: number;
}

/** Parses a time anchor like "March-15-2024" to ms since epoch (UTC). */
export function parseAnchor(s: string): number {
  const m = /^([A-Za-z]+)-(\d{1,2})-(\d{4})$/.exec(s.trim());
  const month = m ? MONTHS.indexOf(m[1]!.toLowerCase()) : -1;
  if (!m || month < 0) throw new Error(`unreadable time anchor: ${s}`);
  return Date.UTC(Number(m[3]), month, Number(m[2]));
}

interface RawMessage {
  role: string;
  id: number;
  content: string;
  time_anchor?: string;
}
interface RawBatch {
  batch_number: number;
  time_anchor?: string;
  turns: RawMessage[][];
}
interface RawQuestion {
  question: string;
  source_chat_ids?: number[] | Record<string, number[]>;
}

const ids = (xs: unknown, known: ReadonlySet<string>): string[] =>
  Array.isArray(xs) ? [...new Set(xs.map(String))].filter((x) => known.has(x)) : [];

/** Reads one chat folder (`chat.json`, `probing_questions.json`). */
export function loadBeamChat(dir: string, id: string): BeamChat {
  const batches = JSON.parse(readFileSync(join(dir, 'chat.json'), 'utf8')) as RawBatch[];
  const messages: BeamMessage[] = [];
  let anchor: string | undefined;
  for (const b of batches) {
    // The anchor is on the batch or on its first message; a batch without one keeps the last.
    anchor = b.time_anchor ?? b.turns.flat().find((m) => m.time_anchor)?.time_anchor ?? anchor;
    if (anchor === undefined) throw new Error(`batch ${b.batch_number} of ${dir}: no time anchor`);
    const time = parseAnchor(anchor);
    for (const m of b.turns.flat())
      messages.push({
        id: String(m.id),
        role: m.role,
        text: m.content.replace(/\s*->->\s*\d+\s*,\s*\d+\s*$/, ''),
        batch: b.batch_number,
        time,
      });
  }
  const known = new Set(messages.map((m) => m.id));
  const raw = JSON.parse(readFileSync(join(dir, 'probing_questions.json'), 'utf8')) as Record<
    string,
    RawQuestion[]
  >;
  const questions: BeamQuestion[] = [];
  let dropped = 0;
  for (const [ability, qs] of Object.entries(raw))
    for (const q of qs) {
      const src = q.source_chat_ids;
      const groups = Array.isArray(src) ? { all: src } : (src ?? {});
      const evidence = [...new Set(Object.values(groups).flatMap((g) => ids(g, known)))];
      if (evidence.length === 0) {
        dropped++;
        continue;
      }
      const g = groups as Record<string, unknown>;
      const update =
        ability === 'knowledge_update' && 'original_info' in g && 'updated_info' in g
          ? { original: ids(g.original_info, known), updated: ids(g.updated_info, known) }
          : undefined;
      questions.push({ question: q.question, ability, evidence, ...(update ? { update } : {}) });
    }
  return { id, messages, questions, dropped };
}

/** Every chat under `dir` (`<dir>/<n>/chat.json`, or `<dir>/100K/<n>/…`), by number. */
export function loadBeam(dir: string): BeamChat[] {
  const root = existsSync(join(dir, '100K')) ? join(dir, '100K') : dir;
  return readdirSync(root)
    .filter((f) => existsSync(join(root, f, 'chat.json')))
    .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
    .map((f) => loadBeamChat(join(root, f), f));
}

/**
 * Knowledge updates: 1 when the best-ranked updated statement is above every original one
 * (an updated statement must be among the results; an original outside them counts as below).
 * @param ranked - message ids, best first
 */
export function newerFirst(
  ranked: readonly string[],
  update: { original: readonly string[]; updated: readonly string[] },
): number {
  const pos = (id: string): number => {
    const i = ranked.indexOf(id);
    return i < 0 ? Infinity : i;
  };
  const bestNew = Math.min(...update.updated.map(pos));
  const bestOld = Math.min(...update.original.map(pos));
  return bestNew < bestOld ? 1 : 0;
}
