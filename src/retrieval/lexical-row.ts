// One memory as the lexical index holds it: analysed term counts and the per-memory data the
// retrieval stages use (event time, episode, speaker, position). A row is a pure function of
// the memory record, so rows written live, by a migration or by a rebuild are the same bytes;
// the store keeps them (object store `lexical`) so opening a store re-tokenises nothing.
import type { LexicalRow, MemoryRecord } from '../store/records';
import { terms } from './analyzer';
import { passages } from './passages';
import { standingKind } from './standing';
import { dateWords, mentionsTime } from './time';

export type { DocInfo, LexicalRow } from '../store/records';

/**
 * Version of the analysis a row was made with; rows of another version are re-analysed at
 * load. Bump it when the analyzer, stop words, indexed date words or the row's data change
 * (4: the author's chat role).
 */
export const LEXICAL_VERSION = 4;

/** One memory as the retriever indexes it. */
export interface RetrievalDoc {
  id: string;
  text: string;
  /** Event time (when it happened or was said), ms since epoch; its date is indexed too. */
  time?: number;
  /** Episode it belongs to (a run, a session): context expansion stays inside one. */
  episode?: string;
  /** Position within the episode (e.g. creation time); ties broken by `seq`, then id. */
  order?: number;
  /** Second sort key within the episode (e.g. insertion sequence). */
  seq?: number;
  /** Who said or wrote it (a name a query may mention). */
  speaker?: string;
  /**
   * Chat role of its author; only the user's words (role `'user'`) are read for standing
   * instructions and preferences.
   */
  role?: string;
}

function counts(list: readonly string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const t of list) m.set(t, (m.get(t) ?? 0) + 1);
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Each passage's terms as indices into the whole text's sorted `terms`, one per occurrence:
 * a passage repeats the text's words, so naming them by position keeps a long memory's row
 * near the size of its terms alone (term strings per passage doubled it, and a store full
 * to its quota held a third fewer long memories). A term the whole text lacks (a word split
 * by a hard cut inside a run of 175+ characters without a space) is left out.
 */
function passageIndices(whole: readonly [string, number][], parts: readonly string[]): number[][] {
  const at = new Map(whole.map(([t], i) => [t, i]));
  return parts.map((p) =>
    terms(p)
      .flatMap((t) => at.get(t) ?? [])
      .sort((a, b) => a - b),
  );
}

/**
 * The term counts of each passage of a row (none: the row is one document).
 * @param row - a lexical row
 */
export function passageTerms(row: LexicalRow): [string, number][][] {
  return (row.passages ?? []).map((list) => {
    const out: [string, number][] = [];
    for (const i of list) {
      const last = out[out.length - 1];
      const t = row.terms[i]![0];
      if (last && last[0] === t) last[1]++;
      else out.push([t, 1]);
    }
    return out;
  });
}

/**
 * The row of a document: its analysed terms and stage data.
 * @param doc - the document
 * @example
 * rowOf({ id: 'm1', text: 'Caroline went hiking', time: Date.UTC(2023, 4, 8) }).terms
 * // [['carolin', 1], ['hike', 1], ['went', 1]]
 */
export function rowOf(doc: RetrievalDoc): LexicalRow {
  const parts = passages(doc.text);
  // Standing instructions are what the user tells the assistant: only a user's chat message
  // (role 'user', as `add()` stores what it extracts) is read for them, not notes or transcripts.
  const kind = doc.role === 'user' ? standingKind(doc.text) : undefined;
  const whole = counts(terms(doc.text));
  return {
    id: doc.id,
    v: LEXICAL_VERSION,
    terms: whole,
    dates: doc.time === undefined ? [] : counts(terms(dateWords(doc.time))),
    ...(parts.length > 1 ? { passages: passageIndices(whole, parts) } : {}),
    info: {
      ...(doc.time === undefined ? {} : { time: doc.time }),
      ...(doc.episode === undefined ? {} : { episode: doc.episode }),
      ...(doc.speaker === undefined ? {} : { speaker: doc.speaker.toLowerCase() }),
      order: doc.order ?? 0,
      seq: doc.seq ?? 0,
      mentionsTime: mentionsTime(doc.text),
      ...(kind === undefined ? {} : { kind }),
      ...(doc.role === undefined ? {} : { role: doc.role }),
    },
  };
}

/**
 * Speaker of a memory, whom a query naming them finds: `metadata.speaker` when it is a string
 * (for `addMany`, which takes no messages), else the chat message's `name`, else the owner of
 * a first-person memory — its `userId` when the user said it (role `'user'`, or a plain text),
 * its `agentId` when the assistant did — else its chat `role`.
 */
function speakerOf(r: MemoryRecord): string | undefined {
  const s = r.metadata?.speaker;
  if (typeof s === 'string') return s;
  if (r.name !== undefined) return r.name;
  if ((r.role === undefined || r.role === 'user') && r.userId !== undefined) return r.userId;
  if (r.role === 'assistant' && r.agentId !== undefined) return r.agentId;
  return r.role;
}

/**
 * The document of a memory record, or undefined when it is not searchable (not active).
 * @param rec - current version of a memory
 */
export function docOf(rec: MemoryRecord): RetrievalDoc | undefined {
  if (rec.state !== 'active') return undefined;
  const speaker = speakerOf(rec);
  return {
    id: rec.id,
    text: rec.text,
    time: rec.validFrom ?? rec.createdAt,
    ...(rec.runId === undefined ? {} : { episode: rec.runId }),
    order: rec.createdAt,
    seq: rec.slot,
    ...(speaker === undefined ? {} : { speaker }),
    ...(rec.role === undefined ? {} : { role: rec.role }),
  };
}

/**
 * The lexical row of a memory record, or undefined when it is not searchable.
 * @param rec - current version of a memory
 */
export function lexicalRow(rec: MemoryRecord): LexicalRow | undefined {
  const doc = docOf(rec);
  return doc && rowOf(doc);
}

/**
 * Whether two versions of a memory index the same (so a change of strength or recall time,
 * say, needs no re-analysis): both unsearchable, or the same text, time, episode, order,
 * slot, speaker and role.
 * @param a - one record
 * @param b - another
 */
export function sameDoc(a: MemoryRecord | undefined, b: MemoryRecord | undefined): boolean {
  const x = a && docOf(a);
  const y = b && docOf(b);
  if (!x || !y) return !x && !y;
  return (
    x.text === y.text &&
    x.time === y.time &&
    x.episode === y.episode &&
    x.order === y.order &&
    x.seq === y.seq &&
    x.speaker === y.speaker &&
    x.role === y.role
  );
}

/**
 * Writes to the lexical store that bring it from `before` to `after` for the memories `after`
 * holds: a row for each newly searchable or re-indexed one, a delete for each one no longer
 * searchable.
 * @param before - current version of a memory before the change (undefined: new)
 * @param after - the versions being written
 */
export function lexicalChanges(
  before: (id: string) => MemoryRecord | undefined,
  after: readonly MemoryRecord[],
): { put: LexicalRow[]; delete: string[] } {
  const out: { put: LexicalRow[]; delete: string[] } = { put: [], delete: [] };
  for (const rec of after) {
    const prev = before(rec.id);
    if (sameDoc(prev, rec)) continue;
    const row = lexicalRow(rec);
    if (row) out.put.push(row);
    else out.delete.push(rec.id);
  }
  return out;
}
