import type { Embedder } from '../embed/embedder';
import { EngramError } from '../errors';
import { forget, reinforce, restore, type ForgetOptions } from '../memory/forgetting';
import { historyFromEvents } from '../memory/history';
import { erase, type ErasureReceipt } from '../memory/erasure';
import { exportLines, type ExportOptions } from '../memory/export';
import {
  importLines,
  type ImportOptions,
  type ImportResult,
  type ImportSource,
} from '../memory/import';
import { activeRecord, deleteOne, deleteScope, update } from '../memory/edit';
import { adjacency, related, type RelatedMemory } from '../memory/links';
import { rebuild } from '../memory/replay';
import { verify, type VerifyReport } from '../memory/verify';
import { bindBudget, compact, type CompactOptions, type CompactResult } from '../memory/budget';
import { merge, unmerge, type MergeOptions, type MergeResult } from '../memory/merge';
import { RecallBuffer } from '../memory/recall-buffer';
import {
  addBatch,
  addMemories,
  type AddInput,
  type AddOptions,
  type AddManyItem,
  type AddResult,
} from '../memory/ingest';
import { toMemory } from '../memory/record-ops';
import type { BackendChoice } from '../search/backend-choice';
import { indexFootprint } from '../search/index-mode';
import { IvfIndex } from '../search/ivf-index';
import { lexicalChanges, lexicalRow } from '../retrieval/lexical-row';
import { verifyChain, type LogVerification } from '../store/event-log';
import { MemoryStore, type ChangeSet } from '../store/memory-store';
import { checkSecret, type EncryptionSecret } from '../store/data-key';
import type { EventRecord, MetaRecord } from '../store/records';
import { isLogMoved } from '../store/commit';
import type { HistoryEntry, Memory, Scope, SearchResult } from '../types';
import type { EngineCore, EngineSettings } from './core';
import { compileFilter } from './filters';
import { MemoryState } from './memory-state';
import { openIndex, type EngineIndexOptions } from './open-index';
import { runSearch, type SearchOptions } from './search';
import { StoreSync } from './store-sync';
import {
  sampleIds,
  SearchWarmUp,
  WARM_UP_IDLE_MS,
  WARM_UP_MIN_MEMORIES,
  WARM_UP_QUESTIONS,
  WARM_UP_SEARCHES,
  WARM_UP_TEXT_CHARS,
} from './warm-up';
import { catchUpState, loadState, readStagedRows } from './loading';
import { checkpointSettings, checkStoreOptions, engineSettings, MAX_DIM } from './options';
import type {
  CheckpointSettings,
  EngineInfo,
  EngineOptions,
  GetAllOptions,
  ProgressCallback,
  UpdateOptions,
} from './options';
import {
  checkId,
  checkLimit,
  checkOptionNames,
  checkScope,
  checkText,
  checkVector,
  inScope,
} from './validate';
import { ADD_MANY_OPTIONS, EXPORT_OPTIONS, GET_ALL_OPTIONS } from './option-names';
import { runBatch, type BatchResult, type ChangeSetWriter } from '../govern/batch';
import { rollback, type RollbackResult } from '../govern/rollback';
import { audit, type AuditEntry, type AuditOptions } from '../govern/audit';
import type { WriteTagOptions } from '../govern/write-tag';
import {
  accept,
  listPending,
  reject,
  type AcceptResult,
  type PendingOptions,
} from '../govern/pending';
import { feedback, type FeedbackVerdict } from '../govern/feedback';
import { trustReport, type SourceTrust } from '../govern/trust';
import { Replicator } from '../sync/replicator';
import { backgroundTimer, nextTask } from '../util/tasks';
import { applySyncDocs } from '../sync/apply-docs';
import { mergeOrder } from '../sync/merge-order';
import { checkSyncOptions, type SyncOptions, type SyncStatus } from '../sync/sync-options';
import { sealedCodec } from '../sync/doc-codec';
import { docIdKey, serverDataKey } from '../sync/sync-key';

export type { SearchOptions } from './search';
export type { VerifyCode, VerifyProblem, VerifyReport } from '../memory/verify';
export type { AddInput, AddManyItem, AddOptions, AddResult } from '../memory/ingest';
export type { BatchResult, ChangeSetWriter } from '../govern/batch';
export type { RollbackResult } from '../govern/rollback';
export type { AuditEntry, AuditOptions } from '../govern/audit';
export type { WriteTagOptions } from '../govern/write-tag';
export type { AcceptResult, PendingOptions } from '../govern/pending';
export type { FeedbackVerdict } from '../govern/feedback';
export type { SourceTrust, TrustOptions } from '../govern/trust';

export type {
  CheckpointOptions,
  EngineInfo,
  EngineOptions,
  GetAllOptions,
  ProgressCallback,
  UpdateOptions,
} from './options';

/**
 * Idle checkpoints a write may stop in a row: the next one runs to its end, and a write that
 * comes meanwhile waits for it (else a store written every few seconds, each write landing
 * within a checkpoint's pass, would never be checkpointed until `close()`).
 */
export const IDLE_CHECKPOINT_STOPS = 3;

/** Milliseconds after an open before its older vector blocks are rewritten as Blobs. */
export const OLDER_BLOCKS_AFTER_MS = 2000;

/**
 * Milliseconds after an open before the fp32 rows of an IVF index staged from its stored lists
 * are read in the background (until then each search reads the rows it rescores: ≈ 0.1–0.2 s
 * for 100 candidates at 100k here, against ≈ 1 s for every row, beside which searches slow).
 */
export const STAGED_ROWS_AFTER_MS = 1000;

