// Okapi BM25 over memory texts: an inverted index updated incrementally, with a serialisable snapshot.
import { terms as defaultTerms } from './analyzer';

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
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly docTerms = new Map<string, Map<string, number>>();
  private readonly docLen = new Map<string, number>();
  /** Per term, bounds for its best BM25 term score: the largest count, the shortest document. */
  private readonly maxTf = new Map<string, number>();
  private readonly minLen = new Map<string, number>();
  private totalLen = 0;
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
    return this.docLen.size;
  }

  /** Whether a document is indexed. */
  has(id: string): boolean {
    return this.docLen.has(id);
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
    const counts = this.docTerms.get(id);
    if (!counts) return;
    for (const t of counts.keys()) {
      const p = this.postings.get(t);
      p?.delete(id);
      if (p && p.size === 0) this.postings.delete(t);
    }
    this.totalLen -= this.docLen.get(id) ?? 0;
    this.docTerms.delete(id);
    this.docLen.delete(id);
  }

  /** Drops every document. */
  clear(): void {
    this.postings.clear();
    this.docTerms.clear();
    this.docLen.clear();
    this.maxTf.clear();
    this.minLen.clear();
    this.totalLen = 0;
  }

  /** Inverse document frequency of an index term (BM25+ style, never negative). */
  idf(term: string): number {
    const n = this.postings.get(term)?.size ?? 0;
    const N = this.docLen.size;
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
    const N = this.docLen.size;
    if (N === 0) return out;
    const avg = this.totalLen / N || 1;
    let weights: ReadonlyMap<string, number>;
    if (typeof query === 'string' || Array.isArray(query)) {
      const w = new Map<string, number>();
      for (const t of typeof query === 'string' ? this.analyze(query) : query)
        w.set(t, (w.get(t) ?? 0) + 1);
      weights = w;
    } else weights = query as ReadonlyMap<string, number>;
    for (const [t, qtf] of weights) {
      const p = this.postings.get(t);
      if (!p) continue;
      const idf = this.idf(t);
      this.stats.postingsTouched += p.size;
      for (const [id, tf] of p) {
        if (allow && !allow(id)) continue;
        const len = this.docLen.get(id) ?? 0;
        const s = (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * len) / avg));
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
   * @param query - analysed terms with weights
   * @param pool - how many documents to keep
   * @param allow - optional filter of admissible ids
   * @returns id → score for at most `pool` documents
   */
  topScores(
    query: ReadonlyMap<string, number>,
    pool: number,
    allow?: (id: string) => boolean,
  ): Map<string, number> {
    const acc = new Map<string, number>();
    const N = this.docLen.size;
    if (N === 0 || pool <= 0) return acc;
    const avg = this.totalLen / N || 1;
    const { k1, b } = this;
    const terms: { p: Map<string, number>; w: number; bound: number }[] = [];
    for (const [t, qtf] of query) {
      const p = this.postings.get(t);
      if (!p || qtf <= 0) continue;
      const w = this.idf(t) * qtf;
      const tf = this.maxTf.get(t) ?? 1;
      const len = this.minLen.get(t) ?? 0;
      terms.push({ p, w, bound: (w * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avg)) });
    }
    terms.sort((x, y) => y.bound - x.bound || x.p.size - y.p.size);
    let left = terms.reduce((sum, t) => sum + t.bound, 0);
    const score = (tf: number, len: number, w: number): number =>
      (w * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / avg));
    for (const { p, w, bound } of terms) {
      // A document not yet held scores at most `left` from here on.
      const closed = acc.size >= pool && left < kthLargest(acc, pool);
      left -= bound;
      if (!closed) {
        this.stats.postingsTouched += p.size;
        for (const [id, tf] of p) {
          const had = acc.get(id);
          if (had === undefined && allow && !allow(id)) continue;
          acc.set(id, (had ?? 0) + score(tf, this.docLen.get(id) ?? 0, w));
        }
      } else if (acc.size < p.size) {
        this.stats.postingsTouched += acc.size;
        for (const [id, s] of acc) {
          const tf = p.get(id);
          if (tf !== undefined) acc.set(id, s + score(tf, this.docLen.get(id) ?? 0, w));
        }
      } else {
        this.stats.postingsTouched += p.size;
        for (const [id, tf] of p) {
          const had = acc.get(id);
          if (had !== undefined) acc.set(id, had + score(tf, this.docLen.get(id) ?? 0, w));
        }
      }
    }
    if (acc.size <= pool) return acc;
    const cut = kthLargest(acc, pool);
    const out = new Map<string, number>();
    // Ties at the cut: the smallest ids, as a full ranking would order them.
    const ties: string[] = [];
    for (const [id, s] of acc) {
      if (s > cut) out.set(id, s);
      else if (s === cut) ties.push(id);
    }
    ties.sort();
    for (const id of ties) {
      if (out.size >= pool) break;
      out.set(id, cut);
    }
    return out;
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
      const counts = this.docTerms.get(id);
      const len = this.docLen.get(id) ?? 1;
      if (!counts) continue;
      for (const [t, c] of counts) {
        if (exclude.has(t) || (this.postings.get(t)?.size ?? 0) < 2) continue;
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
    const acc = new Map<string, number>();
    for (const t of this.docTerms.get(id)?.keys() ?? []) {
      const p = this.postings.get(t);
      if (!p || p.size < 2 || p.size > maxDf) continue;
      const w = this.idf(t);
      for (const other of p.keys()) if (other !== id) acc.set(other, (acc.get(other) ?? 0) + w);
    }
    return [...acc]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([to, weight]) => ({ id: to, weight }));
  }

  /** The index as JSON-able data (to persist it). */
  snapshot(): LexicalSnapshot {
    return { version: 1, docs: [...this.docTerms].map(([id, c]) => [id, [...c]]) };
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
    let len = 0;
    for (const [t, c] of counts) {
      len += c;
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Map()));
      p.set(id, c);
      if (c > (this.maxTf.get(t) ?? 0)) this.maxTf.set(t, c);
    }
    // Bounds only ever widen (a removal leaves them valid upper bounds).
    for (const t of counts.keys())
      if (len < (this.minLen.get(t) ?? Infinity)) this.minLen.set(t, len);
    this.docTerms.set(id, counts);
    this.docLen.set(id, len);
    this.totalLen += len;
  }
}

/** The k-th largest value of a map (k ≥ 1, k ≤ size): a partial sort of a copy. */
function kthLargest(m: ReadonlyMap<string, number>, k: number): number {
  const v = Float64Array.from(m.values());
  return select(v, v.length - k);
}

/** Quickselect: the value that would sit at index `k` of `a` sorted ascending (reorders `a`). */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
