// An embedder usable before its model has loaded: what the engine needs at open (the id and
// dimension a store is checked against) is known up front, and a call waits for the model.
import type { EmbedOptions, Embedder } from './embedder';

/**
 * An {@link Embedder} whose `id` and `dim` are given while its model loads (`loading`): the
 * store can be opened meanwhile, and `embed` waits for the model. After the load it acts as
 * the loaded embedder (`concurrent` included); a failed load rejects every call with its error.
 * @example
 * const late = new LateEmbedder('use-lite-512', 512, createEmbedder({ type: 'use-lite' }));
 */
export class LateEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  private readonly loading: Promise<Embedder>;
  private loaded: Embedder | undefined;

  /**
   * @param id - the id the loaded embedder will have
   * @param dim - its vectors' length
   * @param loading - the model's load
   */
  constructor(id: string, dim: number, loading: Promise<Embedder>) {
    this.id = id;
    this.dim = dim;
    this.loading = loading;
    loading.then(
      (e) => (this.loaded = e),
      () => undefined, // (the load's error is its caller's, and each call's)
    );
  }

  /** Whether the loaded embedder embeds overlapping calls side by side (false before the load). */
  get concurrent(): boolean {
    return this.loaded?.concurrent === true;
  }

  /** Embeds `texts` once the model has loaded. */
  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return (this.loaded ?? (await this.loading)).embed(texts, options);
  }
}
