// A retriever indexed in bulk from a checkpoint's columns (`Corpus.loadColumns`,
// `LexicalIndex.loadPostings`: no row object or term-count map per memory) answers exactly as one
// indexed row by row from the same rows: every stage, after removals and re-indexes too.
import { expect, test } from 'vitest';
import { decodeColumns, encodeColumns } from '../../src/store/checkpoint-columns';
import { lexicalRow } from '../../src/retrieval/lexical-row';
import { retrieverFromRows } from '../../src/retrieval/loaded-lexical';
import { LexicalIndex } from '../../src/retrieval/lexical-index';
import type { LexicalRow, MemoryRecord } from '../../src/store/records';
import {
  checkColumns,
  checkPostings,
  columnDocs,
  invertDocs,
  type LexicalColumns,
} from '../../src/store/lexical-columns';
import { runAll } from '../../src/util/tasks';
import { RowTable } from '../../src/retrieval/row-table';
import { IdIndex } from '../../src/util/id-index';

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

const allRows = (n: number) => Array.from({ length: n }, (_, i) => i);

function rows(n: number): LexicalRow[] {
  return Array.from({ length: n }, (_, i) => lexicalRow(memory(i))!);
}

/** The rows through a checkpoint's bytes, left in columns. */
function decoded(all: LexicalRow[]) {
  const { data } = decodeColumns(
    encodeColumns(1, { memories: [], versions: [], links: [], lexical: all }),
    true,
  );
  expect(data.lexicalColumns?.n).toBe(all.length);
  return { rows: data.lexical, columns: data.lexicalColumns! };
}

/**
 * The same rows indexed row by row, in bulk from their columns and the postings stored beside
 * them, and in bulk from the columns alone (postings built at open, as for a checkpoint written
 * before they were stored).
 */
function both(all: LexicalRow[]) {
  const byRow = retrieverFromRows(all);
  const stored = decoded(all);
  expect(stored.columns.postings).toBeDefined();
  const inBulk = retrieverFromRows(stored.rows, stored.columns);
  const { rows, columns } = decoded(all);
  delete columns.postings;
  const built = retrieverFromRows(rows, columns);
  return { byRow, inBulk, built };
}

const QUERIES = [
  'where did Caroline go to the support group',
  'what did Melanie paint',
  'gardens tomatoes',
  'What did Caroline and Melanie do at the lake in May 2023?',
  'which language should answers be in',
];

/** A retriever's BM25 index (whether it has numbered its documents in a map). */
const lexicalOf = (r: ReturnType<typeof retrieverFromRows>['retriever']) =>
  (r as unknown as { lexical: { unnumbered: boolean } }).lexical;

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
  const { byRow, inBulk, built } = both(all);
  for (const bulk of [inBulk, built]) {
    expect([...bulk.ids]).toEqual([...byRow.ids]);
    expect(bulk.retriever.size).toBe(byRow.retriever.size);
    expect(answers(bulk.retriever)).toEqual(answers(byRow.retriever));
    expect(bulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
  }
  expect(answers(inBulk.retriever)[0]![0]!.length).toBeGreaterThan(0);
  // Searches (links, feedback and all) read documents' terms by key without numbering them all.
  expect(lexicalOf(inBulk.retriever).unnumbered).toBe(true);
  expect(lexicalOf(built.retriever).unnumbered).toBe(true);
  // A row made from the columns is kept: the same object each time it is asked for.
  const table = (inBulk.retriever as unknown as { rows: { get(id: string): unknown } }).rows;
  expect(table.get(all[9]!.id)).toBe(table.get(all[9]!.id));
});

