// A model instance in a Worker of its own: the side that starts it and the side that serves it.
import { ERROR_CODES, EngramError, type ErrorCode } from '../errors';
import type { EmbedHelper } from './embed-pool';
import type { EmbedOptions, Embedder, LoadProgress } from './embedder';
import { checkTexts, throwIfAborted } from './util';

/**
 * The name an embedding Worker is started with: the engine's Worker script starts copies of
 * itself (its own URL, which survives any bundler) and a copy with this name serves a model.
 */
export const EMBED_WORKER_NAME = 'engram:embed';

/** A message to an embedding Worker. */
type Request = { load: unknown } | { id: number; texts: string[] };
/**
 * Its answers: the load's progress, loaded, vectors of a request, or an error (of the load when
 * `id` is absent).
 */
type Answer =
  | { progress: LoadProgress }
  | { ready: true }
  | { id: number; vectors: Float32Array[] }
  | { id?: number; error: { code?: string; message: string } };

interface WorkerScope {
  onmessage: ((ev: MessageEvent<Request>) => void) | null;
  postMessage(message: Answer, transfer?: Transferable[]): void;
}

/**
 * The type of the running Worker's script: a classic script can call `importScripts()`,
 * a module script cannot (a bundler such as webpack may turn a module Worker into a classic one).
 */
export function ownWorkerType(): WorkerType {
  try {
    (globalThis as unknown as { importScripts: () => void }).importScripts();
    return 'classic';
  } catch {
    return 'module';
  }
}

/**
 * Starts a copy of the running Worker's script as an embedding Worker, and loads `spec` in it.
 * @param spec - the embedder spec, as the engine got it (structured-cloneable)
 * @param onLoadProgress - told the model load's progress, as the Worker reports it
 * @param signal - stops the Worker, loaded or not (the promise then rejects with `WorkerFailed`)
 * @returns the helper once its model is loaded
 * @throws EngramError `WorkerFailed` when it does not start, or the error of the model load
 */
export function startEmbedWorker(
  spec: unknown,
  onLoadProgress?: (p: LoadProgress) => void,
  signal?: AbortSignal,
): Promise<EmbedHelper> {
  const worker = new Worker(globalThis.location.href, {
    type: ownWorkerType(),
    name: EMBED_WORKER_NAME,
  });
  const pending = new Map<
    number,
    { resolve: (v: Float32Array[]) => void; reject: (e: unknown) => void }
  >();
  let nextId = 1;
  let dead: EngramError | undefined;
  let loaded: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  const fail = (e: EngramError) => {
    dead ??= e;
    loaded?.reject(e);
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.addEventListener('error', (ev) => {
    ev.preventDefault();
    fail(new EngramError('WorkerFailed', `An embedding Worker failed: ${ev.message || 'error'}`));
    worker.terminate();
  });
  worker.addEventListener('message', (ev: MessageEvent<Answer>) => {
    const a = ev.data;
    if ('progress' in a) return onLoadProgress?.(a.progress);
    if ('ready' in a) return loaded?.resolve();
    const err =
      'error' in a
        ? new EngramError(
            a.error.code !== undefined && Object.hasOwn(ERROR_CODES, a.error.code)
              ? (a.error.code as ErrorCode)
              : 'WorkerFailed',
            a.error.message,
          )
        : undefined;
    if (a.id === undefined) return loaded?.reject(err);
    const p = pending.get(a.id);
    pending.delete(a.id);
    if (err) p?.reject(err);
    else if ('vectors' in a) p?.resolve(a.vectors);
  });
  const helper: EmbedHelper = {
    embed(texts) {
      if (dead) return Promise.reject(dead);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, texts } satisfies Request);
      });
    },
    terminate() {
      worker.terminate();
      fail(new EngramError('WorkerFailed', 'The embedding Worker was stopped.'));
    },
  };
  // Stopped while it loads as well: a Worker left loading would outlive its pool.
  signal?.addEventListener('abort', () => helper.terminate(), { once: true });
  if (signal?.aborted) helper.terminate();
  return new Promise<EmbedHelper>((resolve, reject) => {
    loaded = { resolve: () => resolve(helper), reject };
    if (dead) return reject(dead);
    worker.postMessage({ load: spec } satisfies Request);
  }).catch((e: unknown) => {
    worker.terminate();
    throw e;
  });
}

/**
 * Serves a model in this Worker: the first message loads it (`create(spec)`, its progress
 * reported), each later one is embedded, its vectors' buffers transferred back. Requests are
 * answered one at a time.
 * @param create - builds the embedder a spec describes
 */
export function serveEmbedWorker(
  create: (spec: unknown, onLoadProgress: (p: LoadProgress) => void) => Promise<Embedder>,
): void {
  const scope = globalThis as unknown as WorkerScope;
  let embedder: Promise<Embedder> | undefined;
  let queue: Promise<void> = Promise.resolve();
  const errorOf = (e: unknown) => ({
    message: e instanceof Error ? e.message : String(e),
    ...(typeof (e as { code?: unknown })?.code === 'string'
      ? { code: (e as { code: string }).code }
      : {}),
  });
  scope.onmessage = (ev) => {
    const m = ev.data;
    if ('load' in m) {
      embedder = create(m.load, (progress) => scope.postMessage({ progress }));
      embedder.then(
        () => scope.postMessage({ ready: true }),
        (e: unknown) => scope.postMessage({ error: errorOf(e) }),
      );
      return;
    }
    queue = queue.then(async () => {
      try {
        if (!embedder) throw new EngramError('WorkerFailed', 'no model loaded');
        const vectors = await (await embedder).embed(m.texts);
        scope.postMessage({ id: m.id, vectors }, [...new Set(vectors.map((v) => v.buffer))]);
      } catch (e) {
        scope.postMessage({ id: m.id, error: errorOf(e) });
      }
    });
  };
}

/**
 * An embedding Worker as an {@link Embedder}: the engine's own model instance run off its
 * thread. Texts are checked here (an error names the text's index in the call); the call is
 * one piece for the Worker, so progress comes once, at its end; `dispose` stops the Worker.
 * @param helper - a started embedding Worker ({@link startEmbedWorker})
 * @param id - its model's id
 * @param dim - its vectors' length
 */
export function embedderOf(helper: EmbedHelper, id: string, dim: number): Embedder {
  return {
    id,
    dim,
    async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
      checkTexts(texts);
      throwIfAborted(options.signal);
      const vectors = await helper.embed(texts);
      throwIfAborted(options.signal);
      options.onProgress?.({ done: texts.length, total: texts.length });
      return vectors;
    },
    async dispose(): Promise<void> {
      helper.terminate();
    },
  };
}
