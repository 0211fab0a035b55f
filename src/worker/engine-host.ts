import { transfer } from 'comlink';
import type { Embedder, LoadProgress } from '../embed/embedder';
import { EngramError } from '../errors';
import {
  Engine,
  type AddInput,
  type AddOptions,
  type AddManyItem,
  type AddResult,
  type EngineInfo,
  type EngineOptions,
  type GetAllOptions,
  type ProgressCallback,
  type SearchOptions,
  type UpdateOptions,
} from '../engine/engine';
import type { ErasureReceipt } from '../memory/erasure';
import type { ExportOptions } from '../memory/export';
import type { ForgetOptions } from '../memory/forgetting';
import type { ImportOptions, ImportResult, ImportSource } from '../memory/import';
import type { RelatedMemory } from '../memory/links';
import type { LlmHook } from '../memory/llm';
import type { RewriteQuery } from '../retrieval/rewrite';
import {
  checkEmbedderSpec,
  createEmbedder,
  knownIdentity,
  type EmbedderSpec,
} from '../engine/embedder-spec';
import { LateEmbedder } from '../embed/late-embedder';
import type { CompactOptions, CompactResult } from '../memory/budget';
import type { MergeOptions, MergeResult } from '../memory/merge';
import type { LogVerification } from '../store/event-log';
import type { VerifyReport } from '../memory/verify';
import type { HistoryEntry, Memory, Scope, SearchResult } from '../types';
import type { Admit } from '../govern/admission';
import type { AuditEntry, AuditOptions } from '../govern/audit';
import type { RollbackResult } from '../govern/rollback';
import type { WriteTagOptions } from '../govern/write-tag';
import type { AcceptResult, PendingOptions } from '../govern/pending';
import type { FeedbackVerdict } from '../govern/feedback';
import type { SourceTrust } from '../govern/trust';
import type { SyncOptions, SyncStatus } from '../sync/sync-options';

/** How long {@link EngineHost.close} waits after stopping its embedding Workers, ms. */
const NESTED_WORKERS_SETTLE_MS = 50;

/**
 * Serialisable options for opening an engine (in a Worker or in the page):
 * the engine's own options, with the embedder as a spec or a live object
 * (functions — `clock`, `log` — stay on the side that calls `open`).
 */
export type HostOpenOptions = Omit<EngineOptions, 'embedder' | 'log' | 'clock' | 'admit'> & {
  embedder: EmbedderSpec | Embedder;
};

/**
 * The engine's API with callbacks as separate arguments, so the same object
 * can be exposed through Comlink (callbacks then arrive as proxies) or called
 * directly in the page or in Node.
 */
export class EngineHost {
  private engine: Engine | undefined;
  /** The embedder built here from a spec (disposed on close). */
  private ownEmbedder: Embedder | undefined;

  /**
   * Builds the embedder and opens the store.
   * @param admit - the admission hook, passed apart so it can cross the Worker as a proxy
   */
  async open(
    options: HostOpenOptions,
    onLoadProgress?: (p: LoadProgress) => void,
    log?: (m: string) => void,
    admit?: Admit,
    onSyncStatus?: SyncOptions['onStatus'],
  ): Promise<EngineInfo> {
    if (this.engine) throw new EngramError('InvalidArgument', 'already open');
    if (onSyncStatus && options.sync)
      options = { ...options, sync: { ...options.sync, onStatus: onSyncStatus } };
    const { embedder: spec, ...rest } = options;
    const openWith = (embedder: Embedder) =>
      Engine.open({
        ...rest,
        embedder,
        ...(log ? { log } : {}),
        ...(admit ? { admit: (fact, ctx) => admit(fact, ctx) } : {}),
      });
    if (isEmbedder(spec)) {
      this.engine = await openWith(spec);
      return this.engine.info();
    }
    checkEmbedderSpec(spec); // (before anything opens: the model may load while the store does)
    const loading = createEmbedder(spec, onLoadProgress, log);
    const known = knownIdentity(spec);
    if (!known) {
      this.ownEmbedder = await loading;
      this.engine = await openWith(this.ownEmbedder);
      return this.engine.info();
    }
    // The store opens while the model loads (its id and dimension are known before): in an
    // embedding Worker the load runs on another core. Open resolves once both are done.
    const [model, engine] = await Promise.allSettled([
      loading,
      openWith(new LateEmbedder(known.id, known.dim, loading)),
    ]);
    if (model.status === 'rejected' || engine.status === 'rejected') {
      if (engine.status === 'fulfilled') await engine.value.close().catch(() => undefined);
      if (model.status === 'fulfilled') await model.value.dispose?.().catch(() => undefined);
      throw model.status === 'rejected' ? model.reason : (engine as PromiseRejectedResult).reason;
    }
    this.ownEmbedder = model.value;
    this.engine = engine.value;
    return this.engine.info();
  }