/** Resolves after `ms` (true), or at once when `signal` aborts (false). */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = backgroundTimer(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/**
 * The memory engine: one IndexedDB store, one embedder, one vector index.
 * It runs in a Worker behind `Engram`, or directly (Node, tests). Verbs of
 * memory semantics live in `src/memory/*`; the engine holds the state they share.
 */
export class Engine {
  private appliedSeq = 0;
  /** Hash of the last event applied (undefined when unknown): tells a reset-and-refilled log apart. */
  private appliedHash: string | undefined = '';
  /** `derivedEpoch` of the stores the state was loaded from (see `MetaRecord.derivedEpoch`). */
  private appliedEpoch = 0;
  /** Log position of the stored checkpoint (-1: none), and when to write one. */
  private checkpointSeq = -1;
  /** Layout version of the IVF lists last read or stored (-1: none). */
  private savedLayout = -1;
  /**
   * Set by an erasure (here or caught up from another tab): the index still holds the erased
   * vectors until it is rebuilt from the store, so lists trained from them are not stored.
   */
  private layoutTainted = false;
  private checkpointing: CheckpointSettings | undefined;
  /** Armed after a write that makes a checkpoint due; fires after `idleMs` without writes. */
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** The idle checkpoint in flight (close waits for it). */
  private idleCheckpoint: Promise<void> = Promise.resolve();
  /**
   * The work after an open, if it runs (a staged index's rows read, older vector blocks
   * rewritten as Blobs), and its stop (close waits for it).
   */
  private afterOpenWork: Promise<void> = Promise.resolve();
  private afterOpenStop: AbortController | undefined;
  /**
   * Stops the idle checkpoint in flight (between two slices) when a write or a search comes;
   * undefined when none runs, or when it may not be stopped (see {@link IDLE_CHECKPOINT_STOPS}).
   */
  private idleStop: AbortController | undefined;
  /** Idle checkpoints stopped by a write or a search since one was last written. */
  private idleStops = 0;
  /**
   * Writes started and not finished (an `addMany` counts once for all its transactions): the
   * store is not idle while any runs, so the idle checkpoint waits (one that slipped in between
   * a bulk fill's transactions rewrote every memory each time: quadratic in the fill).
   */
  private writesInFlight = 0;
  private closed = false;
  private catchUp: Promise<void> = Promise.resolve();
  /**
   * Why the in-memory state may lag the store: set when catching up with other tabs and then
   * reloading both failed, cleared by the next successful load. While set, reads and writes
   * retry the reload first and fail with `OutOfSync` if it fails again.
   */
  private stale: unknown = undefined;
  private readonly core: EngineCore;
  /** While a write runs on the state as known (see `writeAsKnown`): the meta record it expects. */
  private expectMeta: MetaRecord | undefined;
  /** Recalls by search, written later and coalesced: searches never write. */
  private readonly recalls: RecallBuffer;
  /** Replication with a sync server, while started. */
  private replicator: Replicator | undefined;
  /** Warms the search path in idle time once the store is large enough (see `warm-up.ts`). */
  private readonly warmUp: SearchWarmUp;
  /**
   * The warm-up's built-in questions with their vectors and the ids of the memories whose texts
   * it also asks, made at its first search, dropped when it ends (all run, given up, closed).
   */
  private warmUpPlan:
    { questions: { text: string; vector: Float32Array }[]; ids: string[] } | undefined;

  private constructor(
    private readonly store: MemoryStore,
    private state: MemoryState,
    private readonly embedder: Embedder,
    private readonly sync: StoreSync,
    private readonly settings: EngineSettings,
    private readonly backend: BackendChoice,
    private backendReason: string,
    private indexOptions: EngineIndexOptions | undefined,
  ) {
    const self = this;
    this.core = {
      store,
      get state() {
        return self.state;
      },
      embedder,
      settings,
      ready: async () => {
        this.assertOpen();
        await this.current();
      },
      write: (fn, options) => this.write(fn, options?.rerun === true),
      commit: (change) => this.commitAndApply(change),
      embed: (texts, signal) => this.embedChecked(texts, signal),
      checkVector: (v) => this.checkVectorArg(v),
      reload: async () => {
        await this.replaceState();
        await this.loadAll();
      },
      recall: (ids) => this.recalls.record(ids),
    };
    this.recalls = new RecallBuffer(this.core, settings.recallFlushMs);
    this.warmUp = new SearchWarmUp(
      (i) => this.warmUpSearch(i),
      WARM_UP_SEARCHES,
      WARM_UP_IDLE_MS,
      nextTask,
      settings.log,
      () => {
        this.warmUpPlan = undefined; // done, given up or closed: nothing kept
      },
    );
  }

  /** Arms the idle warm-up when it is on and the store is large enough (see `warm-up.ts`). */
  private armWarmUp(): void {
    if (this.settings.warmUp && !this.closed && this.state.activeCount >= WARM_UP_MIN_MEMORIES)
      this.warmUp.want();
  }

  /**
   * Whether a memory can be a warm-up question: active, its text not blank. A memory still in
   * the checkpoint's columns is not made for it (its text was trimmed when written: not blank
   * when not empty).
   */
  private askable(id: string): boolean {
    const { records } = this.state;
    const row = records.loadedRowOf(id);
    if (row >= 0) return records.rowState(row) === 'active' && records.rowTextLength(row) > 0;
    const rec = records.get(id);
    return rec !== undefined && rec.state === 'active' && /\S/.test(rec.text);
  }

  /**
   * The i-th warm-up search: a default search that records nothing, for a built-in question
   * or a stored memory's text, in turn. The first round embeds each question as a search does
   * (the embedder's path warms too), later rounds pass the vectors embedded once; a memory's
   * text is read (and embedded) when asked, and skipped once the memory is no longer active.
   */
  private async warmUpSearch(i: number): Promise<void> {
    if (!this.warmUpPlan) {
      const vectors = await this.embedChecked([...WARM_UP_QUESTIONS]);
      this.warmUpPlan = {
        questions: WARM_UP_QUESTIONS.map((text, j) => ({ text, vector: vectors[j]! })),
        ids: sampleIds(this.state.records.keys(), (id) => this.askable(id), 8),
      };
    }
    const { questions, ids } = this.warmUpPlan;
    const k = i % (questions.length + ids.length);
    if (k < questions.length) {
      const q = questions[k]!;
      const firstRound = i < questions.length + ids.length;
      await runSearch(this.core, q.text, {
        reinforce: false,
        ...(firstRound ? {} : { vector: q.vector }),
      });
      return;
    }
    const rec = this.state.records.get(ids[k - questions.length]!);
    if (rec?.state === 'active')
      await runSearch(this.core, rec.text.slice(0, WARM_UP_TEXT_CHARS), { reinforce: false });
  }

  /** Opens (or creates) a store and loads it into memory. */
  static async open(options: EngineOptions): Promise<Engine> {
    if (!options || typeof options.name !== 'string' || options.name.length === 0) {
      throw new EngramError('InvalidArgument', 'name must be a non-empty string');
    }
    const { embedder } = options;
    // Every option is checked before anything is opened.
    const settings = engineSettings(options);
    const checkpointing = checkpointSettings(options.checkpoint);
    checkStoreOptions(options);
    if (
      typeof embedder?.id !== 'string' ||
      embedder.id === '' ||
      typeof embedder.embed !== 'function'
    )
      throw new EngramError('InvalidArgument', 'embedder must have an id and an embed function');
    checkLimit(embedder.dim, 0, MAX_DIM, 'embedder.dim');
    const encryption =
      options.encryption === undefined ? undefined : checkSecret(options.encryption);
    const syncOptions = options.sync === undefined ? undefined : checkSyncOptions(options.sync);
    // An encrypted store syncing joins the server's data key when it has one (a new device):
    // read and unwrapped before anything is opened, so a wrong passphrase writes nothing.
    const adoptKey =
      encryption && syncOptions ? await serverDataKey(syncOptions, encryption) : undefined;
    const store = await MemoryStore.open(
      options.name,
      { embedderId: embedder.id, dim: embedder.dim },
      {
        lexicalRow,
        onProblem: settings.log,
        ...(options.blockRows ? { blockRows: options.blockRows } : {}),
        ...(encryption ? { encryption } : {}),
        ...(adoptKey ? { adoptKey } : {}),
        now: settings.clock(),
      },
    );
    const backend = options.backend ?? 'auto';
    const chosen = await openIndex({
      dim: embedder.dim,
      backend,
      index: { ...options.index, gpuBudgetBytes: options.gpuBudgetBytes },
      log: settings.log,
    });
    settings.log(`engram: search backend ${chosen.backend} (${chosen.reason})`);
    let engine: Engine | undefined;
    const sync = new StoreSync(options.name, () => void engine?.catchUpNow());
    engine = new Engine(
      store,
      new MemoryState(chosen.index),
      embedder,
      sync,
      settings,
      backend,
      chosen.reason,
      { ...options.index, gpuBudgetBytes: options.gpuBudgetBytes },
    );
    engine.checkpointing = checkpointing;
    if (store.discarded)
      settings.log(
        `engram: store "${options.name}" was created at ${store.discarded.createdAt}, but its database is gone: ` +
          'the browser discarded it (Chromium deletes an IndexedDB it finds corrupt after a crash; see the README). ' +
          `It opens empty${syncOptions ? '; sync brings back what the server holds' : ''}.`,
      );
    await engine.loadAll();
    engine.armWarmUp();
    if (syncOptions)
      await engine.syncStart(syncOptions).catch(async (e: unknown) => {
        await engine.close();
        throw e;
      });
    return engine;
  }

  private async loadAll(): Promise<void> {
    const t0 = performance.now();
    // A reload (another tab reset the store) stops the work after the last load.
    this.afterOpenStop?.abort();
    const stop = new AbortController();
    this.afterOpenStop = stop;
    const loaded = await loadState(this.store, this.state, this.checkpointing);
    this.appliedSeq = loaded.appliedSeq;
    this.appliedHash = loaded.appliedHash;
    this.appliedEpoch = this.store.meta.derivedEpoch ?? 0;
    this.stale = undefined;
    this.checkpointSeq = loaded.checkpointSeq;
    // Lists stored without their codes (by an Engram before them) are stored again with them.
    this.savedLayout = loaded.layoutRestored && loaded.layoutCodes ? this.layoutVersion() : -1;
    await bindBudget(this.state, this.settings.clock)?.rebalance();
    if (loaded.fromCheckpoint) {
      this.settings.log(`engram: opened from the checkpoint at seq ${loaded.checkpointSeq}`);
    }
    if (loaded.layoutRestored)
      this.settings.log(
        `engram: IVF lists restored from the store${loaded.staged ? ' (staged from their codes, rows read in the background)' : ''}`,
      );
    const phases = Object.entries(loaded.phases).map(([k, ms]) => `${k} ${ms} ms`);
    this.settings.log(
      `engram: opened ${this.state.activeCount} memories in ${Math.round(performance.now() - t0)} ms (${phases.join(', ')})`,
    );
    this.afterOpen(stop, loaded.staged);
  }

  /**
   * Work after an open, in the background (close stops it and waits). With `staged` (an IVF
   * index staged from its stored lists and codes), its fp32 rows are read
   * {@link STAGED_ROWS_AFTER_MS} after the open (the first searches go first, reading the rows
   * they rescore), all at once as an open reads them, each block into the lists as it arrives;
   * searches then rescore from them. Then, when the store holds vector blocks an Engram before
   * schema 6 stored as ArrayBuffers, they are rewritten as Blobs (the next open is ≈ 0.7 s
   * faster at 100k here: `stored-bytes.ts`), {@link OLDER_BLOCKS_AFTER_MS} later, a block per
   * transaction and per task.
   */
  private afterOpen(stop: AbortController, staged: boolean): void {
    const index = this.state.index;
    const previous = this.afterOpenWork;
    this.afterOpenWork = (async () => {
      await previous;
      let step = 'IVF rows not read';
      try {
        if (
          staged &&
          index instanceof IvfIndex &&
          (await pause(STAGED_ROWS_AFTER_MS, stop.signal))
        ) {
          const t0 = performance.now();
          if (await readStagedRows(this.store, index, stop.signal))
            this.settings.log(
              `engram: IVF rows read in the background in ${Math.round(performance.now() - t0)} ms`,
            );
        }
        step = 'older vector blocks not rewritten';
        if (this.store.olderBlocks === 0 || !(await pause(OLDER_BLOCKS_AFTER_MS, stop.signal)))
          return;
        const rewritten = await this.store.storeOlderBlocksAsBlobs(stop.signal);
        const left = this.store.olderBlocks;
        this.settings.log(
          `engram: ${rewritten} vector blocks rewritten as Blobs${left ? ` (${left} left for the next open)` : ''}`,
        );
      } catch (e) {
        if (!stop.signal.aborted) this.settings.log(`engram: ${step}: ${String(e)}`);
      } finally {
        if (this.afterOpenStop === stop) this.afterOpenStop = undefined;
      }
    })();
  }

  /** Backend, embedder and size. */
  info(): EngineInfo {
    return {
      name: this.store.name,
      backend: this.state.index.kind,
      backendReason: this.backendReason,
      embedderId: this.embedder.id,
      dim: this.embedder.dim,
      count: this.state.activeCount,
      indexMode: indexFootprint(this.state.index).mode,
      residentBytesPerVector: indexFootprint(this.state.index).residentBytesPerVector,
      ...(this.state.index.building ? { indexBuilding: true as const } : {}),
      ...(this.warmUp.pending ? { warmingUp: true as const } : {}),
      ...(this.replicator ? { sync: this.replicator.status() } : {}),
      ...(this.store.discarded ? { discarded: { ...this.store.discarded } } : {}),
    };
  }

  /**
   * Remembers a text or a conversation. With `infer` (default true) facts are
   * extracted and consolidated against what is stored (ADD / UPDATE / DELETE /
   * NOOP, see `src/memory/consolidation.ts`); with `infer: false` the text, or
   * each message, is stored as it is. `skipped` lists what was not stored, and why.
   */
  async add(input: AddInput, options: AddOptions = {}): Promise<AddResult> {
    this.assertOpen();
    this.warmUp.callStarted();
    try {
      return await addMemories(this.core, input, options);
    } finally {
      this.armWarmUp(); // wanted now if the store grew past the threshold; armed once idle
      this.warmUp.callEnded();
    }
  }

  /**
   * Stores many texts as they are (no consolidation, no links unless `link: true`):
   * embedded in batches, written in transactions of up to 500 (128 when the model embeds
   * them; the model embeds the next chunk while one is written, and on several instances while
   * one is still embedded), progress as each is stored.
   * @param items - texts with their scope and metadata
   * @param options - progress callback, abort signal
   */
  async addMany(
    items: AddManyItem[],
    options: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
  ): Promise<AddResult> {
    this.assertOpen();
    if (!Array.isArray(items)) throw new EngramError('InvalidArgument', 'items must be an array');
    checkOptionNames(options, ADD_MANY_OPTIONS, 'addMany');
    this.writesInFlight++;
    this.stopIdleCheckpoint();
    this.warmUp.callStarted();
    try {
      return await addBatch(this.core, items, options);
    } finally {
      this.writesInFlight--;
      if (!this.closed) this.scheduleCheckpoint();
      this.armWarmUp();
      this.warmUp.callEnded();
    }
  }

  /** Finds the memories closest in meaning to `query`, within a scope, filter and time. */
  async search(query: string, options: SearchOptions = {}): Promise<{ results: SearchResult[] }> {
    this.assertOpen();
    // A pending idle checkpoint (a pass over every memory) waits until searches pause too; one
    // under way stops between two slices, as for a write (else every search while it ran waited
    // for the slice in progress: at 10k in Chromium, the slow 5 % of a burst of searches).
    if (this.idleTimer !== undefined) this.scheduleCheckpoint();
    else this.stopIdleCheckpoint('search');
    this.warmUp.callStarted();
    try {
      return await runSearch(this.core, query, options);
    } finally {
      this.warmUp.callEnded();
    }
  }

  /** Embeds texts with the store's embedder (e.g. to cache vectors for later `add`s). */
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.assertOpen();
    if (!Array.isArray(texts)) throw new EngramError('InvalidArgument', 'texts must be an array');
    return this.embedChecked(texts.map((t) => checkText(t, this.settings.maxTextLength)));
  }

  /** One active memory by id. @throws `NotFound` */
  async get(id: string): Promise<Memory> {
    this.assertOpen();
    await this.current();
    return toMemory(activeRecord(this.core, id));
  }

  /** All active memories in a scope and filter, oldest first. */
  async getAll(options: GetAllOptions = {}): Promise<{ results: Memory[] }> {
    this.assertOpen();
    checkOptionNames(options, GET_ALL_OPTIONS, 'getAll');
    const scope = checkScope(options);
    const match = compileFilter(options.filters);
    const limit = checkLimit(options.limit, 1000, Number.MAX_SAFE_INTEGER);
    await this.current();
    const out = [...this.state.records.values()]
      .filter((r) => r.state === 'active' && inScope(r, scope) && match(r.metadata))
      .sort((a, b) => a.createdAt - b.createdAt || a.slot - b.slot)
      .slice(0, limit);
    return { results: out.map(toMemory) };
  }

  /**
   * Replaces a memory's text: a new version; the old one is invalidated
   * (validTo, supersededAt), kept in history and reachable by `asOf`. @throws `NotFound`
   */
  async update(id: string, text: string, options: UpdateOptions = {}): Promise<Memory> {
    this.assertOpen();
    return update(this.core, id, text, options);
  }

  /**
   * Deletes a memory: out of every search and `getAll`; its history stays. @throws `NotFound`
   * @param options - `source` and `changeSet` recorded on the event
   */
  async delete(id: string, options?: WriteTagOptions): Promise<{ message: string }> {
    this.assertOpen();
    const { held } = await deleteOne(this.core, id, options);
    return {
      message: held
        ? 'Delete held pending: the source is trusted less than the memory (see pending())'
        : 'Memory deleted successfully!',
    };
  }

  /**
   * Runs `fn` with a writer whose add/addMany/update/delete share one new change-set id;
   * if `fn` throws, its writes are rolled back before the error is passed on.
   * @returns the change set's id and what `fn` returned
   */
  async batch<T>(fn: (tx: ChangeSetWriter) => Promise<T> | T): Promise<BatchResult<T>> {
    this.assertOpen();
    return runBatch(this, fn);
  }

  /**
   * Undoes a change set by appending compensating events: every memory it touched is as it
   * was before it (one it added is deleted). @throws `NotFound`, `Conflict` when later
   * writes changed one of its memories (nothing is written then)
   */
  async rollback(changeSet: string): Promise<RollbackResult> {
    this.assertOpen();
    return rollback(this.core, changeSet);
  }

  /** The changes in the log with their source and change set, oldest first (a read). */
  async audit(options?: AuditOptions): Promise<{ results: AuditEntry[] }> {
    this.assertOpen();
    return audit(this.core, options);
  }

  /** Pending memories (lower-trust changes held for review) in a scope, oldest first. A read. */
  async pending(options?: PendingOptions): Promise<{ results: Memory[] }> {
    this.assertOpen();
    return listPending(this.core, options);
  }

  /** Applies a pending change (its UPDATE or DELETE). @throws `NotFound` */
  async accept(id: string): Promise<AcceptResult> {
    this.assertOpen();
    return accept(this.core, id);
  }

  /** Drops a pending change; the memory it was held for is untouched. @throws `NotFound` */
  async reject(id: string): Promise<Memory> {
    this.assertOpen();
    return reject(this.core, id);
  }

  /** Feedback on a memory: evidence for or against its source's trust. @throws `NotFound` */
  async feedback(id: string, verdict: FeedbackVerdict): Promise<SourceTrust> {
    this.assertOpen();
    return feedback(this.core, id, verdict);
  }

  /** Every source with a prior or evidence, with its trust now. A read. */
  async trust(): Promise<{ results: SourceTrust[] }> {
    this.assertOpen();
    await this.current();
    return { results: trustReport(this.settings.trust, this.store.meta.trust) };
  }

  /** Deletes every memory in a scope (at least one of userId, agentId, runId). */
  async deleteAll(scope: Scope): Promise<{ deleted: number }> {
    this.assertOpen();
    return { deleted: await deleteScope(this.core, scope) };
  }

  /** A memory's changes, oldest first, derived from the event log. @throws `NotFound` */
  async history(id: string): Promise<HistoryEntry[]> {
    this.assertOpen();
    checkId(id);
    const events = await this.store.eventsFor(id);
    if (events.length === 0)
      throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    return historyFromEvents(id, mergeOrder(events));
  }

  /**
   * Starts replicating the event log with a CouchDB-compatible server (see README "Sync
   * across devices"): own events go up, other devices' come down and are applied here.
   * Resolves once local events are queued for the server and replication has started.
   * An encrypted store syncs end to end encrypted (README "Encryption and sync"): its first
   * start reads the server's key document, or publishes its own when the server has none.
   * @throws `InvalidArgument` for bad options, or when sync is already started;
   *   `KeyMismatch` when the server holds another data key than this encrypted store;
   *   `SyncFailed` when an encrypted store's first start cannot reach the server
   */
  async syncStart(options: SyncOptions): Promise<void> {
    this.assertOpen();
    const checked = checkSyncOptions(options);
    if (this.replicator) throw new EngramError('InvalidArgument', 'sync is already started');
    const store = this.store;
    const header = store.encryptionHeader;
    // An encrypted store seals every document whole (local PouchDB and server alike).
    const sealer = header && {
      header,
      sealText: (t: string, w: string, iv?: Uint8Array<ArrayBuffer>) => store.sealText(t, w, iv),
      openText: (t: string, w: string) => store.openText(t, w),
    };
    const replicator = new Replicator(
      {
        name: this.store.name,
        ownEventsSince: async (seq) => (await store.eventsSince(seq)).filter((e) => !e.origin),
        eventsOf: async (ids) => (await Promise.all(ids.map((id) => store.eventsFor(id)))).flat(),
        applyDocs: async (docs, device) => {
          let n = 0;
          await this.write(async () => {
            const logged = await applySyncDocs(this.core, docs, device);
            n = logged.length;
            return logged;
          });
          return n;
        },
        log: this.settings.log,
        ...(sealer
          ? {
              codec: async (local, remote) =>
                sealedCodec(sealer, await docIdKey(sealer, local, remote), this.settings.log),
            }
          : {}),
      },
      checked,
    );
    this.replicator = replicator;
    try {
      await replicator.start();
    } catch (e) {
      this.replicator = undefined;
      throw e;
    }
  }

  /** Stops replicating (what is queued is finished first). */
  async syncStop(): Promise<void> {
    const r = this.replicator;
    this.replicator = undefined;
    await r?.stop();
  }

  /**
   * Where sync stands, with `pending`: own events not yet sent to the server.
   * @returns undefined when sync is not started
   */
  async syncStatus(): Promise<(SyncStatus & { pending: number; device: string }) | undefined> {
    const r = this.replicator;
    if (!r) return undefined;
    await r.settled();
    return { ...r.status(), pending: await r.pending(), device: r.device };
  }

  /** Own events not yet on the server (undefined when sync is not started); waits for nothing queued. */
  async syncPending(): Promise<number | undefined> {
    return this.replicator?.pending().catch(() => undefined);
  }

  /** Checks the hash chain of the whole event log (payload hashes included). */
  async verifyLog(): Promise<LogVerification> {
    this.assertOpen();
    return verifyChain(await this.store.eventsSince(0, true));
  }

  /**
   * Cross-checks every derived store (memories, past versions, vectors, lexical rows, links,
   * checkpoint, meta) against the event log, and the log against its hash chain; returns
   * every mismatch with a typed code (see `VerifyCode`). A read: writes nothing, takes no
   * write lock. `rebuild()` repairs every problem but a broken chain or a log end unlike meta's.
   */
  async verify(): Promise<VerifyReport> {
    this.assertOpen();
    return verify(this.core, lexicalRow);
  }

  /** Adds to a memory's strength and restarts its forgetting clock. @throws `NotFound` */
  async reinforce(id: string): Promise<Memory> {
    this.assertOpen();
    return toMemory(await reinforce(this.core, id));
  }

  /** Archives active memories whose retention is below `belowRetention` (restorable). */
  async forget(options: ForgetOptions): Promise<{ archived: string[] }> {
    this.assertOpen();
    return forget(this.core, options);
  }

  /** Brings an archived memory back. @throws `NotFound` */
  async restore(id: string): Promise<Memory> {
    this.assertOpen();
    return toMemory(await restore(this.core, id));
  }

  /**
   * Memories linked to `id`, up to `depth` hops (default 1). @throws `NotFound`
   * @param options - `depth` (1..5), `limit` (default 100)
   */
  async related(
    id: string,
    options: { depth?: number; limit?: number } = {},
  ): Promise<{ results: RelatedMemory[] }> {
    this.assertOpen();
    return related(this.core, id, options);
  }

  /**
   * The link graph around some memories (for a retrieval stage such as
   * personalised PageRank): each id → its linked active memories, strongest first.
   */
  async links(ids: string[]): Promise<Record<string, { id: string; score: number }[]>> {
    this.assertOpen();
    if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string'))
      throw new EngramError('InvalidArgument', 'ids must be an array of strings');
    await this.current();
    return adjacency(this.state, ids);
  }

  /**
   * Erases a memory, or every memory of a scope: text, metadata, vectors,
   * links and the content of its past events (tombstones keep ids, times and
   * content hashes, so `verifyLog` still passes). @throws `NotFound`
   */
  async erase(target: string | Scope): Promise<ErasureReceipt> {
    this.assertOpen();
    return erase(this.core, target);
  }

  /**
   * Recreates every derived store (memories, versions, vectors, links) from the
   * event log alone, after checking its hash chain. @throws `CorruptStore` when the log does not verify
   */
  async rebuild(): Promise<{ events: number; memories: number }> {
    this.assertOpen();
    return rebuild(this.core);
  }

  /** The store as versioned JSON Lines (see `src/memory/export.ts`), one line at a time. */
  export(options: ExportOptions = {}): AsyncGenerator<string> {
    this.assertOpen();
    if (options === null || typeof options !== 'object')
      throw new EngramError('InvalidArgument', 'options must be an object');
    checkOptionNames(options, EXPORT_OPTIONS, 'export');
    for (const key of ['vectors', 'plaintext'] as const)
      if (options[key] !== undefined && typeof options[key] !== 'boolean')
        throw new EngramError('InvalidArgument', `${key} must be a boolean`);
    return exportLines(this.core, options);
  }

  /**
   * Reads an export: into an empty store (`mode: 'empty'`, default: the log is
   * copied and checked, everything else replayed from it) or merged (`'merge'`:
   * new ids only). Nothing is written unless the whole input is valid.
   */
  async import(source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
    this.assertOpen();
    return importLines(this.core, source, options);
  }

  /**
   * Fits the resident (GPU) index into `maxBytes` (default: the open budget):
   * the most valuable memories stay resident, the rest move to the cold tier
   * (still searched, on the CPU). Without a budget at open, sets one. With
   * `mergeThreshold`, near-duplicates are merged first (see {@link merge}).
   * @param options - `maxBytes`: the budget in bytes; `mergeThreshold` and a scope
   */
  async compact(options: CompactOptions = {}): Promise<CompactResult> {
    this.assertOpen();
    return compact(this.core, options, async (maxBytes) => {
      if (bindBudget(this.state, this.settings.clock)) return;
      this.indexOptions = { ...this.indexOptions, gpuBudgetBytes: maxBytes ?? Infinity };
      await this.replaceState();
      await this.loadAll();
    });
  }

  /**
   * Archives near-duplicates (cosine ≥ `threshold`, same scope) into one
   * representative per cluster, logged as `memory.merged`; reversed by {@link unmerge}.
   * @param options - `threshold` (default 0.97), a scope, `dryRun`
   */
  async merge(options: MergeOptions = {}): Promise<MergeResult> {
    this.assertOpen();
    return merge(this.core, options);
  }

  /**
   * Brings back a merged memory, or every memory merged into a representative,
   * exactly as it was before the merge. @throws `NotFound`
   */
  async unmerge(id: string): Promise<{ restored: Memory[] }> {
    this.assertOpen();
    return { restored: (await unmerge(this.core, id)).map(toMemory) };
  }

  /** Deletes every memory, vector and event of this store. */
  async reset(): Promise<void> {
    this.assertOpen();
    this.stopIdleCheckpoint();
    await this.sync.withWriteLock(async () => {
      await this.store.clear().catch((e: unknown) => {
        this.stale = e; // it may have emptied the store before failing: reload before the next call
        throw e;
      });
      this.recalls.clear();
      await this.replaceState();
      this.appliedSeq = 0;
      this.appliedHash = '';
      this.stale = undefined;
      this.checkpointSeq = -1;
    });
    this.sync.announce(-1);
  }

  /**
   * Writes the recalls by search buffered so far (one coalesced `memory.accessed` event per
   * memory) and waits for them; otherwise they are written in the background within
   * `recallFlushMs`, and by `close()`. Never throws: a failed write is logged and kept.
   */
  async flush(): Promise<void> {
    this.assertOpen();
    await this.recalls.flush();
  }

  /** Writes the buffered recalls by search, then closes the store; further calls throw `StoreClosed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.afterOpenStop?.abort();
    await this.afterOpenWork;
    await this.warmUp.close();
    await this.syncStop().catch(() => {});
    await this.recalls.close(); // never throws: a failed write is logged
    clearTimeout(this.idleTimer);
    await this.idleCheckpoint;
    await this.catchUp;
    await this.restoreLexical();
    if (this.checkpointDue() && !this.store.lexicalDropped) {
      await this.store
        .checkpoint({ slice: this.checkpointing?.sliceRows })
        .then((seq) => (this.checkpointSeq = seq))
        .catch((e: unknown) => this.settings.log(`engram: checkpoint failed: ${String(e)}`));
    }
    await this.saveLayout();
    this.closed = true;
    this.sync.close();
    this.store.close();
    this.state.index.dispose();
  }

  /**
   * Wraps the data key of an encrypted store under a new passphrase (or key): only the meta
   * record changes, no memory is rewritten. Under the write lock.
   * @param old - the passphrase or key the store opens with now
   * @param next - the one it opens with from now on
   * @throws `WrongKey` when `old` does not open it; `NotEncrypted` for an unencrypted store
   */
  async changePassphrase(old: string | CryptoKey, next: string | CryptoKey): Promise<void> {
    this.assertOpen();
    const [from, to] = [secretOf(old, 'old'), secretOf(next, 'new')];
    this.stopIdleCheckpoint();
    await this.sync.withWriteLock(async () => {
      this.assertOpen();
      await this.store.changeSecret(from, to);
    });
  }

  /** Raw dump of every IndexedDB store (tests, audits). */
  async dump(): Promise<Record<string, unknown[]>> {
    this.assertOpen();
    return this.store.dump();
  }

  // ---- internals ----

  /** A fresh, empty index and state (reset, rebuild). */
  private async replaceState(): Promise<void> {
    const { index } = await openIndex({
      dim: this.embedder.dim,
      backend: this.backend,
      index: this.indexOptions,
      log: this.settings.log,
    });
    this.state.index.dispose();
    this.state = new MemoryState(index);
    this.savedLayout = -1; // a new index: its lists were never stored
    this.layoutTainted = false; // its rows come from the store, where erased ones are zero
  }

  /** Commits a change set, then mirrors it in memory (vectors, records, links, erasures). */
  private async commitAndApply(change: ChangeSet): Promise<EventRecord[]> {
    // The lexical rows of what changes, in the same transaction (erasure drops its own rows).
    const lexical = lexicalChanges((id) => this.state.records.get(id), change.memories ?? []);
    const events = await this.store.commit({ ...change, lexical }, this.expectMeta);
    const rows = [...(change.vectors ?? [])].sort((a, b) => a.slot - b.slot);
    if (rows.length) {
      const dim = this.embedder.dim;
      const first = rows[0]!.slot;
      const buf = new Float32Array((rows[rows.length - 1]!.slot - first + 1) * dim);
      for (const r of rows) buf.set(r.vector, (r.slot - first) * dim);
      await this.state.appendVectors(first, buf);
    }
    // A rollback: the versions its change set made go before the records as they were come back.
    const from = new Map<string, number>();
    for (const [id, v] of change.dropVersions ?? []) from.set(id, Math.min(v, from.get(id) ?? v));
    for (const [id, version] of from) this.state.forgetVersions(id, version);
    if (change.erase) {
      this.layoutTainted = true;
      this.state.drop(change.erase.ids);
      this.checkpointSeq = -1; // deleted in the erasure's transaction
    }
    this.state.apply(change.memories ?? [], change.versions ?? []);
    this.state.noteRows(lexical.put); // the next search indexes these rows, not the text again
    this.state.addLinks(change.links ?? []);
    return events;
  }

  private checkVectorArg(v: unknown): Float32Array {
    if (!(v instanceof Float32Array))
      throw new EngramError('InvalidArgument', 'vector must be a Float32Array');
    checkVector(v, this.embedder.dim);
    return v;
  }

  private async embedChecked(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const vectors = await this.embedder.embed(texts, signal ? { signal } : {});
    if (vectors.length !== texts.length)
      throw new EngramError(
        'InvalidVector',
        `embedder returned ${vectors.length} vectors for ${texts.length} texts`,
      );
    for (const v of vectors) checkVector(v, this.embedder.dim);
    return vectors;
  }

  /**
   * Runs a write under the store lock, after catching up with other tabs; announces it.
   * The write runs only on a state level with the log: one that cannot be brought level
   * (catch-up and reload failed) refuses it with `OutOfSync`, so nothing is decided on stale data.
   */
  private async write(fn: () => Promise<EventRecord[]>, rerun = false): Promise<void> {
    this.writesInFlight++;
    this.stopIdleCheckpoint();
    try {
      await this.writeLocked(fn, rerun);
    } finally {
      this.writesInFlight--;
    }
  }

  /**
   * Under the lock: `fn` on the state as it is, when it may run twice (`rerun`) and the state is
   * level with the meta record last read or written here; its commit then checks that record
   * is still the one stored (else nothing is written: `fn` runs again after a catch-up).
   * @returns the committed events, or undefined when another tab wrote first
   */
  private async writeAsKnown(fn: () => Promise<EventRecord[]>): Promise<EventRecord[] | undefined> {
    await this.catchUp; // one under way (another tab announced a write) ends first
    const known = this.store.knownMeta;
    if (
      this.stale !== undefined ||
      known.lastSeq !== this.appliedSeq ||
      known.lastHash !== this.appliedHash ||
      (known.derivedEpoch ?? 0) !== this.appliedEpoch
    )
      return undefined;
    this.expectMeta = known;
    try {
      return await fn();
    } catch (e) {
      if (isLogMoved(e)) return undefined;
      throw e;
    } finally {
      this.expectMeta = undefined;
    }
  }

  private async writeLocked(fn: () => Promise<EventRecord[]>, rerun: boolean): Promise<void> {
    const events = await this.sync.withWriteLock(async () => {
      this.assertOpen();
      const fast = rerun ? await this.writeAsKnown(fn) : undefined;
      if (fast) {
        const last = fast[fast.length - 1];
        if (last) [this.appliedSeq, this.appliedHash] = [last.seq, last.hash];
        return fast;
      }
      await this.catchUpNow();
      const meta = await this.store.refreshMeta();
      if (this.stale === undefined && meta.lastSeq !== this.appliedSeq) {
        // Nobody else writes while we hold the lock, so this is a catch-up that missed events.
        this.stale = new Error(`state at seq ${this.appliedSeq}, log at ${meta.lastSeq}`);
        await this.catchUpNow();
      }
      this.assertCurrent();
      const done = await fn();
      const last = done[done.length - 1];
      if (last) [this.appliedSeq, this.appliedHash] = [last.seq, last.hash];
      return done;
    });
    const last = events[events.length - 1];
    if (last) {
      this.replicator?.committed(events);
      this.sync.announce(last.seq);
      this.scheduleCheckpoint();
    }
  }

  /** True when the store is big enough and far enough past its checkpoint for a new one. */
  private checkpointDue(): boolean {
    const c = this.checkpointing;
    return (
      c !== undefined &&
      this.state.records.size >= c.minMemories &&
      this.appliedSeq - this.checkpointSeq >= c.minEvents
    );
  }

  /**
   * After a write (and at a search while the timer is armed): when a checkpoint is due,
   * (re)arms the idle timer, so one is written once no write or search has come for `idleMs`
   * (a tab that is killed or closed without `close()` then still reopens from a recent
   * checkpoint; searches are not held up by its pass over every memory).
   */
  private scheduleCheckpoint(): void {
    const idleMs = this.checkpointing?.idleMs;
    if (idleMs === undefined || idleMs === false) return;
    if (!this.checkpointDue() && !this.store.lexicalDropped) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = backgroundTimer(() => {
      this.idleTimer = undefined;
      if (this.writesInFlight > 0) return this.scheduleCheckpoint(); // not idle: wait again
      this.idleCheckpoint = this.checkpointWhenIdle();
    }, idleMs);
  }

  /**
   * Writes back the lexical rows an erasure over quota dropped, when there is room again
   * (else logs and leaves them dropped: they are re-derived at open). Never throws.
   */
  private async restoreLexical(): Promise<void> {
    if (!this.store.lexicalDropped) return;
    await this.store.restoreLexical().then(
      () => this.settings.log('engram: lexical rows written back'),
      (e: unknown) => this.settings.log(`engram: lexical rows not written back yet: ${String(e)}`),
    );
  }

  /** The IVF index's layout version (-1: the index has no trained lists to keep). */
  private layoutVersion(): number {
    const index = this.state.index;
    return index instanceof IvfIndex && index.listCount > 0 ? index.layoutVersion : -1;
  }

  /**
   * Stores the IVF lists when they changed since they were read or last stored (so the next
   * open restores them instead of training them again); with checkpoints off, or after an
   * erasure while this index holds the erased vectors, nothing. Lists still training in the
   * background are not waited for. Never throws.
   */
  private async saveLayout(): Promise<void> {
    const index = this.state.index;
    if (!this.checkpointing || !(index instanceof IvfIndex) || this.layoutTainted) return;
    try {
      const version = this.layoutVersion();
      if (version < 0 || version === this.savedLayout) return;
      const layout = index.exportLayout();
      if (layout) {
        const { codes, ...lists } = layout;
        await this.store.writeIndexLayout(lists, codes);
      }
      this.savedLayout = version;
    } catch (e) {
      this.settings.log(`engram: IVF lists not stored: ${String(e)}`);
    }
  }

  /**
   * Writes the idle checkpoint under the write lock, in slices (`CheckpointPace`): a write or a
   * search arriving meanwhile stops it between two slices (nothing is written; it is armed again
   * and runs once both pause for `idleMs`), unless {@link IDLE_CHECKPOINT_STOPS} were stopped in
   * a row: then a search waits for one slice and a write for the whole of it. A failure is
   * logged, never thrown.
   */
  private async checkpointWhenIdle(): Promise<void> {
    const stop = this.idleStops < IDLE_CHECKPOINT_STOPS ? new AbortController() : undefined;
    this.idleStop = stop;
    try {
      await this.sync.withWriteLock(async () => {
        if (this.closed) return;
        if (stop?.signal.aborted)
          throw new EngramError('Aborted', 'a write or a search came first');
        await this.catchUpNow();
        if (this.stale !== undefined) return;
        await this.restoreLexical();
        if (!this.checkpointDue() || this.store.lexicalDropped) return;
        this.checkpointSeq = await this.store.checkpoint({
          slice: this.checkpointing?.sliceRows,
          signal: stop?.signal,
        });
        this.idleStops = 0;
        this.settings.log(`engram: checkpoint written at seq ${this.checkpointSeq} (idle)`);
        await this.saveLayout();
      });
    } catch (e) {
      if (stop?.signal.aborted) {
        this.idleStops++;
        const by = stop.signal.reason === 'search' ? 'a search' : 'a write';
        this.settings.log(`engram: idle checkpoint stopped by ${by} (armed again)`);
        if (!this.closed) this.scheduleCheckpoint();
      } else this.settings.log(`engram: idle checkpoint failed: ${String(e)}`);
    } finally {
      if (this.idleStop === stop) this.idleStop = undefined;
    }
  }

  /** A write (or a search) is coming: the idle checkpoint in flight, if it may be stopped, stops. */
  private stopIdleCheckpoint(by: 'write' | 'search' = 'write'): void {
    this.idleStop?.abort(by);
  }

  /** Waits for catch-up; when the state is stale, reloads it first. @throws `OutOfSync` */
  private async current(): Promise<void> {
    await this.catchUp;
    if (this.stale !== undefined) await this.catchUpNow();
    this.assertCurrent();
  }

  private assertCurrent(): void {
    if (this.stale !== undefined)
      throw new EngramError(
        'OutOfSync',
        'This tab could not load the writes made elsewhere; nothing was written',
        { cause: this.stale },
      );
  }

  /** Applies events written by other tabs since the last one applied here (never rejects). */
  private catchUpNow(): Promise<void> {
    this.catchUp = this.catchUp.then(() => this.catchUpOnce());
    return this.catchUp;
  }

  /**
   * Reads what other tabs wrote since `appliedSeq`. When that fails (it may have applied part
   * of what it read), or the log went backwards (reset elsewhere), or the state is already
   * stale, reloads everything; when the reload fails too, marks the state stale.
   */
  private async catchUpOnce(): Promise<void> {
    if (this.closed) return;
    if (this.stale === undefined) {
      try {
        const caught = await catchUpState(this.store, this.state, {
          seq: this.appliedSeq,
          hash: this.appliedHash,
          epoch: this.appliedEpoch,
        });
        if (caught === 'none') return;
        // Another tab wrote: what it wrote goes to the sync server from here.
        this.replicator?.committed([]);
        if (caught !== 'reset') {
          [this.appliedSeq, this.appliedHash] = [caught.seq, caught.hash];
          if (caught.erased) this.layoutTainted = true;
          this.settings.log(
            `engram: caught up to seq ${caught.seq} (${caught.changed} memories changed elsewhere)`,
          );
          return;
        }
      } catch (e) {
        this.settings.log(`engram: catch-up failed, reloading: ${String(e)}`);
      }
    }
    try {
      await this.replaceState();
      await this.loadAll();
    } catch (e) {
      this.stale = e;
      this.settings.log(`engram: reload failed: ${String(e)}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new EngramError('StoreClosed');
  }
}

/** A passphrase or key as an encryption secret. @throws `InvalidArgument` */
function secretOf(v: unknown, what: string): EncryptionSecret {
  return checkSecret(typeof v === 'string' ? { passphrase: v } : { key: v }, what);
}
