import type { Embedder, LoadProgress } from '../embed/embedder';
import { EngramError } from '../errors';
import {
  Engine,
  type AddOptions,
  type AddResult,
  type EngineInfo,
  type GetAllOptions,
  type ProgressCallback,
  type SearchOptions,
} from '../engine/engine';
import { createEmbedder, type EmbedderSpec } from '../engine/embedder-spec';
import type { BackendChoice } from '../search/backend';
import type { LogVerification } from '../store/event-log';
import type { HistoryEntry, Memory, Metadata, Scope, SearchResult } from '../types';

/** Serialisable options for opening an engine (in a Worker or in the page). */
export interface HostOpenOptions {
  name: string;
  embedder: EmbedderSpec | Embedder;
  backend?: BackendChoice;
  maxTextLength?: number;
  blockRows?: number;
}

/**
 * The engine's API with callbacks as separate arguments, so the same object
 * can be exposed through Comlink (callbacks then arrive as proxies) or called
 * directly in the page or in Node.
 */
export class EngineHost {
  private engine: Engine | undefined;

  /** Builds the embedder and opens the store. */
  async open(
    options: HostOpenOptions,
    onLoadProgress?: (p: LoadProgress) => void,
    log?: (m: string) => void,
  ): Promise<EngineInfo> {
    if (this.engine) throw new EngramError('InvalidArgument', 'already open');
    const embedder = isEmbedder(options.embedder)
      ? options.embedder
      : await createEmbedder(options.embedder, onLoadProgress);
    const { embedder: _e, ...rest } = options;
    this.engine = await Engine.open({ ...rest, embedder, ...(log ? { log } : {}) });
    return this.engine.info();
  }

  info(): EngineInfo {
    return this.need().info();
  }
  add(text: string, options?: AddOptions): Promise<AddResult> {
    return this.need().add(text, options);
  }
  addMany(
    items: (AddOptions & { text: string })[],
    onProgress?: ProgressCallback,
  ): Promise<AddResult> {
    return this.need().addMany(items, onProgress ? { onProgress } : {});
  }
  search(query: string, options?: SearchOptions): Promise<{ results: SearchResult[] }> {
    return this.need().search(query, options);
  }
  get(id: string): Promise<Memory> {
    return this.need().get(id);
  }
  getAll(options?: GetAllOptions): Promise<{ results: Memory[] }> {
    return this.need().getAll(options);
  }
  update(id: string, text: string, options?: { metadata?: Metadata }): Promise<Memory> {
    return this.need().update(id, text, options);
  }
  delete(id: string): Promise<{ message: string }> {
    return this.need().delete(id);
  }
  deleteAll(scope: Scope): Promise<{ deleted: number }> {
    return this.need().deleteAll(scope);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return this.need().history(id);
  }
  verifyLog(): Promise<LogVerification> {
    return this.need().verifyLog();
  }
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.need().embed(texts);
  }
  reset(): Promise<void> {
    return this.need().reset();
  }
  dump(): Promise<Record<string, unknown[]>> {
    return this.need().dump();
  }
  async close(): Promise<void> {
    await this.engine?.close();
    this.engine = undefined;
  }

  private need(): Engine {
    if (!this.engine) throw new EngramError('StoreClosed', 'The store is not open');
    return this.engine;
  }
}

function isEmbedder(e: EmbedderSpec | Embedder): e is Embedder {
  return typeof (e as Embedder).embed === 'function';
}
