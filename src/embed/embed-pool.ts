// Embedding spread over several model instances: the local one and helpers started on demand.
import { EngramError, isEngramError } from '../errors';
import { nextTask } from '../util/tasks';
import type { EmbedOptions, Embedder } from './embedder';
import { checkTexts, hardwareCores, lengthBatches } from './util';

/**
 * Pieces a helper holds at once: it starts the next as soon as one ends, without waiting for
 * this thread to hand it one (this thread is busy with its own piece most of the time).
 */
const HELPER_QUEUE = 2;

/** A large call in progress in an {@link EmbedPool}. */
interface PoolCall {
  readonly texts: string[];
  /** Its texts' indices, cut into pieces (the unit dealt to an instance). */
  readonly pieces: number[][];
  readonly options: EmbedOptions;
  /** Its vectors, in input order, as pieces come back. */
  readonly out: Float32Array[];
  /** Pieces dealt so far. */
  next: number;
  /** Pieces dealt and not back yet. */
  running: number;
  /** Texts embedded so far. */
  done: number;
  /** The first error of one of its pieces (no piece of it is dealt after it). */
  failed?: { error: unknown };
  /** Resolves or rejects the call (once). */
  end: () => void;
}

/** Who takes a piece: the local instance, a helper, or a helper's second (queued) piece. */
type Taker = { local: boolean; queued: boolean };

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
  /** Starts one helper; resolves once its model is loaded. `signal` stops it, loaded or not. */
  startHelper: (signal: AbortSignal) => Promise<EmbedHelper>;
  /** Most texts in a piece, the unit dealt to an instance (default 64). */
  pieceTexts?: number;
  /** Most characters in a piece once padded to its longest text (default 2048: ≈ 20 chat turns). */
  pieceChars?: number;
  /** Helpers idle this long are stopped, their memory freed (default 30 000 ms). */
  idleMs?: number;
  /** Where a helper that failed to start is reported (it is not retried until the next idle stop). */
  log?: (message: string) => void;
  /**
   * The machine's cores (default `navigator.hardwareConcurrency`, else 1). Once as many helpers
   * are at work, the local instance takes no more pieces of a large call: its thread stays free
   * for what else runs there (an `addMany`'s writes, searches).
   */
  cores?: number;
  /**
   * Whether the local instance runs apart, in a Worker of its own (the engine's own model
   * instance, `embedderOf`): it then holds two pieces at once as a helper does, and its calls
   * go straight to it (its Worker queues them). Default false: it runs in this thread.
   */
  localApart?: boolean;
}

/**
 * An {@link Embedder} that embeds a large call on several model instances at once: its own
 * (`local`) and `instances - 1` helpers, started on the first call that has at least two pieces
 * of work and stopped after `idleMs` without one. Texts are sorted by length and cut into
 * pieces; each instance takes the next piece as soon as it is free (the local one starts at
 * once, helpers as they finish loading; a helper holds two pieces while enough are left, so it
 * starts the next without waiting for this thread), and the vectors are put back in input
 * order. Overlapping calls share the instances (`concurrent`: a bulk add asks for its next
 * chunk before the last is made), the oldest call's pieces dealt first. Once the helpers at
 * work fill the cores, the local instance takes no more pieces of large calls (in this thread,
 * the engine's, writes and searches run meanwhile). A small call runs on the local instance
 * alone (in this thread one model call at a time; `localApart`: in its own Worker). The
 * vectors are those of the local model: each instance is the same model, and an embedding
 * does not depend on its batch.
 *
 * A helper that fails to start is left out (the work goes to the others); one that fails
 * while it embeds fails the call with an Engram error (`WorkerFailed` unless the helper threw
 * an Engram error) and is stopped.
 */
