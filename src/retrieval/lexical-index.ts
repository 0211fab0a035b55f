// Okapi BM25 over memory texts: an inverted index updated incrementally, with a serialisable snapshot.
import { terms as defaultTerms } from './analyzer';
import { PostingList, type TermCounts } from './postings';
import { selectAt } from './select';

/** BM25 parameters. */
export interface Bm25Params {
  /** Term-frequency saturation (default 1.2). */
  k1?: number;
  /** Length normalisation, 0..1 (default 0.75). */
  b?: number;
}

/** A lexical index as plain JSON-able data: per document its term counts. */
export interface LexicalSnapshot {
  version: 1;
  /** `[id, [[term, count], ...]]` per document. */
  docs: [string, [string, number][]][];
}

/**
 * An in-memory BM25 index keyed by memory id. `add` replaces a document that is
 * already there, so updates are one call; `remove` drops it (delete and erasure).
 *
 * @example
 * const ix = new LexicalIndex();
 * ix.add('m1', 'Caroline went to a support group');
 * ix.search('support group', 5); // [{ id: 'm1', score: … }]
 */
export class LexicalIndex {
  /** Term → its list; with `unmade`, only the lists made so far (see {@link LexicalIndex.list}). */
  private readonly postings = new Map<string, PostingList>();
  /**
   * The lists {@link LexicalIndex.loadPostings} left in its arrays: term → its number there,
   * made into a {@link PostingList} (and dropped from here) when first read. A checkpoint of
   * chat turns holds a term or more per memory seen once (numbers, names, typos): 100k lists
   * made at open (an object and two array views each) took 80 ms of it, and a search reads a
   * few.
   */
  private unmade:
    { at: Map<string, number>; start: Uint32Array; docs: Int32Array; tfs: TermCounts } | undefined;
  private readonly docTerms = new Map<string, Map<string, number>>();
  /**
   * The documents {@link LexicalIndex.loadPostings} indexed (numbers below `bulk.n`): their maps
   * of term counts in `docTerms` are made only when asked for ({@link termsOf}).
   */
  private bulk: (Pick<BulkPostings, 'termsOf' | 'find'> & { n: number }) | undefined;
  /** Document numbers: handed out in increasing order, a new one on each (re)index. */
  private readonly numbers = new Map<string, number>();
  /**
   * Whether the documents {@link LexicalIndex.loadPostings} indexed are still to be put into
   * `numbers`: done only when an operation needs every number (a snapshot, a renumbering) or
   * the loader gave no `find`. At 100k memories hashing their 170k ids and passage keys into a
   * map took ≈ 0.15–0.2 s of the open, and a search, a removal or a re-index finds a document
   * by the loader's `find` instead. Meanwhile `numbers` holds the documents indexed since
   * (numbers from `bulk.n` on), a bulk document `d` is `ids[d]` (undefined once removed), and
   * `bulkLive` counts those left.
   */
  private unnumbered = false;
  private bulkLive = 0;
  /** Number → id (undefined once removed) and length (-1 once removed). */
  private ids: (string | undefined)[] = [];
  private len = new Float64Array(64);
  private next = 0;
  /** Per term, bounds for its best BM25 term score: the largest count, the shortest document. */
  private readonly maxTf = new Map<string, number>();
  private readonly minLen = new Map<string, number>();
  /**
   * Whether terms {@link LexicalIndex.loadPostings} indexed may still lack their bounds: they are
   * worked out from the term's list when first needed ({@link LexicalIndex.bound}: a search of
   * the term, a change to its list or to a document in it), as loading would have (a pass over
   * every posting at open, ≈ 5M at 100k memories, for the few terms a search reads).
   */
  private boundsPending = false;
  private totalLen = 0;
  /** Per-query accumulator, reused: a score per number, marked by the query's stamp. */
  private acc = new Float64Array(64);
  private mark = new Uint32Array(64);
  private stamp = 0;
  private touched = new Int32Array(64);
  private scratch = new Float64Array(64);
  /** Operation counts since the index was made (tests, benches): not a public API. */
  readonly stats = { postingsTouched: 0 };
  private readonly k1: number;
  private readonly b: number;

