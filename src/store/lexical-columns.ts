// The lexical rows of a columnar checkpoint as they lie in its bytes (typed arrays over one
// term dictionary), not yet made into one `LexicalRow` object per memory and one `[term, count]`
// pair per term: opening a store indexes them straight from the arrays
// (`Corpus.loadColumns`), and a row is made only when something asks for it ({@link rowAt}).
import type { DocInfo, LexicalRow } from './records';

/** Per row, a run of `[term id, count]` pairs: row `i` holds `ids[start[i]..start[i + 1])`. */
export interface TermPairs {
  start: Uint32Array;
  /** u16 where the dictionary fits (checkpoint layout 2). */
  ids: Uint16Array | Uint32Array;
  /** u8 where every count fits (checkpoint layout 2). */
  counts: Uint8Array | Uint32Array;
}

/** Lexical rows in columns (see `checkpoint-columns.ts`, which writes and reads them). */
export interface LexicalColumns {
  /** Number of rows. */
  n: number;
  /** Term dictionary: the term ids of `terms` and `dates` index it. */
  dict: readonly string[];
  /** Memory id of each row. */
  ids: readonly string[];
  /**
   * Each row's memory as its row in the checkpoint's memories (`0xffffffff`: none), where the
   * checkpoint says so (layout 2 on).
   */
  memoryAt?: Uint32Array;
  /** Analysis version of each row. */
  v: Uint32Array;
  /** Term counts of each row's text, sorted by term. */
  terms: TermPairs;
  /** Term counts of each row's date words, sorted by term. */
  dates: TermPairs;
  /**
   * Passages: `has[i]` whether row `i` has any; its passages are `start[i]..start[i + 1]`, passage
   * `p` the indices `idx[words[p]..words[p + 1])` into the row's terms (16-bit when every row
   * has fewer than 65,536 terms, as a checkpoint stores them since layout 3 does: half the bytes).
   */
  passages: {
    has: Uint8Array;
    start: Uint32Array;
    words: Uint32Array;
    idx: Uint16Array | Uint32Array;
  };
  /** Stage data of each row. */
  info: readonly DocInfo[];
  /**
   * The BM25 postings of all `n` rows' documents ({@link columnDocs}), as the checkpoint stored
   * them beside the rows (written since they were): opening indexes them without building
   * them. Absent in a checkpoint written before.
   */
  postings?: ColumnPostings;
}

/**
 * The BM25 documents of rows in columns: a row of more than one passage is one document per
 * passage (each of its words once per occurrence, plus the row's date words), any other row one
 * document (its term counts plus its date words) — as `Corpus.upsertRow` indexes a row.
 * Document `d` is row `row[d]`, passage `part[d]` (-1: the whole row), in row order.
 */
export interface DocRows {
  n: number;
  row: Uint32Array;
  part: Int32Array;
}

/** {@link DocRows} with each document's terms: `terms[start[d]..start[d + 1])`, distinct, with their counts. */
export interface ColumnDocs extends DocRows {
  start: Uint32Array;
  terms: Uint32Array;
  counts: Uint32Array;
}

/**
 * The documents' postings, term by term: term `t` (its id in the dictionary) is in documents
 * `docs[start[t]..start[t + 1])`, ascending, `tfs[j]` times in `docs[j]`; `len[d]` is the sum of
 * document `d`'s counts.
 */
export interface ColumnPostings {
  start: Uint32Array;
  docs: Uint32Array;
  /** u8 where every count fits. */
  tfs: Uint8Array | Uint32Array;
  len: Uint32Array;
}

/** The parts of {@link LexicalColumns} that make the documents. */
type DocColumns = Pick<LexicalColumns, 'n' | 'terms' | 'dates' | 'passages'>;

/** Passages of row `i` indexed as documents of their own (0 or 1: the row is one document). */
function partsOf(c: DocColumns, i: number): number {
  const { has, start } = c.passages;
  const n = has[i] ? start[i + 1]! - start[i]! : 0;
  return n > 1 ? n : 0;
}

/**
 * How many documents `rows` make ({@link DocRows}).
 * @param c - the columns
 * @param rows - row numbers (default: all)
 */
export function docCount(c: DocColumns, rows?: readonly number[]): number {
  let n = 0;
  if (rows) for (const i of rows) n += partsOf(c, i) || 1;
  else for (let i = 0; i < c.n; i++) n += partsOf(c, i) || 1;
  return n;
}

/**
 * Which row and passage each document of `rows` is ({@link DocRows}).
 * @param c - the columns
 * @param rows - row numbers, in the order their documents are numbered
 */
