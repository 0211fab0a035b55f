/**
 * A flat vector index over rows ("slots") 0..size-1. Slots are assigned by the
 * caller in increasing order; a removed slot is masked, never reused. Scores
 * are inner products (vectors are unit length, so cosine).
 *
 * Ranking contract shared by every implementation (GPU kernel and CPU twin):
 * higher score first; equal scores → lower slot first. Masked slots never
 * appear; when fewer than k slots are live, fewer than k hits come back.
 */
export interface VectorIndex {
  /** Which implementation this is. */
  readonly kind: 'webgpu' | 'cpu';
  /** Vector length. */
  readonly dim: number;
  /** Number of slots ever written (live or removed). */
  readonly size: number;
  /**
   * True while the index reorganises itself in the background (an IVF index training its
   * lists or laying out its tail in slices); searches meanwhile answer from what is laid
   * out. Absent or false: nothing is under way. A wrapper forwards the index it wraps.
   */
  readonly building?: boolean;
  /**
   * Writes `vectors` (row-major, `count × dim`) into slots `first..first+count-1`.
   * `first` must equal `size` (append) or address existing slots (overwrite).
   */
  write(first: number, vectors: Float32Array): Promise<void>;
  /** Masks slots so they are never returned. */
  remove(slots: readonly number[]): void;
  /** Unmasks slots (restoring a removed row). */
  restore(slots: readonly number[]): void;
  /**
   * Top-k for each of `queries.length / dim` queries, in one pass.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query (≥ 1)
   * @param allow - optional per-slot filter: only slots with `allow[slot] !== 0` are eligible
   */
  search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]>;
  /** Frees buffers. */
  dispose(): void;
}

/** Hits of one query, best first. */
export interface SearchHits {
  slots: Int32Array;
  scores: Float32Array;
}
