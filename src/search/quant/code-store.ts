// Where compact codes live and are scanned: the CPU twin below, or the GPU
// store in src/gpu/code-store.ts. Both return the same raw scores.
import { TopK } from '../topk';
import type { SearchHits } from '../vector-index';
import { binaryLut } from './binary';
import type { QuantMode } from './codec';
import { halfTable } from './fp16';

/** Rows scored against every query before the next rows (see {@link CpuCodeStore.search}). */
const SCAN_BLOCK = 256;

/**
 * A scan over code rows with the flat-index ranking contract (raw score
 * desc, ties → lower slot; removed and disallowed slots never returned).
 * Raw scores: int8 → Σ qᵢ·cᵢ over int8 bytes (an exact integer); binary →
 * the asymmetric bit-plane score `Σ_{bit i set} q'ᵢ` (an exact integer, see
 * `BinaryCodec`); fp16 → Σ qᵢ·xᵢ over the halves.
 */
export interface CodeStore {
  /** Which backend scans. */
  readonly kind: 'webgpu' | 'cpu';
  /** Rows ever written. */
  readonly size: number;
  /** Bytes the codes take where they are scanned. */
  readonly bytes: number;
  /** Largest k {@link CodeStore.search} accepts (default: any). */
  readonly maxK?: number;
  /**
   * Writes code rows into slots `first..` (`first ≤ size`).
   * @param first - first slot
   * @param codes - `n × words` words
   */
  write(first: number, codes: Uint32Array): Promise<void>;
  /**
   * Masks slots.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void;
  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void;
  /**
   * Top-k raw scores per query.
   * @param queries - `nq × queryWords` encoded queries
   * @param nq - query count
   * @param k - hits per query, 1..`maxK`
   * @param allow - optional per-slot filter
   */
  search(queries: Uint32Array, nq: number, k: number, allow?: Uint8Array): Promise<SearchHits[]>;
  /** Frees the codes. */
  dispose(): void;
}

/**
 * The CPU twin of the code-scan kernels (quant-scan.wgsl): same raw scores,
 * same ranking.
 *
 * @example
 * const store = new CpuCodeStore('int8', codec.words);
 * await store.write(0, codes);
 * const hits = await store.search(codec.encodeQuery(q).words, 1, 100);
 */
export class CpuCodeStore implements CodeStore {
  /** Always `'cpu'`. */
  readonly kind = 'cpu' as const;
  private codes = new Uint32Array(0);
  private removed = new Uint32Array(0);
  private count = 0;

  /**
   * @param mode - the code
   * @param words - u32 words per row
   * @param queryWords - u32 words per encoded query (default `words`)
   */
  constructor(
    readonly mode: QuantMode,
    readonly words: number,
    readonly queryWords = words,
  ) {}

  /** Rows ever written. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the code rows written. */
  get bytes(): number {
    return this.count * this.words * 4;
  }

  /**
   * Writes code rows.
   * @param first - first slot (`≤ size`)
   * @param codes - `n × words` words
   */
  async write(first: number, codes: Uint32Array): Promise<void> {
    const end = first + codes.length / this.words;
    if (end * this.words > this.codes.length) {
      const grown = new Uint32Array(Math.max(end, Math.ceil(this.count * 1.5)) * this.words);
      grown.set(this.codes.subarray(0, this.count * this.words));
      this.codes = grown;
      const bits = new Uint32Array(Math.ceil(grown.length / this.words / 32));
      bits.set(this.removed);
      this.removed = bits;
    }
    this.codes.set(codes, first * this.words);
    this.count = Math.max(this.count, end);
  }