  /**
   * @param params - BM25 `k1` and `b`
   * @param analyze - text → index terms (default: stop words dropped, Porter2 stems)
   */
  constructor(
    params: Bm25Params = {},
    private readonly analyze: (text: string) => string[] = defaultTerms,
  ) {
    this.k1 = params.k1 ?? 1.2;
    this.b = params.b ?? 0.75;
  }

  /** Number of documents. */
  get size(): number {
    return this.unnumbered ? this.bulkLive + this.numbers.size : this.numbers.size;
  }

  /** Document numbers by id. */
  private get num(): Map<string, number> {
    if (this.unnumbered) {
      this.unnumbered = false;
      for (let d = 0; d < this.bulk!.n; d++) {
        const id = this.ids[d];
        if (id !== undefined) this.numbers.set(id, d);
      }
      // The loader's `find` (and what it holds) is not needed any more.
      if (this.bulk) this.bulk = { n: this.bulk.n, termsOf: this.bulk.termsOf };
    }
    return this.numbers;
  }

  /** Whether a document is indexed. */
  has(id: string): boolean {
    return this.numberOf(id) !== undefined;
  }

  /**
   * A document's number: while the bulk documents are unnumbered, a bulk one is found by the
   * loader's `find` (checked against `ids`) and a later one in `numbers`; without a `find`,
   * the map of all is made.
   */
  private numberOf(id: string): number | undefined {
    const find = this.unnumbered ? this.bulk?.find : undefined;
    if (!find) return this.num.get(id);
    const d = find(id);
    return d !== undefined && this.ids[d] === id ? d : this.numbers.get(id);
  }