export class EmbedPool implements Embedder {
  readonly id: string;
  readonly dim: number;
  /** Overlapping calls share the instances (the local one takes their pieces one at a time). */
  readonly concurrent = true;
  private readonly local: Embedder;
  /** The local instance's last piece: the next waits for it (one model call at a time). */
  private localTurn: Promise<unknown> = Promise.resolve();
  private readonly o: Required<Omit<EmbedPoolOptions, 'log'>> & Pick<EmbedPoolOptions, 'log'>;
  /** Helpers started (or starting): resolves to the helper, or undefined if it failed to start. */
  private helpers: Promise<EmbedHelper | undefined>[] = [];
  /** Stops the helpers started so far, loading or not (a new one for the next ones). */
  private stopping = new AbortController();
  /** Those of them loaded and at work (not stopped). */
  private readonly ready = new Set<Promise<EmbedHelper | undefined>>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  /** Calls in progress on several instances (helpers are not stopped while any runs). */
  private active = 0;
  /** Those calls, oldest first: their pieces are dealt in this order. */
  private calls: PoolCall[] = [];
  /** The local instance's loops running (at most one, or `HELPER_QUEUE` when it runs apart). */
  private localWorking = 0;
  /** Feeders running per helper (at most `HELPER_QUEUE`). */
  private readonly feeding = new Map<Promise<EmbedHelper | undefined>, number>();

  /**
   * @param local - the instance of this thread (small calls, and its share of large ones)
   * @param options - how many instances, how to start a helper, piece sizes, idle time
   */
  constructor(local: Embedder, options: EmbedPoolOptions) {
    this.local = local;
    this.id = local.id;
    this.dim = local.dim;
    this.o = {
      pieceTexts: 64,
      pieceChars: 2048,
      idleMs: 30_000,
      cores: hardwareCores(),
      localApart: false,
      ...options,
    };
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
      return this.onLocal(texts, options);
    this.startHelpers();
    this.active++;
    try {
      return await new Promise<Float32Array[]>((resolve, reject) => {
        const call: PoolCall = {
          texts,
          pieces,
          options,
          out: new Array<Float32Array>(texts.length),
          next: 0,
          running: 0,
          done: 0,
          end: () => {
            options.signal?.removeEventListener('abort', onAbort);
            if (call.failed) reject(call.failed.error);
            else if (options.signal?.aborted)
              reject(new EngramError('Aborted', undefined, { cause: options.signal.reason }));
            else resolve(call.out);
          },
        };
        const onAbort = () => this.settle(call);
        options.signal?.addEventListener('abort', onAbort);
        this.calls.push(call);
        this.settle(call); // an aborted signal: at once
        this.pump();
      });
    } finally {
      this.active--;
      this.armIdle();
    }
  }

  /** Starts the instances that are not working (the new work is theirs as well). */
  private pump(): void {
    for (let k = this.localWorking; k < (this.o.localApart ? HELPER_QUEUE : 1); k++) {
      this.localWorking++;
      void this.work(
        (t) => this.onLocal(t),
        { local: true, queued: k > 0 },
        () => this.localWorking--,
      );
    }
    for (const started of this.helpers)
      for (let k = this.feeding.get(started) ?? 0; k < HELPER_QUEUE; k++) {
        this.feeding.set(started, k + 1);
        void this.feed(started, { local: false, queued: k > 0 });
      }
  }

  /** One of a helper's feeders: hands it piece after piece, each once the last is back. */
  private async feed(started: Promise<EmbedHelper | undefined>, kind: Taker): Promise<void> {
    const stop = () => {
      const left = (this.feeding.get(started) ?? 1) - 1;
      if (left > 0 && this.helpers.includes(started)) this.feeding.set(started, left);
      else this.feeding.delete(started);
    };
    const helper = await started;
    if (!helper || !this.helpers.includes(started)) return stop();
    this.ready.add(started);
    await this.work(
      async (t) => {
        try {
          return await helper.embed(t);
        } catch (e) {
          this.drop(started, helper);
          throw isEngramError(e)
            ? e
            : new EngramError('WorkerFailed', `An embedding Worker failed: ${String(e)}`, {
                cause: e,
              });
        }
      },
      kind,
      stop,
      () => this.helpers.includes(started),
    );
  }

