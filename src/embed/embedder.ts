/** Options of one {@link Embedder.embed} call. */
export interface EmbedOptions {
  /** Aborts the call; it then rejects with an `Aborted` Engram error. */
  signal?: AbortSignal;
  /** Called as texts are embedded (`done` of `total`). */
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Progress of a model load, as reported by an embedder's `load`. */
export interface LoadProgress {
  /** What is happening: `'download'` (bytes of a file), `'init'` (building the runtime), `'ready'`. */
  stage: 'download' | 'init' | 'ready';
  /** File being loaded, where known. */
  file?: string;
  /** Bytes loaded so far and in all, where known. */
  loaded?: number;
  total?: number;
}

/**
 * Turns texts into unit-length vectors. `id` names the model and its
 * settings; a store remembers the `id` and `dim` it was made with and refuses
 * another embedder (`EmbedderMismatch`).
 */
export interface Embedder {
  /** Stable id of the model and settings, e.g. `"use-lite-512"`. */
  readonly id: string;
  /** Length of every vector it returns. */
  readonly dim: number;
  /**
   * Embeds `texts`; returns one L2-normalised Float32Array per text, in order.
   * @param texts - the texts (each non-empty)
   * @param options - abort signal and progress callback
   */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /**
   * Whether overlapping `embed` calls share out their work over several model instances (as
   * the offline model's pool does). A bulk `addMany` then asks for the next chunk's vectors
   * while the last chunk's are still being made, so no instance waits at a chunk's end.
   * Default false: it asks for one chunk at a time.
   */
  readonly concurrent?: boolean;
  /** Releases the model (optional). */
  dispose?(): Promise<void>;
}