  /**
   * Masks slots.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    for (const s of slots) this.removed[s >>> 5]! |= 1 << (s & 31);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    for (const s of slots) this.removed[s >>> 5]! &= ~(1 << (s & 31));
  }

  /**
   * Scans every live row for every query.
   * @param queries - `nq × queryWords`
   * @param nq - query count
   * @param k - hits per query
   * @param allow - optional filter (slots past its end are not allowed)
   */
  async search(
    queries: Uint32Array,
    nq: number,
    k: number,
    allow?: Uint8Array,
  ): Promise<SearchHits[]> {
    const tops = Array.from({ length: nq }, () => new TopK(k));
    const live = this.liveRows(allow);
    // Binary: a table per query of the score of every byte value at every byte position
    // (4·words lookups per row instead of QUERY_BITS·words popcounts).
    const luts =
      this.mode === 'binary'
        ? Array.from({ length: nq }, (_, q) => binaryLut(queries, q * this.queryWords, this.words))
        : [];
    // Rows in blocks, each block scored against every query in turn, so that a query's table
    // and the block's codes stay in cache (row by row against 200 queries' tables, 12.8 MB at
    // 512 bits, the scan was ~10× slower). Each query still sees the rows in slot order: its
    // top-k, ties included, is the same.
    for (let from = 0; from < live.length; from += SCAN_BLOCK) {
      const to = Math.min(live.length, from + SCAN_BLOCK);
      for (let q = 0; q < nq; q++) {
        const top = tops[q]!;
        if (this.mode === 'binary') this.scanBinary(luts[q]!, live, from, to, top);
        else if (this.mode === 'int8') this.scanInt8(queries, q, live, from, to, top);
        else this.scanHalf(queries, q, live, from, to, top);
      }
    }
    return tops.map((t) => t.result());
  }

  /** The slots neither removed nor disallowed, ascending. */
  private liveRows(allow?: Uint8Array): Int32Array {
    const { removed, count } = this;
    const allowLen = allow?.length ?? 0;
    const live = new Int32Array(count);
    let n = 0;
    for (let r = 0; r < count; r++) {
      if ((removed[r >>> 5]! >>> (r & 31)) & 1) continue;
      if (allow && (r >= allowLen || allow[r] === 0)) continue;
      live[n++] = r;
    }
    return live.subarray(0, n);
  }

  /** Binary raw scores of rows `live[from..to)` (query `lut`) into `top`. */
  private scanBinary(lut: Int32Array, live: Int32Array, from: number, to: number, top: TopK): void {
    const { codes } = this;
    const bytes = new Uint8Array(codes.buffer, codes.byteOffset, codes.length * 4);
    const nb = this.words * 4;
    for (let j = from; j < to; j++) {
      const r = live[j]!;
      const ro = r * nb;
      let a = 0;
      for (let b = 0; b < nb; b++) a += lut[(b << 8) | bytes[ro + b]!]!;
      const s = a + 0; // +0 as the GPU
      if (s > top.threshold) top.push(s, r);
    }
  }

  /** Int8 raw scores of rows `live[from..to)` against query `q` into `top`. */
  private scanInt8(
    queries: Uint32Array,
    q: number,
    live: Int32Array,
    from: number,
    to: number,
    top: TopK,
  ): void {
    const { codes } = this;
    const x = new Int8Array(codes.buffer, codes.byteOffset, codes.length * 4);
    const y = new Int8Array(queries.buffer, queries.byteOffset, queries.length * 4);
    const n = this.words * 4;
    const qo = q * n;
    for (let j = from; j < to; j++) {
      const r = live[j]!;
      const ro = r * n;
      let a = 0;
      let b = 0;
      for (let i = 0; i < n; i += 2) {
        a += x[ro + i]! * y[qo + i]!;
        b += x[ro + i + 1]! * y[qo + i + 1]!;
      }
      const s = a + b;
      if (s > top.threshold) top.push(s, r);
    }
  }

  /** Fp16 raw scores of rows `live[from..to)` against query `q` into `top`. */
  private scanHalf(
    queries: Uint32Array,
    q: number,
    live: Int32Array,
    from: number,
    to: number,
    top: TopK,
  ): void {
    const { codes } = this;
    const half = halfTable();
    const x = new Uint16Array(codes.buffer, codes.byteOffset, codes.length * 2);
    const y = new Uint16Array(queries.buffer, queries.byteOffset, queries.length * 2);
    const n = this.words * 2;
    const qo = q * n;
    for (let j = from; j < to; j++) {
      const r = live[j]!;
      const ro = r * n;
      let a = 0;
      for (let i = 0; i < n; i++) a += half[x[ro + i]!]! * half[y[qo + i]!]!;
      const s = Math.fround(a);
      if (s > top.threshold) top.push(s, r);
    }
  }

  /** Frees the codes. */
  dispose(): void {
    this.codes = new Uint32Array(0);
    this.removed = new Uint32Array(0);
    this.count = 0;
  }
}