  /**
   * An instance's loop: takes the next piece (of the oldest call that has one) until there is
   * none, or its instance is gone (`alive`). `done` runs in the same task as the last look for
   * work (so a call added after it finds this loop ended, and `pump` starts another).
   */
  private async work(
    run: (texts: string[]) => Promise<Float32Array[]>,
    kind: Taker,
    done: () => void,
    alive: () => boolean = () => true,
  ): Promise<void> {
    for (;;) {
      const taken = this.take(kind);
      if (!taken) return done();
      const [call, piece] = taken;
      try {
        const vectors = await run(piece.map((i) => call.texts[i]!));
        if (vectors.length !== piece.length)
          throw new EngramError(
            'WorkerFailed',
            `an embedding instance returned ${vectors.length} vectors for ${piece.length} texts`,
          );
        piece.forEach((i, k) => (call.out[i] = vectors[k]!));
        call.done += piece.length;
        call.options.onProgress?.({ done: call.done, total: call.texts.length });
      } catch (error) {
        call.failed ??= { error };
      } finally {
        call.running--;
        this.settle(call);
      }
      if (!alive()) return done();
    }
  }

  /**
   * The next piece to embed: the oldest call's that has one left (so a call's vectors come as
   * soon as its own pieces are done, not shared out with the calls after it). A helper's second
   * piece only while more pieces are left than instances: at the end a piece queued at a busy
   * helper would keep an idle instance waiting. None for the local instance while helpers at
   * work fill the cores.
   */
  private take(kind: Taker): [PoolCall, number[]] | undefined {
    if (kind.local && this.ready.size >= this.o.cores) return undefined;
    let left = 0;
    let oldest: PoolCall | undefined;
    for (const c of this.calls) {
      if (c.failed || c.options.signal?.aborted) continue;
      left += c.pieces.length - c.next;
      if (!oldest && c.next < c.pieces.length) oldest = c;
    }
    if (!oldest || (kind.queued && left <= this.o.instances)) return undefined;
    oldest.running++;
    return [oldest, oldest.pieces[oldest.next++]!];
  }

  /** Ends a call once none of its pieces runs and it has all its vectors, failed or was aborted. */
  private settle(call: PoolCall): void {
    if (call.running > 0 || !this.calls.includes(call)) return;
    const over = call.failed || call.options.signal?.aborted;
    if (!over && call.done < call.texts.length) return;
    this.calls = this.calls.filter((c) => c !== call);
    call.end();
  }

  /** Embeds on the local instance once its calls before this one have ended. */
  private onLocal(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (this.o.localApart) return this.local.embed(texts, options); // (its Worker queues them)
    // A task first: the local model computes in this thread and its promise settles without
    // one, so a task between two local calls is what lets the helpers' answers in (each helper
    // then takes its next piece). Without it the local instance took every piece but the
    // helpers' first.
    const run = this.localTurn.then(nextTask).then(() => this.local.embed(texts, options));
    this.localTurn = run.catch(() => undefined);
    return run;
  }

  /** Stops the helpers and releases the local model. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.stopHelpers();
    await this.local.dispose?.();
  }

  private startHelpers(): void {
    clearTimeout(this.idleTimer);
    const { signal } = this.stopping;
    while (this.helpers.length < this.o.instances - 1) {
      this.helpers.push(
        this.o.startHelper(signal).catch((e: unknown) => {
          if (!signal.aborted)
            this.o.log?.(`engram: an embedding Worker did not start: ${String(e)}`);
          return undefined;
        }),
      );
    }
  }

  private drop(started: Promise<EmbedHelper | undefined>, helper: EmbedHelper): void {
    helper.terminate();
    this.helpers = this.helpers.filter((h) => h !== started);
    this.ready.delete(started);
    this.pump(); // the local instance takes pieces again if the helpers left no longer fill the cores
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
    this.ready.clear();
    // Those still loading are stopped now, not once loaded.
    this.stopping.abort();
    this.stopping = new AbortController();
    for (const h of started) void h.then((helper) => helper?.terminate());
  }
}
