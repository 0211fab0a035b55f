// Entry of the dedicated Worker that runs the engine; the page talks to it through Comlink.
import { expose, transfer } from 'comlink';
import { EngineHost } from './engine-host';
import { installErrorTransfer } from './error-transfer';

installErrorTransfer();

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

expose(new WorkerEngineHost());
