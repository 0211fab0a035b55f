// Top-k selection and the argument checks that every VectorIndex shares, so
// the GPU kernel and the CPU twin accept and reject exactly the same inputs.
import { EngramError } from '../errors';
import type { SearchHits } from './vector-index';

/**
 * Largest `k` a search accepts (both backends). The GPU kernel keeps one
 * candidate per invocation of a 256-wide workgroup; larger `k` throws
 * `InvalidArgument`.
 */
export const MAX_K = 256;

/**
 * A bounded top-k collector for one query, fed slots in increasing order.
 * Keeps the k best by (score desc, slot asc) in a min-heap whose root is the
 * worst kept hit. Because slots arrive in increasing order, a new hit whose
 * score equals the root's never beats it, so `score > threshold` is the whole
 * admission test once the heap is full.
 *
 * @example
 * const top = new TopK(10);
 * for (let slot = 0; slot < scores.length; slot++) top.push(scores[slot], slot);
 * const { slots, scores: best } = top.result();
 */
export class TopK {
  /** Scores in heap order. */
  private readonly s: Float64Array;
  /** Slots in heap order. */
  private readonly i: Int32Array;
  /** Number of hits held. */
  private n = 0;
  /** Scores at or below this cannot enter; `-Infinity` until the heap is full. */
  threshold = -Infinity;

  /** @param k - capacity (≥ 1) */
  constructor(readonly k: number) {
    this.s = new Float64Array(k);
    this.i = new Int32Array(k);
  }

  /** True when `a` ranks below `b`: lower score, or equal score and higher slot. */
  private worse(a: number, b: number): boolean {
    const sa = this.s[a]!;
    const sb = this.s[b]!;
    return sa < sb || (sa === sb && this.i[a]! > this.i[b]!);
  }

  private swap(a: number, b: number): void {
    const s = this.s[a]!;
    this.s[a] = this.s[b]!;
    this.s[b] = s;
    const i = this.i[a]!;
    this.i[a] = this.i[b]!;
    this.i[b] = i;
  }

  /**
   * Offers one hit; call in increasing slot order.
   * @param score - the hit's score (already rounded to f32)
   * @param slot - the hit's slot
   */
  push(score: number, slot: number): void {
    const { k } = this;
    if (this.n < k) {
      let c = this.n++;
      this.s[c] = score;
      this.i[c] = slot;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(c, p)) break;
        this.swap(c, p);
        c = p;
      }
      if (this.n === k) this.threshold = this.s[0]!;
      return;
    }
    if (!(score > this.threshold)) return;
    this.s[0] = score;
    this.i[0] = slot;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= k) break;
      const r = l + 1;
      const c = r < k && this.worse(r, l) ? r : l;
      if (!this.worse(c, p)) break;
      this.swap(c, p);
      p = c;
    }
    this.threshold = this.s[0]!;
  }

  /** The hits held, best first (score desc, slot asc). */
  result(): SearchHits {
    const order = Array.from({ length: this.n }, (_, j) => j);
    // (-1 / 1 on the scores, not their difference: the sort boxes a fractional result, a heap
    // number per comparison. The same order: a difference of 0 or NaN fell to the slots too.)
    order.sort((a, b) => {
      const sa = this.s[a]!;
      const sb = this.s[b]!;
      return sa > sb ? -1 : sa < sb ? 1 : this.i[a]! - this.i[b]!;
    });
    const slots = new Int32Array(this.n);
    const scores = new Float32Array(this.n);
    order.forEach((j, r) => {
      slots[r] = this.i[j]!;
      scores[r] = this.s[j]!;
    });
    return { slots, scores };
  }
}

/**
 * Checks `k`: an integer in 1..{@link MAX_K}.
 * @param k - hits per query
 * @throws EngramError `InvalidArgument`
 */
export function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
    throw new EngramError('InvalidArgument', `k must be an integer in 1..${MAX_K}, got ${k}`, {
      details: { k, max: MAX_K },
    });
  }
}

/**
 * Checks that `vectors` holds whole rows of `dim` finite numbers.
 * @param vectors - row-major `count × dim`
 * @param dim - the index's dimension
 * @param what - noun for messages ('vector', 'query')
 * @returns the row count
 * @throws EngramError `DimensionMismatch` or `InvalidVector`
 */
export function checkRows(vectors: Float32Array, dim: number, what: string): number {
  if (!(vectors instanceof Float32Array) || vectors.length % dim !== 0) {
    throw new EngramError(
      'DimensionMismatch',
      `${what} length ${vectors?.length} is not a multiple of dim ${dim}`,
      { details: { expected: dim, actual: vectors?.length } },
    );
  }
  for (let j = 0; j < vectors.length; j++) {
    const v = vectors[j]!;
    if (v - v !== 0) {
      throw new EngramError('InvalidVector', `${what} row ${Math.floor(j / dim)} holds ${v}`, {
        details: { row: Math.floor(j / dim), index: j % dim },
      });
    }
  }
  return vectors.length / dim;
}

/**
 * Checks a write's first slot: `0 ≤ first ≤ size` (overwrite and/or append).
 * @param first - first slot written
 * @param size - slots ever written so far
 * @throws EngramError `InvalidArgument`
 */
export function checkFirst(first: number, size: number): void {
  if (!Number.isInteger(first) || first < 0 || first > size) {
    throw new EngramError('InvalidArgument', `write must start at a slot in 0..${size}`, {
      details: { first, size },
    });
  }
}

/**
 * Checks that every slot is an existing slot (`0 ≤ slot < size`).
 * @param slots - slots to mask or unmask
 * @param size - slots ever written
 * @throws EngramError `InvalidArgument`
 */
export function checkSlots(slots: readonly number[], size: number): void {
  for (const s of slots) {
    if (!Number.isInteger(s) || s < 0 || s >= size) {
      throw new EngramError('InvalidArgument', `slot ${s} is not in 0..${size - 1}`, {
        details: { slot: s, size },
      });
    }
  }
}

/**
 * Checks `slots` against `size`, then sets (`removed` true) or clears their
 * bits in a removed-slot bitmask (bit `s & 31` of word `s >>> 5`).
 * @param bits - the bitmask, one bit per slot
 * @param slots - slots to mark
 * @param size - slots ever written
 * @param removed - set (true) or clear (false)
 * @throws EngramError `InvalidArgument` for a slot outside `0..size-1` (nothing changes)
 */
export function markRemoved(
  bits: Uint32Array,
  slots: readonly number[],
  size: number,
  removed: boolean,
): void {
  checkSlots(slots, size);
  if (removed) for (const s of slots) bits[s >>> 5]! |= 1 << (s & 31);
  else for (const s of slots) bits[s >>> 5]! &= ~(1 << (s & 31));
}

/**
 * Checks an allow filter: a `Uint8Array` (slots past its end are not allowed).
 * @param allow - the per-slot filter, or undefined
 * @throws EngramError `InvalidArgument`
 */
export function checkAllow(allow: Uint8Array | undefined): void {
  if (allow !== undefined && !(allow instanceof Uint8Array)) {
    throw new EngramError('InvalidArgument', 'allow must be a Uint8Array (one byte per slot)');
  }
}
