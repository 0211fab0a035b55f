// The rows a QuantizedIndex rescores its coarse candidates from: 16-bit integers
// with one scale per row (2 bytes per dimension + 4 per row), half the bytes of fp32,
// and about 10× closer to it than fp16 at the magnitudes of unit embeddings.
import { TopK } from '../topk';
import type { SearchHits } from '../vector-index';

/** Largest code: a row's largest |value| maps to it. */
const TOP = 32767;

/**
 * Rows kept for the exact-ish second pass: `xᵢ ≈ scale · cᵢ` with `cᵢ` an int16 and
 * `scale = max|xᵢ| / 32767` per row, so each value is within `max|xᵢ| / 65534` of the
 * original and a dot product with a query `q` within `‖q‖₁ · max|xᵢ| / 65534` (≈ 1e-6
 * typical, ≤ 1e-4 for unit 384-d rows). Slots grow ×1.5 like the code stores.
 *
 * @example
 * const rows = new RescoreRows(384);
 * rows.write(0, vectors);
 * rows.dot(7, query, 0); // ≈ the fp32 inner product of row 7 and the query
 */
export class RescoreRows {
  private codes = new Int16Array(0);
  private scales = new Float32Array(0);
  private count = 0;

  /** @param dim - vector length */
  constructor(readonly dim: number) {}

  /** Rows written. */
  get size(): number {
    return this.count;
  }

  /** Bytes held per row: 2 per dimension and the row's scale. */
  get bytesPerVector(): number {
    return this.dim * 2 + 4;
  }

  /** Bytes allocated (written rows and the growth reserve). */
  get bytes(): number {
    return this.codes.byteLength + this.scales.byteLength;
  }

  /**
   * Writes rows into slots `first..` (`first ≤ size`).
   * @param first - first slot
   * @param vectors - row-major `n × dim`, finite
   */
  write(first: number, vectors: Float32Array): void {
    const { dim } = this;
    const n = vectors.length / dim;
    const end = first + n;
    if (end > this.scales.length) {
      const cap = Math.max(end, Math.ceil(this.count * 1.5));
      const codes = new Int16Array(cap * dim);
      codes.set(this.codes.subarray(0, this.count * dim));
      const scales = new Float32Array(cap);
      scales.set(this.scales.subarray(0, this.count));
      this.codes = codes;
      this.scales = scales;
    }
    const { codes, scales } = this;
    for (let r = 0; r < n; r++) {
      const o = r * dim;
      let max = 0;
      for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(vectors[o + i]!));
      const co = (first + r) * dim;
      if (max === 0) {
        codes.fill(0, co, co + dim);
        scales[first + r] = 0;
        continue;
      }
      const f = TOP / max;
      for (let i = 0; i < dim; i++) codes[co + i] = Math.round(vectors[o + i]! * f);
      scales[first + r] = max / TOP;
    }
    this.count = Math.max(this.count, end);
  }

  /**
   * The rows `from..to-1` as floats (a fresh array).
   * @param from - first slot
   * @param to - end slot (exclusive)
   */
  rows(from: number, to: number): Float32Array {
    const { dim, codes, scales } = this;
    const out = new Float32Array((to - from) * dim);
    for (let s = from; s < to; s++) {
      const k = scales[s]!;
      const co = s * dim;
      const o = (s - from) * dim;
      for (let i = 0; i < dim; i++) out[o + i] = codes[co + i]! * k;
    }
    return out;
  }

  /**
   * The rows of some slots as floats, row-major in the given order.
   * @param slots - written slots
   */
  gather(slots: ArrayLike<number>): Float32Array {
    const { dim } = this;
    const out = new Float32Array(slots.length * dim);
    for (let j = 0; j < slots.length; j++) out.set(this.rows(slots[j]!, slots[j]! + 1), j * dim);
    return out;
  }

  /**
   * Inner product of a row with a query (f64 sum, rounded to f32).
   * @param slot - a written slot
   * @param query - holds the query
   * @param qo - offset of the query in `query`
   */
  dot(slot: number, query: Float32Array, qo: number): number {
    const { dim, codes } = this;
    const co = slot * dim;
    let a = 0;
    let b = 0;
    let i = 0;
    for (; i + 1 < dim; i += 2) {
      a += codes[co + i]! * query[qo + i]!;
      b += codes[co + i + 1]! * query[qo + i + 1]!;
    }
    if (i < dim) a += codes[co + i]! * query[qo + i]!;
    return Math.fround((a + b) * this.scales[slot]!);
  }

  /**
   * Top-k of one query among candidate slots, by {@link RescoreRows.dot} (score desc,
   * ties → lower slot).
   * @param cands - candidate slots
   * @param query - holds the query
   * @param qo - offset of the query in `query`
   * @param k - hits wanted
   */
  top(cands: Int32Array, query: Float32Array, qo: number, k: number): SearchHits {
    const top = new TopK(k);
    for (const slot of Int32Array.from(cands).sort()) {
      const s = this.dot(slot, query, qo);
      if (s > top.threshold) top.push(s, slot);
    }
    return top.result();
  }

  /** Frees the rows. */
  dispose(): void {
    this.codes = new Int16Array(0);
    this.scales = new Float32Array(0);
    this.count = 0;
  }
}
