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
  /** Analysis version of each row. */
  v: Uint32Array;
  /** Term counts of each row's text, sorted by term. */
  terms: TermPairs;
  /** Term counts of each row's date words, sorted by term. */
  dates: TermPairs;
  /**
   * Passages: `has[i]` whether row `i` has any; its passages are `start[i]..start[i + 1]`, passage
   * `p` the indices `idx[words[p]..words[p + 1])` into the row's terms.
   */
  passages: { has: Uint8Array; start: Uint32Array; words: Uint32Array; idx: Uint32Array };
  /** Stage data of each row. */
  info: readonly DocInfo[];
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
    for (let j = 0; j < p.ids.length; j++) if (p.ids[j]! >= c.dict.length) fail('a term id');
  }
  const { has, start, words, idx } = c.passages;
  if (has.length !== c.n || start.length !== c.n + 1) fail('passage offsets');
  if (!ascending(start, words.length - 1) || !ascending(words, idx.length)) fail('passage offsets');
  for (let i = 0; i < c.n; i++) {
    const terms = c.terms.start[i + 1]! - c.terms.start[i]!;
    for (let q = start[i]!; q < start[i + 1]!; q++)
      for (let j = words[q]!; j < words[q + 1]!; j++)
        if (idx[j]! >= terms || (j > words[q]! && idx[j]! < idx[j - 1]!)) fail('a passage word');
  }
}

/** Whether offsets ascend from 0 and end at `end`. */
function ascending(a: Uint32Array, end: number): boolean {
  if (a.length === 0 || a[0] !== 0 || a[a.length - 1] !== end) return false;
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) return false;
  return true;
}
