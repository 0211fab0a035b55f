// The CPU twin of the WebGPU kernel: exact inner-product scan with top-k, in
// plain JS. Row blocks are scored against every query of a batch while they
// sit in cache, four queries × two rows at a time to cut loads.
import { EngramError } from '../errors';
import { checkAllow, checkFirst, checkK, checkRows, markRemoved, TopK } from './topk';
import type { SearchHits, VectorIndex } from './vector-index';

/** Options of {@link CpuFlatIndex}. */
export interface CpuFlatIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** Rows to reserve up front (default 1024); storage grows ×1.5 beyond. */
  initialCapacity?: number;
}

/**
 * Exact flat index in JS memory: one contiguous `Float32Array`, removed slots
 * in a bitmask. Scores are accumulated in f64 and rounded to f32 before
 * ranking, so the ranking agrees with the returned scores.
 *
 * @example
 * const index = new CpuFlatIndex({ dim: 384 });
 * await index.write(0, vectors); // count × 384
 * const [hits] = await index.search(query, 10);
 */
export class CpuFlatIndex implements VectorIndex {
  /** Always `'cpu'`. */
  readonly kind = 'cpu' as const;
  /** Vector length. */
  readonly dim: number;
  private rows = new Float32Array(0);
  private removed = new Uint32Array(0);
  private count = 0;
  private scratch = new Float32Array(0);
  private picked = new Int32Array(0);

