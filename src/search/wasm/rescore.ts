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
 */
export class Candidates {
  /** Approximate top-k, for its threshold only. */
  readonly approx: TopK;
  private slots: number[] = [];
  private rows: number[] = [];
  private scores: number[] = [];

  /**
   * @param k - hits wanted
   * @param margin - twice the scan's error bound: no true top-k row scores lower than k-th − margin
   */
  constructor(
    k: number,
    readonly margin: number,
  ) {
    this.approx = new TopK(k);
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
    this.slots.push(slot);
    this.rows.push(row);
    this.scores.push(score);
  }

  /**
   * Exact top-k of the surviving candidates: f64 sums rounded to f32, ranked
   * by score desc then slot asc.
   * @param data - the rows (`stride` floats each), or a function giving row `r` (then `stride` is unused)
   * @param stride - floats per row
   * @param query - the query vector
   * @param qo - offset of the query in `query`
   * @param dim - vector length
   * @param k - hits wanted
   */
  finish(
    data: Float32Array | ((row: number) => Float32Array),
    stride: number,
    query: Float32Array,
    qo: number,
    dim: number,
    k: number,
  ): SearchHits {
    const cut = this.cut;
    const keep: number[] = [];
    for (let c = 0; c < this.slots.length; c++) if (this.scores[c]! >= cut) keep.push(c);
    keep.sort((a, b) => this.slots[a]! - this.slots[b]!);
    const top = new TopK(k);
    for (const c of keep) {
      let row = data as Float32Array;
      let o = this.rows[c]! * stride;
      if (typeof data === 'function') {
        row = data(this.rows[c]!);
        o = 0;
      }
      let acc = 0;
      for (let i = 0; i < dim; i++) acc += row[o + i]! * query[qo + i]!;
      const s = Math.fround(acc);
      if (s > top.threshold) top.push(s, this.slots[c]!);
    }
    return top.result();
  }

  /** Candidates held (for tests and stats). */
  get size(): number {
    return this.slots.length;
  }
}