  /**
   * Indexes (or re-indexes) one document.
   * @param id - memory id
   * @param text - the text to index (memory text plus any indexed extras)
   */
  add(id: string, text: string): void {
    const counts = new Map<string, number>();
    for (const t of this.analyze(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
    this.addTerms(id, counts);
  }

  /**
   * Drops one document; a no-op for an unknown id.
   * @param id - memory id
   */
  remove(id: string): void {
    const counts = this.termsOf(id);
    const d = this.numberOf(id);
    if (!counts || d === undefined) return;
    // (Bounds worked out before this document's entries stop counting: they include it.)
    if (this.boundsPending) for (const t of counts.keys()) this.bound(t);
    this.totalLen -= this.len[d]!;
    this.ids[d] = undefined;
    this.len[d] = -1;
    for (const t of counts.keys()) {
      const p = this.list(t);
      if (!p) continue;
      p.live--;
      if (p.live === 0) this.postings.delete(t);
      // Removed entries are skipped by every scan; dropped once they outnumber the others.
      else if (p.n > 2 * p.live + 8) p.compact((x) => this.len[x]! >= 0);
    }
    this.docTerms.delete(id);
    if (this.unnumbered && d < this.bulk!.n) this.bulkLive--;
    else this.numbers.delete(id);
  }

  /** Drops every document. */
  clear(): void {
    this.postings.clear();
    this.unmade = undefined;
    this.docTerms.clear();
    this.numbers.clear();
    this.unnumbered = false;
    this.bulkLive = 0;
    this.ids = [];
    this.len = new Float64Array(64);
    this.next = 0;
    this.maxTf.clear();
    this.minLen.clear();
    this.boundsPending = false;
    this.totalLen = 0;
    this.bulk = undefined;
  }

  /**
   * The term counts of a document (made when asked for one {@link loadPostings} indexed).
   * @param id - document id
   */
  private termsOf(id: string): Map<string, number> | undefined {
    const counts = this.docTerms.get(id);
    if (counts || !this.bulk) return counts;
    const d = this.numberOf(id);
    if (d === undefined || d >= this.bulk.n) return undefined;
    return this.bulk.termsOf(d);
  }

  /**
   * Indexes many documents at once into an empty index, from their postings in arrays (a
   * checkpoint's, stored or built from its columns): each term's list is a view of `docs` and
   * of one array of counts, no map of term counts is made per document (`termsOf` makes one
   * when a document is removed or its terms are read). The same index, search for search, as
   * {@link addTerms} of each document in turn.
   * @param docs - the documents (ids distinct) and their postings, checked (`checkPostings`);
   *   `docs.docs` is kept by the index (a list writes into it when it drops removed entries)
   * @throws Error when the index is not empty
   */
  loadPostings(docs: BulkPostings): void {
    if (this.next !== 0) throw new Error('loadPostings needs an empty index');
    const { ids, start, dict, tfs } = docs;
    const n = ids.length;
    const len = new Float64Array(Math.max(64, n));
    len.set(docs.len);
    let totalLen = 0;
    for (let d = 0; d < n; d++) totalLen += len[d]!;
    // (Document numbers are below 2³¹: the u32 entries read as i32, no copy. The counts are
    // read as they lie too; each term's bounds are worked out when first needed.)
    const docsAll = new Int32Array(docs.docs.buffer, docs.docs.byteOffset, docs.docs.length);
    const at = new Map<string, number>();
    for (let t = 0; t < dict.length; t++) if (start[t] !== start[t + 1]) at.set(dict[t]!, t);
    this.unmade = { at, start, docs: docsAll, tfs };
    this.boundsPending = n > 0;
    this.unnumbered = n > 0;
    this.bulkLive = n;
    this.ids = ids.slice();
    this.len = len;
    this.next = n;
    this.totalLen = totalLen;
    this.bulk = { n, termsOf: docs.termsOf, find: docs.find };
  }

  /**
   * A term's list, made from the arrays {@link LexicalIndex.loadPostings} left if it is still
   * there (once: a list emptied later is dropped from `postings` and not made again).
   */
  private list(t: string): PostingList | undefined {
    const p = this.postings.get(t);
    const unmade = this.unmade;
    if (p !== undefined || unmade === undefined) return p;
    const i = unmade.at.get(t);
    if (i === undefined) return undefined;
    unmade.at.delete(t);
    const from = unmade.start[i]!;
    const to = unmade.start[i + 1]!;
    const made = new PostingList(0, unmade.docs.subarray(from, to), unmade.tfs.subarray(from, to));
    made.n = made.live = to - from;
    this.postings.set(t, made);
    return made;
  }

  /**
   * Works out a term's bounds from its list if {@link LexicalIndex.loadPostings} left them
   * pending: its largest count and shortest document, over the entries loaded (called before
   * anything changes the list or a document in it, so they are what loading would have set).
   */
  private bound(t: string): void {
    if (!this.boundsPending || this.maxTf.has(t)) return;
    const p = this.list(t);
    if (!p) return;
    const { docs, tfs } = p;
    const len = this.len;
    let maxTf = 0;
    let minLen = Infinity;
    for (let j = 0; j < p.n; j++) {
      const tf = tfs[j]!;
      if (tf > maxTf) maxTf = tf;
      const l = len[docs[j]!]!;
      if (l < minLen) minLen = l;
    }
    this.maxTf.set(t, maxTf);
    this.minLen.set(t, minLen);
  }

  /** Inverse document frequency of an index term (BM25+ style, never negative). */
  idf(term: string): number {
    const n = this.list(term)?.live ?? 0;
    const N = this.size;
    return Math.log(1 + (N - n + 0.5) / (n + 0.5));
  }

  /**
   * BM25 scores of every document sharing a term with the query.
   * @param query - query text, its terms already analysed, or terms with weights
   * @param allow - optional filter of admissible ids
   * @returns id → score (only ids with a score above 0)
   */
  scores(
    query: string | string[] | ReadonlyMap<string, number>,
    allow?: (id: string) => boolean,
  ): Map<string, number> {
    const out = new Map<string, number>();
    const N = this.size;
    if (N === 0) return out;
    const avg = this.totalLen / N || 1;
    let weights: ReadonlyMap<string, number>;
    if (typeof query === 'string' || Array.isArray(query)) {
      const w = new Map<string, number>();
      for (const t of typeof query === 'string' ? this.analyze(query) : query)
        w.set(t, (w.get(t) ?? 0) + 1);
      weights = w;
    } else weights = query as ReadonlyMap<string, number>;
    const { ids, len } = this;
    for (const [t, qtf] of weights) {
      const p = this.list(t);
      if (!p) continue;
      const idf = this.idf(t);
      this.stats.postingsTouched += p.live;
      for (let i = 0; i < p.n; i++) {
        const d = p.docs[i]!;
        const l = len[d]!;
        if (l < 0) continue;
        const id = ids[d]!;
        if (allow && !allow(id)) continue;
        const s = bm25(p.tfs[i]!, l, idf, this.k1, this.b, avg);
        out.set(id, (out.get(id) ?? 0) + s * qtf);
      }
    }
    return out;
  }

  /**
   * The `pool` best BM25 scores for a query, exactly those {@link LexicalIndex.scores} ranks
   * first (ties aside), without scoring every posting: term at a time, rarest term first; once
   * `pool` documents are held and the terms left could not lift a new one above the pool's
   * worst, the remaining terms only add to the documents held (looked up, not scanned).
   * Scores accumulate in arrays kept between queries (by document number), not in a map.
   * @param query - analysed terms with weights
   * @param pool - how many documents to keep
   * @param allow - optional filter of admissible ids
   * @param tie - which of the documents tied at the cut are kept (default: the smallest ids)
   * @returns id → score for at most `pool` documents
   */
  topScores(
    query: ReadonlyMap<string, number>,
    pool: number,
    allow?: (id: string) => boolean,
    tie?: (a: string, b: string) => number,
  ): Map<string, number> {
    const out = new Map<string, number>();
    this.topEach(query, pool, (id, s) => out.set(id, s), allow, tie);
    return out;
  }

  /**
   * {@link LexicalIndex.topScores}'s documents and scores handed to `emit` one by one, in the
   * order that method inserts them into its map, without making that map: for a caller that
   * builds a map of its own from them (a corpus held as passages keeps each memory's best
   * passage), one map per search less to allocate and collect.
   * @param query - analysed terms with weights
   * @param pool - how many documents to keep
   * @param emit - called once per document kept, with its id and score
   * @param allow - optional filter of admissible ids
   * @param tie - which of the documents tied at the cut are kept (default: the smallest ids)
   */
  topEach(
    query: ReadonlyMap<string, number>,
    pool: number,
    emit: (id: string, score: number) => void,
    allow?: (id: string) => boolean,
    tie?: (a: string, b: string) => number,
  ): void {
    const N = this.size;
    if (N === 0 || pool <= 0) return;
    const avg = this.totalLen / N || 1;
    const { k1, b, ids, len } = this;
    const terms: { p: PostingList; w: number; bound: number }[] = [];
    for (const [t, qtf] of query) {
      const p = this.list(t);
      if (!p || qtf <= 0) continue;
      const w = this.idf(t) * qtf;
      this.bound(t);
      const tf = this.maxTf.get(t) ?? 1;
      const l = this.minLen.get(t) ?? 0;
      terms.push({ p, w, bound: bm25(tf, l, w, k1, b, avg) });
    }
    // Bound first, then the shorter list. Both differences read on every compare: a tie part
    // read only for equal bounds met its first tie after V8 had optimised the sort (a deopt).
    terms.sort((x, y) => {
      const byBound = y.bound - x.bound;
      const byLength = x.p.live - y.p.live;
      return byBound || byLength;
    });
    let left = terms.reduce((sum, t) => sum + t.bound, 0);
    const stamp = this.nextStamp();
    const { acc, mark, touched } = this;
    let held = 0;
    for (const { p, w, bound } of terms) {
      // A document not yet held scores at most `left` from here on.
      const worst = held >= pool ? this.kth(held, pool) : -Infinity;
      const closed = left < worst;
      const reach = left;
      left -= bound;
      const { docs, tfs } = p;
      if (closed) {
        // A held document that cannot reach the pool's worst score any more, even at every
        // term's bound from here on, is left out of the look-ups (and of the result: it ends
        // below the cut). Scores only grow, so the worst only rises; the `pool` documents at
        // or above it stay. Without this, each term left cost a look-up per document held
        // (thousands once a common term had been read).
        const margin = reach * (1 + 1e-9) + 1e-12;
        let kept = 0;
        for (let j = 0; j < held; j++) {
          const d = touched[j]!;
          if (acc[d]! + margin >= worst) touched[kept++] = d;
        }
        held = kept;
      }
      if (closed && held < p.live) {
        // Fewer documents held than postings: look each one up.
        this.stats.postingsTouched += held;
        for (let j = 0; j < held; j++) {
          const d = touched[j]!;
          const i = p.find(d);
          if (i < 0) continue;
          acc[d] = acc[d]! + bm25(tfs[i]!, len[d]!, w, k1, b, avg);
        }
      } else {
        // Read the postings; once closed, only documents already held count. (One loop for
        // both: a loop first run after V8 has optimised this method would throw its code away.)
        this.stats.postingsTouched += p.live;
        for (let i = 0; i < p.n; i++) {
          const d = docs[i]!;
          const l = len[d]!;
          if (l < 0) continue;
          if (mark[d] !== stamp) {
            if (closed || (allow && !allow(ids[d]!))) continue;
            mark[d] = stamp;
            acc[d] = 0;
            touched[held++] = d;
          }
          acc[d] = acc[d]! + bm25(tfs[i]!, l, w, k1, b, avg);
        }
      }
    }
    // All held documents are kept when they fit (in the order they were met), else those above
    // the cut. One loop for both: a branch first taken after V8 has optimised this method
    // would throw its code away (no type feedback yet) and compile it again.
    const all = held <= pool;
    let cut = -Infinity;
    if (!all) cut = this.kth(held, pool);
    // Ties at the cut: the first in `tie` order (default the smallest ids), as a full ranking
    // would order them. (Ids of live documents are distinct: each emit adds one.)
    const ties: string[] = [];
    let kept = 0;
    for (let j = 0; j < held; j++) {
      const d = touched[j]!;
      const s = acc[d]!;
      if (all || s > cut) {
        emit(ids[d]!, s);
        kept++;
      } else if (s === cut) ties.push(ids[d]!);
    }
    ties.sort(tie);
    for (const id of ties) {
      if (kept >= pool) break;
      emit(id, cut);
      kept++;
    }
  }

  /** A fresh stamp for the accumulator (marks of earlier queries stop counting). */
  private nextStamp(): number {
    if (this.mark.length < this.next) this.growScratch(this.next);
    if (this.stamp === 0xffffffff) {
      this.mark.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /** The k-th largest accumulated score of the `held` documents (k ≤ held). */
  private kth(held: number, k: number): number {
    const v = this.scratch.subarray(0, held);
    for (let j = 0; j < held; j++) v[j] = this.acc[this.touched[j]!]!;
    return selectAt(v, held - k);
  }

  private growScratch(n: number): void {
    const size = Math.max(n, this.mark.length * 2);
    const acc = new Float64Array(size);
    this.acc = acc;
    const mark = new Uint32Array(size);
    this.mark = mark;
    this.stamp = 0;
    this.touched = new Int32Array(size);
    this.scratch = new Float64Array(size);
  }

  /**
   * The best `limit` documents for a query.
   * @param query - query text or terms
   * @param limit - how many
   * @param allow - optional filter of admissible ids
   */
  search(
    query: string | string[] | ReadonlyMap<string, number>,
    limit: number,
    allow?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    return [...this.scores(query, allow)]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
  }

  /**
   * Pseudo-relevance feedback (RM3-like): the terms that best characterise `ids`
   * (Σ tf/len · idf over them), strongest first, weights scaled so the best is 1.
   * @param ids - documents taken as relevant (e.g. the first-stage top 5)
   * @param n - how many terms
   * @param exclude - terms to leave out (the query's own)
   */
  feedbackTerms(
    ids: readonly string[],
    n: number,
    exclude: ReadonlySet<string>,
  ): Map<string, number> {
    const acc = new Map<string, number>();
    for (const id of ids) {
      const counts = this.termsOf(id);
      const d = this.numberOf(id);
      const len = d === undefined ? 1 : this.len[d]!;
      if (!counts) continue;
      for (const [t, c] of counts) {
        if (exclude.has(t) || (this.list(t)?.live ?? 0) < 2) continue;
        acc.set(t, (acc.get(t) ?? 0) + (c / len) * this.idf(t));
      }
    }
    const top = [...acc].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
    const best = top[0]?.[1] ?? 1;
    return new Map(top.map(([t, v]) => [t, v / best]));
  }

  /**
   * Documents sharing rare terms with a document (entity links): for each of its terms held by
   * at most `maxDf` documents, every other holder, weighted by the sum of the shared terms' idf.
   * @param id - a document
   * @param maxDf - most documents a term may be in to count as rare (names, specific nouns)
   * @returns linked ids with weights, sorted by id
   */
  sharedTerms(id: string, maxDf: number): { id: string; weight: number }[] {
    const acc = this.sharedTermWeights(id, maxDf);
    // By id with the built-in string order (as `<`), no comparator called per pair.
    return [...acc.keys()].sort().map((to) => ({ id: to, weight: acc.get(to)! }));
  }

  /**
   * {@link LexicalIndex.sharedTerms} as a map in no set order (for a caller that orders the
   * links itself: no sort, no object per link).
   * @param id - a document
   * @param maxDf - most documents a term may be in to count as rare
   * @internal
   */
  sharedTermWeights(id: string, maxDf: number): Map<string, number> {
    const acc = new Map<string, number>();
    for (const t of this.termsOf(id)?.keys() ?? []) {
      const p = this.list(t);
      if (!p || p.live < 2 || p.live > maxDf) continue;
      const w = this.idf(t);
      for (let i = 0; i < p.n; i++) {
        const other = this.ids[p.docs[i]!];
        if (other !== undefined && other !== id) acc.set(other, (acc.get(other) ?? 0) + w);
      }
    }
    return acc;
  }

  /** The index as JSON-able data (to persist it). */
  snapshot(): LexicalSnapshot {
    const docs = [...this.num].sort((a, b) => a[1] - b[1]);
    return { version: 1, docs: docs.map(([id]) => [id, [...this.termsOf(id)!]]) };
  }

  /**
   * Rebuilds an index from {@link LexicalIndex.snapshot} data.
   * @param snap - the snapshot
   * @param params - BM25 parameters
   * @param analyze - the analyzer the snapshot was made with
   */
  static fromSnapshot(
    snap: LexicalSnapshot,
    params: Bm25Params = {},
    analyze?: (text: string) => string[],
  ): LexicalIndex {
    const ix = new LexicalIndex(params, analyze);
    for (const [id, entries] of snap.docs) ix.addTerms(id, new Map(entries));
    return ix;
  }

  /**
   * Indexes (or re-indexes) one document from its analysed term counts (e.g. stored ones).
   * @param id - document id
   * @param counts - term → count (kept by the index: do not change it afterwards)
   */
  addTerms(id: string, counts: Map<string, number>): void {
    this.remove(id);
    // Numbers run ahead of the documents as they are re-indexed: renumber when mostly gaps.
    if (this.next >= 1024 && this.next > 2 * this.size) this.renumber();
    const d = this.next++;
    if (d >= this.len.length) {
      const len = new Float64Array(this.len.length * 2);
      len.set(this.len);
      this.len = len;
    }
    let total = 0;
    for (const [t, c] of counts) {
      total += c;
      this.bound(t);
      let p = this.list(t);
      if (!p) this.postings.set(t, (p = new PostingList()));
      p.push(d, c);
      if (c > (this.maxTf.get(t) ?? 0)) this.maxTf.set(t, c);
    }
    // Bounds only ever widen (a removal leaves them valid upper bounds).
    for (const t of counts.keys())
      if (total < (this.minLen.get(t) ?? Infinity)) this.minLen.set(t, total);
    this.docTerms.set(id, counts);
    this.numbers.set(id, d);
    this.ids[d] = id;
    this.len[d] = total;
    this.totalLen += total;
  }

  /** Numbers the documents 0.. again, in their order, and rebuilds the postings. */
  private renumber(): void {
    // Every list made, and every pending bound worked out (the lists are rebuilt below; the
    // bounds are kept).
    for (const t of this.unmade?.at.keys() ?? []) this.list(t);
    this.unmade = undefined;
    for (const t of this.boundsPending ? this.postings.keys() : []) this.bound(t);
    this.boundsPending = false;
    const docs = [...this.num].sort((a, b) => a[1] - b[1]);
    // The bulk documents' numbers change: their term counts become maps first.
    if (this.bulk) for (const [id] of docs) this.docTerms.set(id, this.termsOf(id)!);
    this.bulk = undefined;
    this.postings.clear();
    this.num.clear();
    this.ids = [];
    const len = new Float64Array(Math.max(64, docs.length * 2));
    docs.forEach(([id], d) => {
      const counts = this.docTerms.get(id)!;
      for (const [t, c] of counts) {
        let p = this.list(t);
        if (!p) this.postings.set(t, (p = new PostingList()));
        p.push(d, c);
      }
      this.num.set(id, d);
      this.ids[d] = id;
      len[d] = sum(counts);
    });
    this.len = len;
    this.next = docs.length;
  }
}

/**
 * Documents and their postings for {@link LexicalIndex.loadPostings}: document `d` has id
 * `ids[d]` and length `len[d]`; term `dict[t]` is in documents `docs[start[t]..start[t + 1])`
 * (ascending), `tfs[j]` times in `docs[j]`.
 */
export interface BulkPostings {
  ids: readonly string[];
  len: Uint32Array;
  start: Uint32Array;
  docs: Uint32Array;
  tfs: Uint8Array | Uint32Array;
  dict: readonly string[];
  /** Document `d`'s term counts, as {@link LexicalIndex.addTerms} would have been given them. */
  termsOf: (d: number) => Map<string, number>;
  /**
   * The number of the document of id `id` among these (undefined: none of them), so that the
   * index need not number them all in a map (see `unnumbered`); a number it gives is checked
   * against `ids`, and it must find every one of them. Without it, the first lookup makes the
   * map.
   */
  find?: (id: string) => number | undefined;
}

/**
 * One term's BM25 score in a document: `tf` occurrences in a document of length `l`, query
 * weight `w` (idf, or idf × query tf). Both the exhaustive `scores` path and `topEach` use it.
 * A module function rather than a closure per query: each call site then sees one target, so
 * V8's optimised `topEach` is not thrown away when a later query brings a new closure.
 */
function bm25(tf: number, l: number, w: number, k1: number, b: number, avg: number): number {
  return (w * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * l) / avg));
}

function sum(counts: ReadonlyMap<string, number>): number {
  let s = 0;
  for (const c of counts.values()) s += c;
  return s;
}
