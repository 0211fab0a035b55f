// The f32 scan's error bound and the exact rescoring that turns its
// candidates into the same answer as the CPU twin (f64 sums rounded to f32).
import { TopK } from '../topk';
import type { SearchHits } from '../vector-index';

/**
 * Largest |f32 SIMD dot − exact dot| for rows of norm ≤ `rowNorm` and a query
 * of norm `queryNorm`: each lane sums stride/4 products, then 2 adds join the
 * lanes, so the error is under (stride/4 + 3)·u·Σ|xᵢqᵢ| ≤ (stride/4 + 3)·u·‖x‖‖q‖
 * with u = 2⁻²⁴ (taken as 2⁻²³, with one more term, for slack).
 * @param stride - floats per padded row
 * @param rowNorm - largest row norm in the index
 * @param queryNorm - the query's norm
 */
export function scanErrorBound(stride: number, rowNorm: number, queryNorm: number): number {
  return (stride / 4 + 4) * 2 ** -23 * rowNorm * queryNorm + 2 ** -60;
}

/** Euclidean norm of `v[o..o+dim)`, in f64. */
export function norm(v: Float32Array, o: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += v[o + i]! * v[o + i]!;
  return Math.sqrt(s);
}

/**
 * Candidates of one query: every eligible row whose approximate score was at
 * least the running k-th best minus the margin. {@link Candidates.finish}
 * keeps those within the margin of the final k-th best and rescores them.
 * Held in typed arrays that a {@link Candidates.reset} keeps: an index that
 * reuses its candidates allocates nothing per search for them.
 */
export class Candidates {
  /** Approximate top-k, for its threshold only. */
  approx: TopK;
  private slots = new Int32Array(256);
  private rows = new Int32Array(256);
  private scores = new Float64Array(256);
  private n = 0;
  /** Whether the slots came in increasing order (a scan in slot order): no sort needed. */
  private ascending = true;

  /**
   * @param k - hits wanted
   * @param margin - twice the scan's error bound: no true top-k row scores lower than k-th − margin
   */
  constructor(
    k: number,
    public margin: number,
  ) {
    this.approx = new TopK(k);
  }

  /**
   * Empties the candidates for another query (the arrays are kept).
   * @param k - hits wanted
   * @param margin - as the constructor's
   */
  reset(k: number, margin: number): void {
    this.approx = new TopK(k);
    this.margin = margin;
    this.n = 0;
    this.ascending = true;
  }

  /** Rows scoring below this cannot be in the answer (so far). */
  get cut(): number {
    return this.approx.threshold - this.margin;
  }

  /**
   * Offers an eligible row whose score passed {@link Candidates.cut}.
   * @param score - approximate score
   * @param slot - the row's slot
   * @param row - where the row lives in the scanned storage
   */
  add(score: number, slot: number, row: number): void {
    if (score > this.approx.threshold) this.approx.push(score, slot);
    const n = this.n;
    if (n === this.slots.length) this.grow();
    if (n > 0 && slot < this.slots[n - 1]!) this.ascending = false;
    this.slots[n] = slot;
    this.rows[n] = row;
    this.scores[n] = score;
    this.n = n + 1;
  }

  private grow(): void {
    const size = 2 * this.slots.length;
    const slots = new Int32Array(size);
    slots.set(this.slots);
    this.slots = slots;
    const rows = new Int32Array(size);
    rows.set(this.rows);
    this.rows = rows;
    const scores = new Float64Array(size);
    scores.set(this.scores);
    this.scores = scores;
  }

  /**
   * Exact top-k of the surviving candidates: f64 sums rounded to f32, ranked
   * by score desc then slot asc.
   * @param data - the rows, `stride` floats each
   * @param stride - floats per row
   * @param query - the query vector
   * @param qo - offset of the query in `query`
   * @param dim - vector length
   * @param k - hits wanted
   */
  finish(
    data: Float32Array,
    stride: number,
    query: Float32Array,
    qo: number,
    dim: number,
    k: number,
  ): SearchHits {
    const keep = this.kept();
    const top = new TopK(k);
    for (let j = 0; j < keep.length; j++) {
      const c = keep[j]!;
      const o = this.rows[c]! * stride;
      let acc = 0;
      for (let i = 0; i < dim; i++) acc += data[o + i]! * query[qo + i]!;
      const s = Math.fround(acc);
      if (s > top.threshold) top.push(s, this.slots[c]!);
    }
    return top.result();
  }

  /**
   * {@link Candidates.finish} for rows read one at a time (an index whose rows are not in
   * one array): the same sums and ranking.
   * @param rowOf - row `r`'s vector
   * @param query - the query vector
   * @param qo - offset of the query in `query`
   * @param dim - vector length
   * @param k - hits wanted
   */
  finishRows(
    rowOf: (row: number) => Float32Array,
    query: Float32Array,
    qo: number,
    dim: number,
    k: number,
  ): SearchHits {
    const keep = this.kept();
    const top = new TopK(k);
    for (let j = 0; j < keep.length; j++) {
      const c = keep[j]!;
      const row = rowOf(this.rows[c]!);
      let acc = 0;
      for (let i = 0; i < dim; i++) acc += row[i]! * query[qo + i]!;
      const s = Math.fround(acc);
      if (s > top.threshold) top.push(s, this.slots[c]!);
    }
    return top.result();
  }

  /** The candidates within the margin of the final k-th best, in slot order (ties: as added). */
  private kept(): Int32Array {
    const cut = this.cut;
    const keep = scratchOf(this.n);
    let m = 0;
    for (let c = 0; c < this.n; c++) if (this.scores[c]! >= cut) keep[m++] = c;
    const out = keep.subarray(0, m);
    if (!this.ascending) {
      // A stable sort by slot, as `Array.prototype.sort` of the candidate numbers was.
      const slots = this.slots;
      const order = Array.from(out).sort((a, b) => slots[a]! - slots[b]!);
      out.set(order);
    }
    return out;
  }

  /** Candidates held (for tests and stats). */
  get size(): number {
    return this.n;
  }
}

/** Reused by {@link Candidates.finish} (one at a time: it is synchronous). */
let scratch = new Int32Array(1024);

function scratchOf(n: number): Int32Array {
  if (scratch.length < n) scratch = new Int32Array(Math.max(n, 2 * scratch.length));
  return scratch;
}
