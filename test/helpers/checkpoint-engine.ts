// The small Node engine the checkpoint tests open and reopen: hash embedder 16-d, CPU backend,
// the checkpoint setting under test, and its log lines collected.
import { Engine, type EngineOptions } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';

/** Opens (or reopens) store `name` with `checkpoint`; log lines go to `logs`. */
export function openCheckpointEngine(
  name: string,
  checkpoint: EngineOptions['checkpoint'],
  logs: string[] = [],
): Promise<Engine> {
  return Engine.open({
    name,
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
    checkpoint,
    log: (m) => void logs.push(m),
  });
}
