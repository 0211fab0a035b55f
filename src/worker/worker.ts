// Entry of the dedicated Worker that runs the engine; the page talks to it through Comlink.
// A copy started with the name EMBED_WORKER_NAME serves one embedding model instead (the
// engine's Worker starts such copies to embed a large addMany on several cores).
import { expose, transfer } from 'comlink';
import { createEmbedder, type EmbedderSpec } from '../engine/embedder-spec';
import { EMBED_WORKER_NAME, serveEmbedWorker } from '../embed/embed-worker';
import { EngineHost } from './engine-host';
import { installErrorTransfer } from './error-transfer';

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

if ((globalThis as { name?: string }).name === EMBED_WORKER_NAME) {
  serveEmbedWorker((spec, onLoadProgress) => createEmbedder(spec as EmbedderSpec, onLoadProgress));
} else {
  installErrorTransfer();
  expose(new WorkerEngineHost());
}
