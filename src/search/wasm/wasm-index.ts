// Exact flat search on the CPU through the WASM SIMD kernel: an f32x4 scan
// finds candidates, and an exact rescoring of the few within the scan's error
// bound of the k-th best gives the CPU twin's answer, bit for bit.
import { EngramError } from '../../errors';
import { checkAllow, checkFirst, checkK, checkRows, markRemoved } from '../topk';
import type { SearchHits, VectorIndex } from '../vector-index';
import { ScanKernel } from './kernel';
import { Candidates, norm, scanErrorBound } from './rescore';

/** Options of {@link WasmFlatIndex}. */
export interface WasmFlatIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** Rows to reserve up front (default 1024); storage grows ×1.5 beyond. */
  initialCapacity?: number;
}

/**
 * Exact flat index in WASM memory, same answers as {@link CpuFlatIndex}
 * (scores are f64 sums rounded to f32; ties → lower slot), 2–4× faster.
 * Needs WebAssembly SIMD: check {@link wasmSimdSupported} first.
 *
 * @example
 * const index = new WasmFlatIndex({ dim: 384 });
 * await index.write(0, vectors); // count × 384
 * const [hits] = await index.search(query, 10);
 */
export class WasmFlatIndex implements VectorIndex {
  /** Always `'cpu'`. */
  readonly kind = 'cpu' as const;
  /** Vector length. */
  readonly dim: number;
  /** Floats per stored row (dim rounded up to 4; the padding is zero). */
  readonly stride: number;
  private readonly kernel: ScanKernel;
  private capacity = 0;
  private count = 0;
  private removed = new Uint32Array(0);
  private maxNorm = 0;
  /** Each query's candidates of a scan, kept for the next (a scan runs to its end at once). */
  private readonly cands: Candidates[] = [];
  /** Rows per kernel call: about 256 KiB, so a block stays in L2 while 4 queries visit it. */
  private readonly block: number;

  /**
   * @param options - see {@link WasmFlatIndexOptions}
   * @throws EngramError `InvalidArgument` for a bad dim, `WasmUnavailable` without WASM SIMD
   */
  constructor(options: WasmFlatIndexOptions) {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EngramError('InvalidArgument', `dim must be a positive integer, got ${dim}`);
    }
    this.dim = dim;
    this.stride = Math.ceil(dim / 4) * 4;
    this.block = Math.max(16, Math.floor(65536 / this.stride));
    this.kernel = new ScanKernel(0);
    this.reserve(Math.max(1, options.initialCapacity ?? 1024));
  }

  /** Slots ever written (live or removed). */
  get size(): number {
    return this.count;
  }

  /** Bytes per row held in memory (padded f32). */
  get bytesPerVector(): number {
    return this.stride * 4;
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = Math.max(rows, Math.ceil(this.capacity * 1.5));
    this.kernel.reserve(next * this.stride * 4, 0);
    const bits = new Uint32Array(Math.ceil(next / 32));
    bits.set(this.removed);
    this.removed = bits;
    this.capacity = next;
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
    const { dim, stride } = this;
    const f32 = this.kernel.f32;
    // Unpadded rows go in with one copy (opening a large store writes them all at once).
    if (stride === dim) f32.set(vectors, first * stride);
    for (let r = 0; r < n; r++) {
      if (stride !== dim) f32.set(vectors.subarray(r * dim, (r + 1) * dim), (first + r) * stride);
      this.maxNorm = Math.max(this.maxNorm, norm(vectors, r * dim, dim));
    }
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
    const out: SearchHits[] = [];
    // Up to 16 queries share each pass over the rows.
    for (let q0 = 0; q0 < nq; q0 += 16) {
      out.push(...this.scan(queries, q0, Math.min(16, nq - q0), k, allow));
    }
    return out;
  }

  private scan(
    queries: Float32Array,
    q0: number,
    nq: number,
    k: number,
    allow?: Uint8Array,
  ): SearchHits[] {
    const { dim, stride, block, count, removed, kernel } = this;
    const groups = Math.ceil(nq / 4) * 4;
    kernel.reserve(this.capacity * stride * 4, (groups * stride + groups * block) * 4);
    const f32 = kernel.f32;
    const qOff = kernel.rowBytes / 4;
    const sOff = qOff + groups * stride;
    f32.fill(0, qOff, sOff);
    const cands = this.cands;
    for (let q = 0; q < nq; q++) {
      const o = (q0 + q) * dim;
      f32.set(queries.subarray(o, o + dim), qOff + q * stride);
      const margin = 2 * scanErrorBound(stride, this.maxNorm, norm(queries, o, dim));
      if (q < cands.length) cands[q]!.reset(k, margin);
      else cands.push(new Candidates(k, margin));
    }
    const allowLen = allow ? allow.length : 0;
    for (let r0 = 0; r0 < count; r0 += block) {
      const m = Math.min(block, count - r0);
      const rowsPtr = r0 * stride * 4;
      if (nq < 4) {
        for (let q = 0; q < nq; q++) {
          kernel.fn.dot1(rowsPtr, m, stride, (qOff + q * stride) * 4, (sOff + q * block) * 4);
        }
      } else {
        for (let q = 0; q < nq; q += 4) {
          kernel.fn.dot4(
            rowsPtr,
            m,
            stride,
            (qOff + q * stride) * 4,
            (sOff + q * block) * 4,
            block,
          );
        }
      }
      for (let q = 0; q < nq; q++) {
        const c = cands[q]!;
        const o = sOff + q * block;
        let cut = c.cut;
        for (let j = 0; j < m; j++) {
          const s = f32[o + j]!;
          if (s < cut) continue;
          const r = r0 + j;
          if ((removed[r >>> 5]! >>> (r & 31)) & 1) continue;
          if (allow && (r >= allowLen || allow[r] === 0)) continue;
          c.add(s, r, r);
          cut = c.cut;
        }
      }
    }
    const out: SearchHits[] = [];
    for (let q = 0; q < nq; q++)
      out.push(cands[q]!.finish(f32, stride, queries, (q0 + q) * dim, dim, k));
    return out;
  }

  /** Drops the rows; the index is empty afterwards. */
  dispose(): void {
    this.count = 0;
    this.removed.fill(0);
    this.maxNorm = 0;
  }
}
