// A CodeStore over a flat fp32 index: the coarse pass of the PCA mode scans
// projected rows with the exact kernels (GpuFlatIndex or its CPU twin).
import { CpuFlatIndex } from '../cpu-index';
import { MAX_K } from '../topk';
import type { SearchHits, VectorIndex } from '../vector-index';
import type { CodeStore } from './code-store';

/**
 * Code rows that are floats (bit patterns in u32 words), scanned by a
 * {@link VectorIndex} of the same width; raw score = inner product.
 *
 * @example
 * const store = await FlatCodeStore.cpu(64); // 64-d projected rows
 */
export class FlatCodeStore implements CodeStore {
  /**
   * @param index - a flat index whose dim is the code width
   */
  constructor(private readonly index: VectorIndex) {}

  /** The flat index's largest k. */
  readonly maxK = MAX_K;

  /**
   * A store on the CPU twin.
   * @param width - floats per row
   */
  static async cpu(width: number): Promise<FlatCodeStore> {
    return new FlatCodeStore(new CpuFlatIndex({ dim: width }));
  }

  /** The flat index's backend. */
  get kind(): 'webgpu' | 'cpu' {
    return this.index.kind;
  }

  /** Rows ever written. */
  get size(): number {
    return this.index.size;
  }

  /** Bytes of the projected rows. */
  get bytes(): number {
    return this.index.size * this.index.dim * 4;
  }

  /**
   * Writes projected rows.
   * @param first - first slot
   * @param codes - float bits, `n × width`
   */
  write(first: number, codes: Uint32Array): Promise<void> {
    return this.index.write(first, new Float32Array(codes.buffer, codes.byteOffset, codes.length));
  }

  /**
   * Masks slots.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    this.index.remove(slots);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    this.index.restore(slots);
  }

  /**
   * Exact top-k over the projected rows.
   * @param queries - projected queries as float bits
   * @param _nq - query count (implied by the length)
   * @param k - hits per query
   * @param allow - optional filter
   */
  search(queries: Uint32Array, _nq: number, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const q = new Float32Array(queries.buffer, queries.byteOffset, queries.length);
    return this.index.search(q, k, allow);
  }

  /** Frees the index. */
  dispose(): void {
    this.index.dispose();
  }
}
