// One term's postings in the lexical index: document numbers ascending with their counts, in
// typed arrays (a scan reads two arrays, not a Map of string keys). Numbers are handed out in
// increasing order, so appending keeps the order; removed documents stay until a compaction.

/**
 * A list's counts: its own (Float64Array), or a view of the narrow counts a checkpoint stored
 * (read as they lie at open, not widened: 42 MB and a pass over 5M entries at 100k memories).
 */
export type TermCounts = Float64Array | Uint32Array | Uint8Array;

/**
 * The postings of one term: `docs[0..n)` ascending, `tfs[i]` the count of the term in
 * `docs[i]`; entries of removed documents linger (the index knows which) until
 * {@link PostingList.compact}. `live` counts the others: the term's document frequency.
 */
export class PostingList {
  docs: Int32Array;
  tfs: TermCounts;
  /** Entries held, removed documents' included. */
  n = 0;
  /** Entries of documents still indexed (document frequency). */
  live = 0;

  /**
   * @param capacity - entries to make room for at first
   * @param docs - room to use instead (a view into a shared buffer; `tfs` of the same length)
   * @param tfs - room for the counts
   */
  constructor(capacity = 4, docs?: Int32Array, tfs?: TermCounts) {
    this.docs = docs && docs.length > 0 ? docs : new Int32Array(Math.max(1, capacity));
    this.tfs = tfs && docs && docs.length > 0 ? tfs : new Float64Array(Math.max(1, capacity));
  }

  /**
   * Appends a document (its number above every number held).
   * @param doc - document number
   * @param tf - count of the term in it
   */
  push(doc: number, tf: number): void {
    // Full, or holding a checkpoint's narrow counts (a compacted loaded list has room, but a
    // new count may not fit them): arrays of its own.
    if (this.n === this.docs.length || !(this.tfs instanceof Float64Array)) {
      const room = Math.max(4, this.n * 2);
      const docs = new Int32Array(room);
      docs.set(this.docs.subarray(0, this.n));
      this.docs = docs;
      const tfs = new Float64Array(room);
      tfs.set(this.tfs.subarray(0, this.n));
      this.tfs = tfs;
    }
    this.docs[this.n] = doc;
    this.tfs[this.n++] = tf;
    this.live++;
  }

  /**
   * Index of `doc` in `docs`, or -1 (binary search).
   * @param doc - document number
   */
  find(doc: number): number {
    let lo = 0;
    let hi = this.n - 1;
    const docs = this.docs;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const d = docs[mid]!;
      if (d === doc) return mid;
      if (d < doc) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Drops the entries of removed documents.
   * @param alive - whether a document number is still indexed
   */
  compact(alive: (doc: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      const d = this.docs[r]!;
      if (!alive(d)) continue;
      this.docs[w] = d;
      this.tfs[w++] = this.tfs[r]!;
    }
    this.n = w;
  }
}
