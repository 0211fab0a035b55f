// Entry of the dedicated Worker that runs the engine; the page talks to it through Comlink.
// A copy started with the name EMBED_WORKER_NAME serves one embedding model instead (the
// engine's Worker starts such copies to embed on several cores, and at open for the engine's
// own model). Each side imports its modules when it starts, so an embedding Worker loads the
// model's code only, not the engine's (≈ 0.4 MB of script compiled and run in each such Worker,
// on the cores the engine's open uses meanwhile).

// A message that comes while the modules load finds no listener yet: it is held here and
// handed on once the side's own listener is in place (Comlink's, or the embedding Worker's).
const held: MessageEvent[] = [];
const hold = (ev: MessageEvent): void => void held.push(ev);
globalThis.addEventListener('message', hold);
const handOn = (): void => {
  globalThis.removeEventListener('message', hold);
  for (const ev of held.splice(0))
    globalThis.dispatchEvent(new MessageEvent('message', { data: ev.data, ports: [...ev.ports] }));
};
// A side's modules failed to load: thrown from a task of its own, uncaught, so the side that
// started this Worker hears an `error` event (as when a static import fails).
const failed = (e: unknown): void => {
  globalThis.removeEventListener('message', hold);
  setTimeout(() => {
    throw e;
  });
};

/**
 * EMBED_WORKER_NAME (embed/embed-worker.ts), written out: this entry imports nothing
 * statically, so the side's modules are asked for as soon as its script has run.
 */
const EMBED = 'engram:embed';

if ((globalThis as { name?: string }).name === EMBED)
  Promise.all([import('../embed/embed-worker'), import('../engine/embedder-spec')])
    .then(([{ serveEmbedWorker }, { createEmbedder }]) => {
      serveEmbedWorker((spec, onLoadProgress) =>
        createEmbedder(spec as Parameters<typeof createEmbedder>[0], onLoadProgress),
      );
      handOn();
    })
    .catch(failed);
else
  Promise.all([import('comlink'), import('./engine-host'), import('./error-transfer')])
    .then(([{ expose, transfer }, { EngineHost }, { installErrorTransfer }]) => {
      /** Host whose `embed` transfers the vectors' buffers back instead of copying them. */
      class WorkerEngineHost extends EngineHost {
        override async embed(texts: string[]): Promise<Float32Array[]> {
          const vectors = await super.embed(texts);
          return transfer(
            vectors,
            vectors.map((v) => v.buffer as ArrayBuffer),
          );
        }
      }
      installErrorTransfer();
      expose(new WorkerEngineHost());
      handOn();
    })
    .catch(failed);