  /** @param options - see {@link CpuFlatIndexOptions} */
  constructor(options: CpuFlatIndexOptions) {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EngramError('InvalidArgument', `dim must be a positive integer, got ${dim}`);
    }
    this.dim = dim;
    this.reserve(Math.max(1, options.initialCapacity ?? 1024));
    // A row block of about 32 KiB stays in L1/L2 while all queries visit it.
    const block = Math.max(8, Math.min(256, Math.floor(8192 / dim)));
    this.picked = new Int32Array(block);
  }

  /** Slots ever written (live or removed). */
  get size(): number {
    return this.count;
  }

  /** The stored rows `0..size-1`, row-major (a view: do not keep across writes). */
  get vectors(): Float32Array {
    return this.rows.subarray(0, this.count * this.dim);
  }

  /** Slots currently removed, ascending. */
  removedSlots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.count; s++) if (this.isRemoved(s)) out.push(s);
    return out;
  }

  /**
   * True when `slot` is masked.
   * @param slot - a slot below `size`
   */
  isRemoved(slot: number): boolean {
    return ((this.removed[slot >>> 5]! >>> (slot & 31)) & 1) === 1;
  }

  private reserve(capacity: number): void {
    const have = this.rows.length / this.dim;
    if (capacity <= have) return;
    const rows = Math.max(capacity, Math.ceil(have * 1.5));
    const next = new Float32Array(rows * this.dim);
    next.set(this.rows.subarray(0, this.count * this.dim));
    this.rows = next;
    const bits = new Uint32Array(Math.ceil(rows / 32));
    bits.set(this.removed);
    this.removed = bits;
  }

  /**
   * Writes rows into slots `first..`; `first` must be `≤ size`.
   * @param first - first slot written (`size` appends)
   * @param vectors - row-major `count × dim`, finite
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    checkFirst(first, this.count);
    this.reserve(first + n);
    this.rows.set(vectors, first * this.dim);
    this.count = Math.max(this.count, first + n);
  }

  /**
   * Masks slots so they are never returned.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    markRemoved(this.removed, slots, this.count, true);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    markRemoved(this.removed, slots, this.count, false);
  }

  /**
   * Exact top-k per query, best first (score desc, ties → lower slot).
   * @param queries - row-major `nq × dim`
   * @param k - hits per query, 1..{@link MAX_K}
   * @param allow - optional filter; slots past its end are not allowed
   */
  async search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const nq = checkRows(queries, this.dim, 'query');
    checkK(k);
    checkAllow(allow);
    return this.scan(queries, nq, k, allow);
  }

  private scan(queries: Float32Array, nq: number, k: number, allow?: Uint8Array): SearchHits[] {
    const { count, removed, picked } = this;
    const block = picked.length;
    if (this.scratch.length < nq * block) this.scratch = new Float32Array(nq * block);
    const scores = this.scratch;
    const tops = Array.from({ length: nq }, () => new TopK(k));
    const allowLen = allow ? allow.length : 0;
    for (let r0 = 0; r0 < count; r0 += block) {
      const r1 = Math.min(count, r0 + block);
      let m = 0;
      for (let r = r0; r < r1; r++) {
        if ((removed[r >>> 5]! >>> (r & 31)) & 1) continue;
        if (allow && (r >= allowLen || allow[r] === 0)) continue;
        picked[m++] = r;
      }
      if (m === 0) continue;
      let q = 0;
      for (; q + 4 <= nq; q += 4) this.score4(queries, q, m, scores);
      for (; q < nq; q++) this.score1(queries, q, m, scores);
      for (let qi = 0; qi < nq; qi++) {
        const top = tops[qi]!;
        const o = qi * block;
        for (let j = 0; j < m; j++) {
          const s = scores[o + j]!;
          if (s > top.threshold) top.push(s, picked[j]!);
        }
      }
    }
    return tops.map((t) => t.result());
  }

  /** Scores picked rows against one query, four rows at a time (loads of the query shared). */
  private score1(queries: Float32Array, q: number, m: number, out: Float32Array): void {
    const { dim, rows: x, picked } = this;
    const qo = q * dim;
    const o = q * picked.length;
    const d2 = dim - (dim % 2);
    for (let j = 0; j < m; j += 4) {
      // Past the end, the last row stands in (scored, not written).
      const ra = picked[j]! * dim;
      const rb = picked[Math.min(j + 1, m - 1)]! * dim;
      const rc = picked[Math.min(j + 2, m - 1)]! * dim;
      const rd = picked[Math.min(j + 3, m - 1)]! * dim;
      // prettier-ignore
      let a0 = 0, a1 = 0, b0 = 0, b1 = 0, c0 = 0, c1 = 0, d0 = 0, d1 = 0;
      let i = 0;
      for (; i < d2; i += 2) {
        const w0 = queries[qo + i]!;
        const w1 = queries[qo + i + 1]!;
        a0 += x[ra + i]! * w0;
        a1 += x[ra + i + 1]! * w1;
        b0 += x[rb + i]! * w0;
        b1 += x[rb + i + 1]! * w1;
        c0 += x[rc + i]! * w0;
        c1 += x[rc + i + 1]! * w1;
        d0 += x[rd + i]! * w0;
        d1 += x[rd + i + 1]! * w1;
      }
      if (i < dim) {
        const w = queries[qo + i]!;
        a0 += x[ra + i]! * w;
        b0 += x[rb + i]! * w;
        c0 += x[rc + i]! * w;
        d0 += x[rd + i]! * w;
      }
      out[o + j] = a0 + a1;
      if (j + 1 < m) out[o + j + 1] = b0 + b1;
      if (j + 2 < m) out[o + j + 2] = c0 + c1;
      if (j + 3 < m) out[o + j + 3] = d0 + d1;
    }
  }

  /** Scores picked rows against queries `q..q+3`, two rows at a time. */
  private score4(queries: Float32Array, q: number, m: number, out: Float32Array): void {
    const { dim, rows: x, picked } = this;
    const block = picked.length;
    const q0 = q * dim;
    const q1 = q0 + dim;
    const q2 = q1 + dim;
    const q3 = q2 + dim;
    const o = q * block;
    let j = 0;
    for (; j < m; j += 2) {
      const ra = picked[j]! * dim;
      // An odd last row is scored twice (same row as "b"), written once.
      const rb = j + 1 < m ? picked[j + 1]! * dim : ra;
      // prettier-ignore
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let i = 0; i < dim; i++) {
        const va = x[ra + i]!;
        const vb = x[rb + i]!;
        const w0 = queries[q0 + i]!;
        const w1 = queries[q1 + i]!;
        const w2 = queries[q2 + i]!;
        const w3 = queries[q3 + i]!;
        a0 += va * w0;
        a1 += va * w1;
        a2 += va * w2;
        a3 += va * w3;
        b0 += vb * w0;
        b1 += vb * w1;
        b2 += vb * w2;
        b3 += vb * w3;
      }
      out[o + j] = a0;
      out[o + block + j] = a1;
      out[o + 2 * block + j] = a2;
      out[o + 3 * block + j] = a3;
      if (j + 1 < m) {
        out[o + j + 1] = b0;
        out[o + block + j + 1] = b1;
        out[o + 2 * block + j + 1] = b2;
        out[o + 3 * block + j + 1] = b3;
      }
    }
  }

  /** Frees the storage; the index is empty afterwards. */
  dispose(): void {
    this.rows = new Float32Array(0);
    this.removed = new Uint32Array(0);
    this.scratch = new Float32Array(0);
    this.count = 0;
    this.reserve(1);
  }
}