export function docRows(c: DocColumns, rows: readonly number[]): DocRows {
  const n = docCount(c, rows);
  const row = new Uint32Array(n);
  const part = new Int32Array(n);
  let d = 0;
  for (const i of rows) {
    const parts = partsOf(c, i);
    if (parts === 0) {
      row[d] = i;
      part[d++] = -1;
    }
    for (let p = 0; p < parts; p++) {
      row[d] = i;
      part[d++] = p;
    }
  }
  return { n, row, part };
}

/**
 * The documents of `rows` with their term counts (see {@link DocRows}). A generator that
 * yields after every `slice` rows.
 * @param c - the columns
 * @param rows - row numbers
 * @param dictSize - terms in the dictionary
 */
export function* columnDocs(
  c: DocColumns,
  rows: readonly number[],
  dictSize: number,
  slice = Infinity,
): Generator<void, ColumnDocs> {
  const at = docRows(c, rows);
  const ts = c.terms.start;
  const ds = c.dates.start;
  const ps = c.passages;
  // Upper bound of the pairs: a passage has at most a pair per word, plus the date words.
  let bound = 0;
  for (const i of rows) {
    const dates = ds[i + 1]! - ds[i]!;
    const parts = partsOf(c, i);
    bound +=
      parts > 0
        ? ps.words[ps.start[i + 1]!]! - ps.words[ps.start[i]!]! + parts * dates
        : ts[i + 1]! - ts[i]! + dates;
  }
  const start = new Uint32Array(at.n + 1);
  const terms = new Uint32Array(bound);
  const counts = new Uint32Array(bound);
  // Where a term sits in the document being made (valid while `mark[t]` is its number + 1).
  const where = new Uint32Array(dictSize);
  const mark = new Uint32Array(dictSize);
  let k = 0;
  let d = 0;
  const add = (t: number, n: number) => {
    if (mark[t] === d + 1) counts[where[t]!]! += n;
    else {
      mark[t] = d + 1;
      where[t] = k;
      terms[k] = t;
      counts[k++] = n;
    }
  };
  const close = (i: number) => {
    for (let j = ds[i]!; j < ds[i + 1]!; j++) add(c.dates.ids[j]!, c.dates.counts[j]!);
    start[++d] = k;
  };
  let done = 0;
  for (const i of rows) {
    if (done++ > 0 && done % slice === 0) yield;
    if (partsOf(c, i) > 0) {
      for (let p = ps.start[i]!; p < ps.start[i + 1]!; p++) {
        for (let j = ps.words[p]!; j < ps.words[p + 1]!; j++)
          add(c.terms.ids[ts[i]! + ps.idx[j]!]!, 1);
        close(i);
      }
    } else {
      for (let j = ts[i]!; j < ts[i + 1]!; j++) add(c.terms.ids[j]!, c.terms.counts[j]!);
      close(i);
    }
  }
  return { ...at, start, terms: terms.subarray(0, k), counts: counts.subarray(0, k) };
}

/**
 * The postings of documents (term by term, see {@link ColumnPostings}). A generator that yields
 * after every `slice` documents.
 * @param docs - the documents
 * @param dictSize - terms in the dictionary
 */
export function* invertDocs(
  docs: Pick<ColumnDocs, 'n' | 'start' | 'terms' | 'counts'>,
  dictSize: number,
  slice = Infinity,
): Generator<void, ColumnPostings> {
  const { n, terms, counts } = docs;
  const start = new Uint32Array(dictSize + 1);
  const len = new Uint32Array(n);
  let wide = false;
  for (let d = 0; d < n; d++) {
    if (d > 0 && d % slice === 0) yield;
    let total = 0;
    for (let j = docs.start[d]!; j < docs.start[d + 1]!; j++) {
      start[terms[j]! + 1]!++;
      total += counts[j]!;
      if (counts[j]! > 0xff) wide = true;
    }
    len[d] = total;
  }
  for (let t = 0; t < dictSize; t++) start[t + 1]! += start[t]!;
  const out = new Uint32Array(start[dictSize]!);
  const tfs = wide ? new Uint32Array(out.length) : new Uint8Array(out.length);
  // Each term's next free entry: documents are written in increasing number (ascending lists).
  const next = start.slice(0, dictSize);
  for (let d = 0; d < n; d++) {
    if (d > 0 && d % slice === 0) yield;
    for (let j = docs.start[d]!; j < docs.start[d + 1]!; j++) {
      const e = next[terms[j]!]!++;
      out[e] = d;
      tfs[e] = counts[j]!;
    }
  }
  return { start, docs: out, tfs, len };
}