test('after removals and re-indexes, the bulk-indexed retriever still answers the same', () => {
  const all = rows(60);
  const { byRow, inBulk, built } = both(all);
  const changed = lexicalRow({ ...memory(7), text: 'Caroline now paints sunsets by the lake' })!;
  for (const r of [byRow.retriever, inBulk.retriever, built.retriever]) {
    for (let i = 0; i < 60; i += 5) r.remove(all[i]!.id);
    r.remove(all[6]!.id); // a memory held as passages
    r.upsertRow(changed);
  }
  for (const bulk of [inBulk, built]) {
    expect(answers(bulk.retriever)).toEqual(answers(byRow.retriever));
    // Removed and re-indexed by the loader's `find`: no map of every key made.
    expect(lexicalOf(bulk.retriever).unnumbered).toBe(true);
    expect(bulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
  }
});

/** 3,000 documents over six terms, as arrays: the same index loaded in bulk and one by one. */
function bulkAndOne(find?: (id: string) => number | undefined) {
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
  const termsOf = (d: number) => {
    const m = new Map<string, number>();
    for (let j = start[d]!; j < start[d + 1]!; j++) m.set(dict[terms[j]!]!, counts[j]!);
    return m;
  };
  const postings = runAll(
    invertDocs(
      {
        n,
        start: Uint32Array.from(start),
        terms: Uint32Array.from(terms),
        counts: Uint32Array.from(counts),
      },
      dict.length,
    ),
  );
  expect(() => checkPostings(postings, dict.length, n)).not.toThrow();
  const bulk = new LexicalIndex();
  bulk.loadPostings({ ids, dict, ...postings, termsOf, ...(find && { find }) });
  const one = new LexicalIndex();
  for (let d = 0; d < n; d++) one.addTerms(ids[d]!, termsOf(d));
  const unnumbered = () => (bulk as unknown as { unnumbered: boolean }).unnumbered;
  return { dict, n, ids, postings, termsOf, bulk, one, unnumbered };
}

type Bounds = {
  maxTf: Map<string, number>;
  minLen: Map<string, number>;
  bound: (t: string) => void;
};
const bounds = (ix: LexicalIndex) => ix as unknown as Bounds;

/** Whether a loaded index's bounds, each worked out now if still pending, are `one`'s. */
function sameBounds(bulk: LexicalIndex, one: LexicalIndex, dict: readonly string[]) {
  for (const t of dict) bounds(bulk).bound(t);
  for (const k of ['maxTf', 'minLen'] as const) expect(bounds(bulk)[k]).toEqual(bounds(one)[k]);
}

/** Whether two indexes answer alike: every term's whole list, a search, feedback, links, size. */
function sameAnswers(bulk: LexicalIndex, one: LexicalIndex, dict: readonly string[], n: number) {
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
  expect(bulk.size).toBe(one.size);
  for (const t of dict)
    expect(bulk.topScores(new Map([[t, 1]]), n)).toEqual(one.topScores(new Map([[t, 1]]), n));
}

test('LexicalIndex.loadPostings with a find: removals and re-indexes number no document map', () => {
  const { dict, n, bulk, one, unnumbered } = bulkAndOne((id) =>
    /^d\d+$/.test(id) ? Number(id.slice(1)) : undefined,
  );
  for (const ix of [bulk, one]) {
    for (let d = 0; d < n; d += 3) ix.remove(`d${d}`);
    ix.remove('d3'); // again: a no-op
    ix.remove('nowhere');
    for (let k = 0; k < 200; k++) ix.addTerms(`d${(k * 13) % n}`, new Map([['fig', 1 + (k % 3)]]));
    ix.addTerms('new-1', new Map([['apple', 2]]));
    ix.addTerms('new-2', new Map([['banana', 1]]));
    ix.remove('new-2');
  }
  // Bounds worked out after removals and re-indexes (those they touched first, before them).
  expect(bounds(bulk).maxTf.size).toBeGreaterThan(0);
  sameAnswers(bulk, one, dict, n);
  sameBounds(bulk, one, dict);
  for (const id of ['d0', 'd1', 'd3', 'd13', 'new-1', 'new-2', 'nowhere'])
    expect(bulk.has(id)).toBe(one.has(id));
  expect(unnumbered()).toBe(true);
  // A snapshot needs every number: the map is made, the same index after it.
  expect(bulk.snapshot()).toEqual(one.snapshot());
  expect(unnumbered()).toBe(false);
  for (const ix of [bulk, one]) ix.remove('d1');
  sameAnswers(bulk, one, dict, n);
});

test('LexicalIndex.loadPostings: a term first met again in a new document keeps the loaded bounds', () => {
  const { dict, n, bulk, one } = bulkAndOne();
  // A short document with a count of 1: below the loaded lists' largest counts, above their
  // shortest lengths, so bounds made from it alone would be wrong both ways.
  for (const ix of [bulk, one]) ix.addTerms('late', new Map([[dict[0]!, 1]]));
  sameBounds(bulk, one, dict);
  sameAnswers(bulk, one, dict, n);
  // Re-indexed until the numbers are renumbered: the terms no change touched keep theirs too.
  const fresh = bulkAndOne();
  for (const ix of [fresh.bulk, fresh.one])
    for (let k = 0; k < 2 * fresh.n + 10; k++)
      ix.addTerms('late', new Map([[dict[0]!, 1 + (k % 2)]]));
  expect(fresh.unnumbered()).toBe(false);
  sameBounds(fresh.bulk, fresh.one, dict);
  sameAnswers(fresh.bulk, fresh.one, dict, n);
});

test('LexicalIndex.loadPostings: a loaded list with one-byte counts takes a count above 255', () => {
  const { dict, n, postings, bulk, one } = bulkAndOne();
  expect(postings.tfs).toBeInstanceOf(Uint8Array);
  for (const ix of [bulk, one]) {
    // Most of the term's documents go (its list is compacted, keeping its room; too few go
    // for a renumbering), then a count no byte holds.
    for (let d = 0; d < n; d += 3) if (d % 30) ix.remove(`d${d}`);
    ix.addTerms('many', new Map([[dict[1]!, 300]]));
  }
  expect(bulk.topScores(new Map([[dict[1]!, 1]]), 1)).toEqual(
    one.topScores(new Map([[dict[1]!, 1]]), 1),
  );
  sameAnswers(bulk, one, dict, n);
});

test('LexicalIndex.loadPostings scores, bounds, feedback, shared terms and renumbering as addTerms', () => {
  const { dict, n, ids, postings, termsOf, bulk, one, unnumbered } = bulkAndOne();
  // The bounds the top-k search prunes by (each term's largest count and shortest document):
  // none worked out at load; each as indexing one by one made it once asked for.
  expect(bounds(bulk).maxTf.size).toBe(0);
  sameBounds(bulk, one, dict);
  // A search by the postings leaves the documents unnumbered (no map of 3,000 ids made yet);
  // without a `find`, reading a document's terms numbers them.
  expect(bulk.topScores(new Map([['fig', 1]]), 5)).toEqual(one.topScores(new Map([['fig', 1]]), 5));
  expect(bulk.size).toBe(n);
  expect(unnumbered()).toBe(true);
  const same = () => {
    sameAnswers(bulk, one, dict, n);
    expect(bulk.snapshot()).toEqual(one.snapshot());
  };
  same();
  expect(unnumbered()).toBe(false);
  // Removals, then enough re-indexes to renumber (bulk documents' counts become maps then).
  for (const ix of [bulk, one]) {
    for (let d = 0; d < n; d += 3) ix.remove(`d${d}`);
    for (let k = 0; k < 4000; k++) ix.addTerms(`d${(k * 13) % n}`, new Map([['fig', 1 + (k % 3)]]));
  }
  same();
  expect(() => bulk.loadPostings({ ids, dict, ...postings, termsOf })).toThrow(/empty/);
});

test('LexicalIndex.loadPostings makes a list when a term is first read, once: a list emptied later stays gone', () => {
  const { dict, n, termsOf, bulk, one } = bulkAndOne();
  const made = () => (bulk as unknown as { postings: Map<string, unknown> }).postings.size;
  expect(made()).toBe(0); // no list object made at load
  const banana = new Map([['banana', 1]]);
  expect(bulk.topScores(banana, 5)).toEqual(one.topScores(banana, 5));
  expect(made()).toBe(1);
  // Every holder of a term no search has read goes, then a new document holds it.
  const t = 'cherry';
  const holders = Array.from({ length: n }, (_, d) => d).filter((d) => termsOf(d).has(t));
  expect(holders.length).toBeGreaterThan(1);
  for (const ix of [bulk, one]) {
    for (const d of holders) ix.remove(`d${d}`);
    ix.addTerms('late', new Map([[t, 1]]));
  }
  expect(bulk.idf(t)).toBe(one.idf(t));
  expect([...bulk.topScores(new Map([[t, 1]]), n).keys()]).toEqual(['late']);
  sameAnswers(bulk, one, dict, n);
});

test('the postings a checkpoint stores are those its rows make; a row left out builds them anew', () => {
  const all = rows(60);
  const { columns } = decoded(all);
  const docs = runAll(columnDocs(columns, allRows(60), columns.dict.length));
  const made = runAll(invertDocs(docs, columns.dict.length));
  expect(columns.postings).toEqual(made);
  // Documents: one per row, one per passage of a long memory (its passages in order).
  expect(docs.n).toBeGreaterThan(60);
  expect([...docs.row]).toEqual([...docs.row].sort((a, b) => a - b));
  // A row of an older analysis is left out at open: the stored postings (of every row) are not
  // used, and the index is that of the rows taken, as row by row.
  const old = all.map((r, i) => (i === 3 ? { ...r, v: r.v - 1 } : r));
  const stale = decoded(old);
  const inBulk = retrieverFromRows(stale.rows, stale.columns);
  const byRow = retrieverFromRows(old);
  expect(inBulk.ids.includes(all[3]!.id)).toBe(false);
  expect(inBulk.retriever.has(all[3]!.id)).toBe(false);
  expect(answers(inBulk.retriever)).toEqual(answers(byRow.retriever));
  expect(inBulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
});

test('rows in columns that name one memory twice: the first is indexed, each id listed once', () => {
  const all = rows(40);
  const twice = [...all, { ...all[5]!, terms: [['onlyinthecopy', 2]] as [string, number][] }];
  delete twice[40]!.passages;
  const stored = decoded(twice);
  const loaded = retrieverFromRows(stored.rows, stored.columns);
  const first = retrieverFromRows(all);
  expect(loaded.ids).toEqual(all.map((r) => r.id));
  expect(answers(loaded.retriever)).toEqual(answers(first.retriever));
  expect(loaded.retriever.snapshot()).toEqual(first.retriever.snapshot());
  // Without the copy the same rows load in one pass, each id listed once.
  const plain = decoded(all);
  expect(retrieverFromRows(plain.rows, plain.columns).ids).toEqual(all.map((r) => r.id));
});

test('postings that do not fit their documents are refused', () => {
  const { columns } = decoded(rows(30));
  const p = columns.postings!;
  const docCount = p.len.length;
  const dictSize = columns.dict.length;
  expect(() => checkPostings(p, dictSize, docCount)).not.toThrow();
  const copy = () => ({
    start: p.start.slice(),
    docs: p.docs.slice(),
    tfs: p.tfs.slice(),
    len: p.len.slice(),
  });
  const t = [...Array(dictSize).keys()].find((i) => p.start[i + 1]! - p.start[i]! >= 2)!;
  const outOfOrder = copy();
  [outOfOrder.docs[p.start[t]!], outOfOrder.docs[p.start[t]! + 1]] = [
    p.docs[p.start[t]! + 1]!,
    p.docs[p.start[t]!]!,
  ];
  expect(() => checkPostings(outOfOrder, dictSize, docCount)).toThrow(/out of order/);
  const past = copy();
  past.docs[p.docs.length - 1] = docCount;
  expect(() => checkPostings(past, dictSize, docCount)).toThrow(/entry/);
  const zero = copy();
  zero.tfs[0] = 0;
  expect(() => checkPostings(zero, dictSize, docCount)).toThrow(/entry/);
  const offsets = copy();
  offsets.start[dictSize] = p.docs.length + 1;
  expect(() => checkPostings(offsets, dictSize, docCount)).toThrow(/offsets/);
  expect(() => checkPostings(p, dictSize, docCount + 1)).toThrow(/sizes/);
});

test('columns whose term ids or passage words do not fit are refused', () => {
  const { columns } = decoded(rows(30));
  expect(() => checkColumns(columns)).not.toThrow();
  const i = [...Array(30).keys()].find((r) => columns.passages.has[r])!;
  const { start, words, idx } = columns.passages;
  const first = words[start[i]!]!; // the first word of row i's first passage
  const damaged = (change: (c: LexicalColumns) => void) => {
    const c: LexicalColumns = {
      ...columns,
      terms: { ...columns.terms, ids: columns.terms.ids.slice() },
      passages: { ...columns.passages, idx: idx.slice() },
    };
    change(c);
    return () => checkColumns(c);
  };
  expect(damaged((c) => (c.terms.ids[5] = columns.dict.length))).toThrow(/a term id/);
  const terms = columns.terms.start[i + 1]! - columns.terms.start[i]!;
  expect(damaged((c) => (c.passages.idx[first] = terms))).toThrow(/a passage word/);
  expect(words[start[i]! + 1]! - first).toBeGreaterThan(1);
  expect(
    damaged((c) => {
      c.passages.idx[first] = idx[first + 1]! + 1; // before the next word of its passage
    }),
  ).toThrow(/a passage word/);
});

test('memory ids that hold the passage separator: indexed in bulk as row by row', () => {
  const all = rows(40).map((r, i) => (i % 5 === 0 ? { ...r, id: `${r.id}\u00011` } : r));
  const { byRow, inBulk, built } = both(all);
  for (const bulk of [inBulk, built]) {
    expect(answers(bulk.retriever)).toEqual(answers(byRow.retriever));
    for (const i of [0, 5, 6]) bulk.retriever.remove(all[i]!.id);
  }
  for (const i of [0, 5, 6]) byRow.retriever.remove(all[i]!.id);
  for (const bulk of [inBulk, built]) {
    expect(answers(bulk.retriever)).toEqual(answers(byRow.retriever));
    expect(bulk.retriever.snapshot()).toEqual(byRow.retriever.snapshot());
  }
});

test('RowTable: rows in columns and rows set since answer as one table, each memory once', () => {
  const all = rows(12);
  const { columns } = decoded(all);
  const table = new RowTable();
  const take = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]; // row 4 not taken
  table.setColumns(columns, take, IdIndex.of(columns.ids, take)!);
  const made = table.get(all[1]!.id)!;
  expect(made).toEqual(all[1]);
  expect(table.get(all[1]!.id)).toBe(made); // made once, then kept
  expect(table.get(all[4]!.id)).toBeUndefined();
  const changed = { ...all[2]!, terms: [['changed', 1]] as [string, number][] };
  table.set(changed); // replaces a row still in columns
  table.delete(all[3]!.id);
  table.delete('nowhere');
  expect(table.get(all[2]!.id)).toBe(changed);
  expect(table.get(all[3]!.id)).toBeUndefined();
  const ids = [...table.values()].map((r) => r.id);
  expect(ids.sort()).toEqual(
    take
      .filter((i) => i !== 3)
      .map((i) => all[i]!.id)
      .sort(),
  );
  expect([...table.values()].find((r) => r.id === all[2]!.id)).toBe(changed);
  table.clear();
  expect([...table.values()]).toEqual([]);
});
