// Embedding spread over several model instances: the local one and helpers started on demand.
import { EngramError, isEngramError } from '../errors';
import type { EmbedOptions, Embedder } from './embedder';
import { checkTexts, lengthBatches, throwIfAborted } from './util';

/** A model instance that runs apart (in its own Worker): embeds, and can be stopped. */
export interface EmbedHelper {
  /** Embeds `texts` in order, as {@link Embedder.embed} does. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Stops it at once (the Worker is terminated); calls in flight reject. */
  terminate(): void;
}

/** Options of an {@link EmbedPool}. */
export interface EmbedPoolOptions {
  /** Model instances in all, the local one counted (at least 2 to start any helper). */
  instances: number;
  /** Starts one helper; resolves once its model is loaded. */
  startHelper: () => Promise<EmbedHelper>;
  /** Most texts in a piece, the unit dealt to an instance (default 64). */
  pieceTexts?: number;
  /** Most characters in a piece once padded to its longest text (default 2048: ≈ 20 chat turns). */
  pieceChars?: number;
  /** Helpers idle this long are stopped, their memory freed (default 30 000 ms). */
  idleMs?: number;
  /** Where a helper that failed to start is reported (it is not retried until the next idle stop). */
  log?: (message: string) => void;
}

/**
 * An {@link Embedder} that embeds a large call on several model instances at once: its own
 * (`local`) and `instances - 1` helpers, started on the first call that has at least two pieces
 * of work and stopped after `idleMs` without one. Texts are sorted by length and cut into
 * pieces; each instance takes the next piece as soon as it is free (the local one starts at
 * once, helpers as they finish loading), and the vectors are put back in input order. A small
 * call runs on the local instance alone. The vectors are those of the local model: each
 * instance is the same model, and an embedding does not depend on its batch.
 *
 * A helper that fails to start is left out (the work goes to the others); one that fails
 * while it embeds fails the call with an Engram error (`WorkerFailed` unless the helper threw
 * an Engram error) and is stopped.
 */
export class EmbedPool implements Embedder {
  readonly id: string;
  readonly dim: number;
  private readonly local: Embedder;
  private readonly o: Required<Omit<EmbedPoolOptions, 'log'>> & Pick<EmbedPoolOptions, 'log'>;
  /** Helpers started (or starting): resolves to the helper, or undefined if it failed to start. */
  private helpers: Promise<EmbedHelper | undefined>[] = [];
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Calls in progress on several instances (helpers are not stopped while any runs). */
  private active = 0;

  /**
   * @param local - the instance of this thread (small calls, and its share of large ones)
   * @param options - how many instances, how to start a helper, piece sizes, idle time
   */
  constructor(local: Embedder, options: EmbedPoolOptions) {
    this.local = local;
    this.id = local.id;
    this.dim = local.dim;
    this.o = { pieceTexts: 64, pieceChars: 2048, idleMs: 30_000, ...options };
  }

  /** Helpers started and not stopped (for tests and diagnostics). */
  get helpersStarted(): number {
    return this.helpers.length;
  }

  /**
   * Embeds `texts` in order, on several instances when there are at least two pieces of work.
   * @param texts - non-empty texts
   * @param options - `signal` (checked between pieces) and `onProgress` (after each piece)
   */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkTexts(texts); // here, so that an error's index is of `texts`, not of a piece
    const pieces = lengthBatches(texts, this.o.pieceTexts, this.o.pieceChars);
    if (this.o.instances < 2 || pieces.length < 2 || this.disposed)
      return this.local.embed(texts, options);
    this.startHelpers();
    this.active++;
    const out = new Array<Float32Array>(texts.length);
    let next = 0;
    let done = 0;
    let failed: { error: unknown } | undefined;
    const take = (): number[] | undefined =>
      failed || options.signal?.aborted ? undefined : pieces[next++];
    const keep = (piece: number[], vectors: Float32Array[]) => {
      if (vectors.length !== piece.length)
        throw new EngramError(
          'WorkerFailed',
          `an embedding instance returned ${vectors.length} vectors for ${piece.length} texts`,
        );
      piece.forEach((i, k) => (out[i] = vectors[k]!));
      done += piece.length;
      options.onProgress?.({ done, total: texts.length });
    };
    const runLocal = async () => {
      for (let piece = take(); piece; piece = take())
        keep(piece, await this.local.embed(piece.map((i) => texts[i]!)));
    };
    const runHelper = async (started: Promise<EmbedHelper | undefined>) => {
      const helper = await started;
      if (!helper) return;
      for (let piece = take(); piece; piece = take()) {
        let vectors: Float32Array[];
        try {
          vectors = await helper.embed(piece.map((i) => texts[i]!));
        } catch (e) {
          this.drop(started, helper);
          throw isEngramError(e)
            ? e
            : new EngramError('WorkerFailed', `An embedding Worker failed: ${String(e)}`, {
                cause: e,
              });
        }
        keep(piece, vectors);
      }
    };
    const note = (p: Promise<void>) =>
      p.catch((error: unknown) => {
        failed ??= { error };
      });
    try {
      await Promise.all([note(runLocal()), ...this.helpers.map((h) => note(runHelper(h)))]);
    } finally {
      this.active--;
      this.armIdle();
    }
    if (failed) throw failed.error;
    throwIfAborted(options.signal);
    return out;
  }

  /** Stops the helpers and releases the local model. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopHelpers();
    await this.local.dispose?.();
  }

  private startHelpers(): void {
    clearTimeout(this.idleTimer);
    while (this.helpers.length < this.o.instances - 1) {
      this.helpers.push(
        this.o.startHelper().catch((e: unknown) => {
          this.o.log?.(`engram: an embedding Worker did not start: ${String(e)}`);
          return undefined;
        }),
      );
    }
  }

  private drop(started: Promise<EmbedHelper | undefined>, helper: EmbedHelper): void {
    helper.terminate();
    this.helpers = this.helpers.filter((h) => h !== started);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    if (!this.disposed && this.active === 0)
      this.idleTimer = setTimeout(() => this.stopHelpers(), this.o.idleMs);
  }

  private stopHelpers(): void {
    clearTimeout(this.idleTimer);
    const started = this.helpers;
    this.helpers = [];
    for (const h of started) void h.then((helper) => helper?.terminate());
  }
}