/**
 * Checks that postings fit `docCount` documents and a dictionary of `dictSize` terms (offsets
 * ascending and in range, each list's documents ascending and below `docCount`, counts ≥ 1), so
 * that indexing them cannot read past an array or search a list out of order.
 * @throws Error when they do not
 */
export function checkPostings(p: ColumnPostings, dictSize: number, docCount: number): void {
  const fail = (what: string) => {
    throw new Error(`lexical postings: ${what}`);
  };
  const { start, docs, tfs } = p;
  if (start.length !== dictSize + 1 || p.len.length !== docCount) fail('sizes');
  if (tfs.length !== docs.length || !ascending(start, docs.length)) fail('offsets');
  for (let t = 0; t < dictSize; t++) {
    let prev = -1;
    for (let j = start[t]!, end = start[t + 1]!; j < end; j++) {
      const d = docs[j]!;
      if (d <= prev || d >= docCount) fail(d <= prev ? 'a list out of order' : 'an entry');
      prev = d;
    }
  }
  if (tfs.includes(0)) fail('an entry');
}

/** The `[term, count]` pairs of row `i`. */
export function pairsAt(dict: readonly string[], p: TermPairs, i: number): [string, number][] {
  const out = new Array<[string, number]>(p.start[i + 1]! - p.start[i]!);
  for (let j = p.start[i]!, o = 0; j < p.start[i + 1]!; j++, o++) {
    const t = dict[p.ids[j]!];
    if (t === undefined) throw new Error('a term is not in the dictionary');
    out[o] = [t, p.counts[j]!];
  }
  return out;
}

/**
 * Row `i` as a {@link LexicalRow} object (the same row that was encoded).
 * @param c - the columns
 * @param i - row number, 0..n-1
 */
export function rowAt(c: LexicalColumns, i: number): LexicalRow {
  const row: LexicalRow = {
    id: c.ids[i]!,
    v: c.v[i]!,
    terms: pairsAt(c.dict, c.terms, i),
    dates: pairsAt(c.dict, c.dates, i),
    info: c.info[i]!,
  };
  const { has, start, words, idx } = c.passages;
  if (has[i]) {
    const passages: number[][] = [];
    for (let p = start[i]!; p < start[i + 1]!; p++)
      passages.push(Array.from(idx.subarray(words[p]!, words[p + 1]!)));
    row.passages = passages;
  }
  return row;
}

/**
 * Checks that the columns are consistent (every offset ascending and in range, every term id in
 * the dictionary), so that indexing them cannot read past an array.
 * @throws Error when they are not
 */
export function checkColumns(c: LexicalColumns): void {
  const fail = (what: string) => {
    throw new Error(`lexical columns: ${what}`);
  };
  if (c.ids.length !== c.n || c.v.length !== c.n || c.info.length !== c.n) fail('row counts');
  for (const p of [c.terms, c.dates]) {
    if (p.start.length !== c.n + 1 || p.ids.length !== p.counts.length) fail('pair offsets');
    if (!ascending(p.start, p.ids.length)) fail('pair offsets');
    if (p.ids.length > 0 && largest(p.ids) >= c.dict.length) fail('a term id');
  }
  const { has, start, words, idx } = c.passages;
  if (has.length !== c.n || start.length !== c.n + 1) fail('passage offsets');
  if (!ascending(start, words.length - 1) || !ascending(words, idx.length)) fail('passage offsets');
  // (Bounds in locals, one test per word: this pass reads ≈ 6M words at 100k memories.)
  const ts = c.terms.start;
  for (let i = 0; i < c.n; i++) {
    const terms = ts[i + 1]! - ts[i]!;
    for (let q = start[i]!, last = start[i + 1]!; q < last; q++) {
      let prev = 0;
      for (let j = words[q]!, end = words[q + 1]!; j < end; j++) {
        const x = idx[j]!;
        if (x >= terms || x < prev) fail('a passage word');
        prev = x;
      }
    }
  }
}

/** The largest value (0 for none). */
function largest(a: Uint8Array | Uint16Array | Uint32Array): number {
  let max = 0;
  for (let j = 0; j < a.length; j++) if (a[j]! > max) max = a[j]!;
  return max;
}

/** Whether offsets ascend from 0 and end at `end`. */
function ascending(a: Uint32Array, end: number): boolean {
  if (a.length === 0 || a[0] !== 0 || a[a.length - 1] !== end) return false;
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) return false;
  return true;
}
