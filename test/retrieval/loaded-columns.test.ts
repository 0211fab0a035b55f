// A retriever indexed in bulk from a checkpoint's columns (`Corpus.loadColumns`,
// `LexicalIndex.loadBulk`: no row object or term-count map per memory) answers exactly as one
// indexed row by row from the same rows: every stage, after removals and re-indexes too.
import { expect, test } from 'vitest';
import { decodeColumns, encodeColumns } from '../../src/store/checkpoint-columns';
import { lexicalRow } from '../../src/retrieval/lexical-row';
import { retrieverFromRows } from '../../src/retrieval/loaded-lexical';
import { LexicalIndex } from '../../src/retrieval/lexical-index';
import type { LexicalRow, MemoryRecord } from '../../src/store/records';

const TEXTS = [
  'Caroline went to the LGBTQ support group on 7 May 2023 and felt accepted',
  'Melanie painted a sunrise over the lake last weekend',
  'Always answer in French, please',
  'I prefer minimal dependencies in my projects',
  'Caroline is researching adoption agencies; she wants to be a mother',
  'The support group meets every Tuesday at the community centre',
  Array.from(
    { length: 40 },
    (_, i) => `Sentence ${i} tells of gardens, tomatoes and the lake in May.`,
  ).join(' '),
  'Melanie and Caroline went camping with the kids near the lake',
];

function memory(i: number): MemoryRecord {
  const t = 1_683_000_000_000 + i * 86_400_000;
  return {
    id: `m-${String(i).padStart(3, '0')}`,
    text: `${TEXTS[i % TEXTS.length]!}${i >= TEXTS.length ? ` (${i})` : ''}`,
    metadata: i % 4 === 0 ? { speaker: i % 8 ? 'Caroline' : 'Melanie' } : {},
    createdAt: t,
    updatedAt: t,
    version: 1,
    state: 'active',
    slot: i,
    validFrom: t,
    recordedAt: t,
    strength: 1,
    lastRecalledAt: t,
    ...(i % 3 === 0 ? { runId: `session-${i % 2}`, role: 'user' } : { userId: 'ada' }),
  };
}

function rows(n: number): LexicalRow[] {
  return Array.from({ length: n }, (_, i) => lexicalRow(memory(i))!);
}

/** The same rows indexed row by row and in bulk from their columns. */
function both(all: LexicalRow[]) {
  const byRow = retrieverFromRows(all);
  const { data } = decodeColumns(
    encodeColumns(1, { memories: [], versions: [], links: [], lexical: all }),
    true,
  );
  expect(data.lexicalColumns?.n).toBe(all.length);
  const inBulk = retrieverFromRows(data.lexical, data.lexicalColumns);
  return { byRow, inBulk };
}

const QUERIES = [
  'where did Caroline go to the support group',
  'what did Melanie paint',
  'gardens tomatoes',
  'What did Caroline and Melanie do at the lake in May 2023?',
  'which language should answers be in',
];

function answers(r: ReturnType<typeof retrieverFromRows>['retriever']) {
  const now = 1_690_000_000_000;
  return QUERIES.map((q) => [
    r.search(q, 10, { now }),
    r.search(q, 5, { now }, { updates: {}, entities: {} }),
  ]);
}

test('bulk-indexed columns answer as rows indexed one by one (every stage, snapshot, ids)', () => {
  const all = rows(60);
  expect(all.some((r) => r.passages && r.passages.length > 1)).toBe(true);
  expect(all.some((r) => r.info.kind)).toBe(true);
  const { byRow, inBulk } = both(all);
  expect([...inBulk.ids]).toEqual([...byRow.ids]);
  expect(inBulk.retriever.size).toBe(byRow.retriever.size);
  expect(answers(inBulk.retriever)).toEqual(answers(byRow.retriever));
  expect(answers(inBulk.retriever)[0]![0]!.length).toBeGreaterThan(0);
  expect(inBulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
  // A row made from the columns is kept: the same object each time it is asked for.
  const table = (inBulk.retriever as unknown as { rows: { get(id: string): unknown } }).rows;
  expect(table.get(all[9]!.id)).toBe(table.get(all[9]!.id));
});

test('after removals and re-indexes, the bulk-indexed retriever still answers the same', () => {
  const all = rows(60);
  const { byRow, inBulk } = both(all);
  const changed = lexicalRow({ ...memory(7), text: 'Caroline now paints sunsets by the lake' })!;
  for (const r of [byRow.retriever, inBulk.retriever]) {
    for (let i = 0; i < 60; i += 5) r.remove(all[i]!.id);
    r.remove(all[6]!.id); // a memory held as passages
    r.upsertRow(changed);
  }
  expect(answers(inBulk.retriever)).toEqual(answers(byRow.retriever));
  expect(inBulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
});

test('LexicalIndex.loadBulk scores, bounds, feedback, shared terms and renumbering as addTerms', () => {
  const dict = ['apple', 'banana', 'cherry', 'date', 'elder', 'fig'];
  const n = 3000;
  const ids: string[] = [];
  const start = [0];
  const terms: number[] = [];
  const counts: number[] = [];
  for (let d = 0; d < n; d++) {
    ids.push(`d${d}`);
    for (let t = 0; t < dict.length; t++)
      if ((d * 7 + t * 3) % (t + 2) === 0) {
        terms.push(t);
        counts.push(1 + ((d + t) % 4));
      }
    start.push(terms.length);
  }
  const bulk = new LexicalIndex();
  bulk.loadBulk({
    n,
    ids,
    start: Uint32Array.from(start),
    terms: Uint32Array.from(terms),
    counts: Uint32Array.from(counts),
    dict,
  });
  const one = new LexicalIndex();
  for (let d = 0; d < n; d++) {
    const m = new Map<string, number>();
    for (let j = start[d]!; j < start[d + 1]!; j++) m.set(dict[terms[j]!]!, counts[j]!);
    one.addTerms(ids[d]!, m);
  }
  const same = () => {
    const q = new Map([
      ['banana', 1],
      ['fig', 2],
      ['cherry', 0.5],
    ]);
    expect(bulk.topScores(q, 20)).toEqual(one.topScores(q, 20));
    expect(bulk.search('apple date elder', 15)).toEqual(one.search('apple date elder', 15));
    expect(bulk.feedbackTerms(['d3', 'd10', 'd2999'], 3, new Set(['apple']))).toEqual(
      one.feedbackTerms(['d3', 'd10', 'd2999'], 3, new Set(['apple'])),
    );
    expect(bulk.sharedTerms('d12', 2000)).toEqual(one.sharedTerms('d12', 2000));
    expect(bulk.snapshot()).toEqual(one.snapshot());
    expect(bulk.size).toBe(one.size);
    // Every term's whole posting list (documents, counts, document frequency) scores alike.
    for (const t of dict)
      expect(bulk.topScores(new Map([[t, 1]]), n)).toEqual(one.topScores(new Map([[t, 1]]), n));
  };
  same();
  // Removals, then enough re-indexes to renumber (bulk documents' counts become maps then).
  for (const ix of [bulk, one]) {
    for (let d = 0; d < n; d += 3) ix.remove(`d${d}`);
    for (let k = 0; k < 4000; k++) ix.addTerms(`d${(k * 13) % n}`, new Map([['fig', 1 + (k % 3)]]));
  }
  same();
  expect(() =>
    bulk.loadBulk({
      n: 0,
      ids: [],
      start: Uint32Array.of(0),
      terms: new Uint32Array(0),
      counts: new Uint32Array(0),
      dict,
    }),
  ).toThrow(/empty/);
});
