// The first sync of memories loaded in columns names none of them (`Synced.asLoaded`), yet a
// state that cannot say what changed (no `takeChanged`: every entry compared at each sync)
// still re-indexes a memory whose record changed, drops a deleted one and indexes a new one.
import { expect, test } from 'vitest';
import { RecordTable } from '../../src/engine/record-table';
import { decodeColumns, encodeColumns } from '../../src/store/checkpoint-columns';
import { lexicalRow } from '../../src/retrieval/lexical-row';
import { forgetLoaded, retrieverFromRows } from '../../src/retrieval/loaded-lexical';
import { syncedRetriever, type RetrievalState } from '../../src/retrieval/engine-search';
import type { LexicalRow, MemoryRecord } from '../../src/store/records';
import { memoryRecord } from '../helpers/memory-record';

const memory = (i: number, text: string): MemoryRecord =>
  memoryRecord(`m-${i}`, text, i, 1_700_000_000_000 + i);

/**
 * A state opened from a checkpoint of `memories` and their lexical rows (as the engine's open
 * makes it): records and lexical rows left in columns; `forget` dropped from the loaded rows.
 */
function loadedState(
  memories: MemoryRecord[],
  lexical: LexicalRow[],
  forget: string[] = [],
): { state: RetrievalState; records: RecordTable } {
  const data = decodeColumns(
    encodeColumns(1, { memories, versions: [], links: [], lexical }),
    true,
    true,
  ).data;
  const records = new RecordTable();
  expect(records.load(data.memoryColumns!)).toBe(true);
  const loadedLexical = retrieverFromRows(data.lexical, data.lexicalColumns);
  forgetLoaded(loadedLexical, forget);
  const state: RetrievalState = {
    records,
    recordAt: (slot) => records.loadedAt(slot),
    links: new Map(),
    index: { dim: 4, size: memories.length } as never,
    loadedLexical,
  };
  return { state, records };
}

test('memories loaded in columns: a state without takeChanged still syncs every change', () => {
  const memories = Array.from({ length: 30 }, (_, i) => memory(i, `note ${i} about gardens`));
  const lexical = memories.map((m) => lexicalRow(m)).filter((r): r is LexicalRow => !!r);
  const { state, records } = loadedState(memories, lexical);
  const ids = (q: string) => [...syncedRetriever(state).search(q, 40)].map((h) => h.id).sort();
  expect(ids('gardens')).toHaveLength(30);
  // Changed (one made first, one still in its columns), deleted and new.
  records.get('m-1');
  records.set('m-1', { ...memory(1, 'note about tulips'), version: 2 });
  records.set('m-2', { ...memory(2, 'tulips only'), version: 2 });
  records.delete('m-3');
  records.set('m-99', memory(99, 'new gardens note'));
  expect(ids('tulips')).toEqual(['m-1', 'm-2']);
  const gardens = ids('gardens');
  expect(gardens).toHaveLength(28);
  expect(gardens).not.toContain('m-3');
  expect(gardens).toContain('m-99');
  // And once more, nothing changed: the same.
  expect(ids('gardens')).toEqual(gardens);
});

test('the first sync indexes loaded memories the loaded rows miss: no row stored, or forgotten since', () => {
  const memories = Array.from({ length: 30 }, (_, i) => memory(i, `note ${i} about gardens`));
  // No lexical row stored for m-4 and m-20 (as a checkpoint whose rows were dropped).
  const lexical = memories
    .filter((m) => m.id !== 'm-4' && m.id !== 'm-20')
    .map((m) => lexicalRow(m))
    .filter((r): r is LexicalRow => !!r);
  // m-7's row forgotten while its record stays loaded (a version of it changed, say).
  const { state } = loadedState(memories, lexical, ['m-7']);
  const ids = [...syncedRetriever(state).search('gardens', 40)].map((h) => h.id).sort();
  expect(ids).toEqual(memories.map((m) => m.id).sort());
});