  /** The engine's info; while sync runs, with `sync.pending`. */
  async info(): Promise<EngineInfo> {
    const e = this.need();
    const info = e.info();
    const pending = info.sync && (await e.syncPending());
    return pending === undefined || !info.sync
      ? info
      : { ...info, sync: { ...info.sync, pending } };
  }
  /**
   * @param llmExtract - `llm.extractFacts`, passed apart so it can cross the Worker as a proxy
   * @param llmDecide - `llm.decide`, likewise
   */
  add(
    input: AddInput,
    options?: AddOptions,
    llmExtract?: LlmHook['extractFacts'],
    llmDecide?: LlmHook['decide'],
  ): Promise<AddResult> {
    if (!llmExtract && !llmDecide) return this.need().add(input, options);
    const llm: LlmHook = { ...options?.llm };
    if (llmExtract) llm.extractFacts = (x) => llmExtract(x);
    if (llmDecide) llm.decide = (x) => llmDecide(x);
    return this.need().add(input, { ...options, llm });
  }
  addMany(items: AddManyItem[], onProgress?: ProgressCallback): Promise<AddResult> {
    return this.need().addMany(items, onProgress ? { onProgress } : {});
  }
  /** @param rewrite - `llm.rewriteQuery`, passed apart so it can cross the Worker as a proxy */
  search(
    query: string,
    options?: SearchOptions,
    rewrite?: RewriteQuery,
  ): Promise<{ results: SearchResult[] }> {
    if (!rewrite) return this.need().search(query, options);
    return this.need().search(query, { ...options, llm: { rewriteQuery: (q) => rewrite(q) } });
  }
  get(id: string): Promise<Memory> {
    return this.need().get(id);
  }
  getAll(options?: GetAllOptions): Promise<{ results: Memory[] }> {
    return this.need().getAll(options);
  }
  update(id: string, text: string, options?: UpdateOptions): Promise<Memory> {
    return this.need().update(id, text, options);
  }
  delete(id: string, options?: WriteTagOptions): Promise<{ message: string }> {
    return this.need().delete(id, options);
  }
  rollback(changeSet: string): Promise<RollbackResult> {
    return this.need().rollback(changeSet);
  }
  audit(options?: AuditOptions): Promise<{ results: AuditEntry[] }> {
    return this.need().audit(options);
  }
  pending(options?: PendingOptions): Promise<{ results: Memory[] }> {
    return this.need().pending(options);
  }
  accept(id: string): Promise<AcceptResult> {
    return this.need().accept(id);
  }
  reject(id: string): Promise<Memory> {
    return this.need().reject(id);
  }
  feedback(id: string, verdict: FeedbackVerdict): Promise<SourceTrust> {
    return this.need().feedback(id, verdict);
  }
  trust(): Promise<{ results: SourceTrust[] }> {
    return this.need().trust();
  }
  deleteAll(scope: Scope): Promise<{ deleted: number }> {
    return this.need().deleteAll(scope);
  }
  history(id: string): Promise<HistoryEntry[]> {
    return this.need().history(id);
  }
  /** @param onStatus - `options.onStatus`, passed apart so it can cross the Worker as a proxy */
  syncStart(options: SyncOptions, onStatus?: SyncOptions['onStatus']): Promise<void> {
    return this.need().syncStart(onStatus ? { ...options, onStatus } : options);
  }
  syncStop(): Promise<void> {
    return this.need().syncStop();
  }
  syncStatus(): Promise<(SyncStatus & { pending: number; device: string }) | undefined> {
    return this.need().syncStatus();
  }
  verifyLog(): Promise<LogVerification> {
    return this.need().verifyLog();
  }
  verify(): Promise<VerifyReport> {
    return this.need().verify();
  }
  reinforce(id: string): Promise<Memory> {
    return this.need().reinforce(id);
  }
  forget(options: ForgetOptions): Promise<{ archived: string[] }> {
    return this.need().forget(options);
  }
  restore(id: string): Promise<Memory> {
    return this.need().restore(id);
  }
  related(
    id: string,
    options?: { depth?: number; limit?: number },
  ): Promise<{ results: RelatedMemory[] }> {
    return this.need().related(id, options);
  }
  links(ids: string[]): Promise<Record<string, { id: string; score: number }[]>> {
    return this.need().links(ids);
  }
  erase(target: string | Scope): Promise<ErasureReceipt> {
    return this.need().erase(target);
  }
  rebuild(): Promise<{ events: number; memories: number }> {
    return this.need().rebuild();
  }
  /**
   * The export as a stream of lines (each ending in a newline). Marked for
   * transfer, so through Comlink it moves into the page instead of being copied.
   */
  export(options?: ExportOptions): ReadableStream<string> {
    const lines = this.need().export(options);
    const stream = new ReadableStream<string>({
      async pull(controller) {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(`${next.value}\n`);
      },
      async cancel() {
        await lines.return(undefined);
      },
    });
    return transfer(stream, [stream as unknown as Transferable]);
  }
  import(
    source: ImportSource,
    mode?: ImportOptions['mode'],
    onProgress?: ImportOptions['onProgress'],
  ): Promise<ImportResult> {
    return this.need().import(source, {
      ...(mode ? { mode } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  }
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.need().embed(texts);
  }
  compact(options?: CompactOptions): Promise<CompactResult> {
    return this.need().compact(options);
  }
  merge(options?: MergeOptions): Promise<MergeResult> {
    return this.need().merge(options);
  }
  unmerge(id: string): Promise<{ restored: Memory[] }> {
    return this.need().unmerge(id);
  }
  reset(): Promise<void> {
    return this.need().reset();
  }
  changePassphrase(old: string | CryptoKey, next: string | CryptoKey): Promise<void> {
    return this.need().changePassphrase(old, next);
  }
  dump(): Promise<Record<string, unknown[]>> {
    return this.need().dump();
  }
  flush(): Promise<void> {
    return this.need().flush();
  }
  async close(): Promise<void> {
    await this.engine?.close();
    this.engine = undefined;
    // The embedder built from a spec (its Workers stopped); a live one passed in is the app's.
    const own = this.ownEmbedder;
    this.ownEmbedder = undefined;
    if (!own) return;
    await own.dispose?.();
    // A pause before this Worker is ended in turn: its embedding Workers were just told to end,
    // and when the page ended this one right after, Chromium sometimes left it running for good
    // (its target still listed 105 s later: test/build/built-package.browser.test.ts failed in
    // ≈ 1 of 3 runs here; 0 of 9 with the pause). Cause in Chromium not traced.
    await new Promise((done) => setTimeout(done, NESTED_WORKERS_SETTLE_MS));
  }

  private need(): Engine {
    if (!this.engine) throw new EngramError('StoreClosed', 'The store is not open');
    return this.engine;
  }
}

function isEmbedder(e: EmbedderSpec | Embedder): e is Embedder {
  return typeof (e as Embedder).embed === 'function';
}
