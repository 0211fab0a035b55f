import { proxy, transfer, wrap, type Remote } from 'comlink';
import type { Embedder, LoadProgress } from './embed/embedder';
import type {
  AddInput,
  AddOptions,
  AddManyItem,
  AddResult,
  CheckpointOptions,
  EngineInfo,
  GetAllOptions,
  ProgressCallback,
  SearchOptions,
  UpdateOptions,
} from './engine/engine';
import type { ErasureReceipt } from './memory/erasure';
import type { ExportOptions } from './memory/export';
import type { ForgetOptions } from './memory/forgetting';
import type { ImportOptions, ImportResult, ImportSource } from './memory/import';
import type { RelatedMemory } from './memory/links';
import type { EmbedderSpec } from './engine/embedder-spec';
import { EngramError, isEngramError } from './errors';
import type { BackendChoice } from './search/backend-choice';
import type { IndexOptions } from './engine/open-index';
import type { CompactOptions, CompactResult } from './memory/budget';
import type { MergeOptions, MergeResult } from './memory/merge';
import type { LogVerification } from './store/event-log';
import type { VerifyReport } from './memory/verify';
import type { HistoryEntry, Memory, Scope, SearchResult } from './types';
import {
  ADD_OPTIONS,
  CHECKPOINT_OPTIONS,
  IMPORT_OPTIONS,
  INDEX_OPTIONS,
  ENCRYPTION_OPTIONS,
  SEARCH_OPTIONS,
} from './engine/option-names';
import { checkOptionNames, optionShape } from './engine/validate';
import type { EngineHost } from './worker/engine-host';
import type { Admit } from './govern/admission';
import type { AuditEntry, AuditOptions } from './govern/audit';
import { runBatch, type BatchResult, type ChangeSetWriter } from './govern/batch';
import type { RollbackResult } from './govern/rollback';
import type { WriteTagOptions } from './govern/write-tag';
import type { AcceptResult, PendingOptions } from './govern/pending';
import type { FeedbackVerdict } from './govern/feedback';
import type { SourceTrust, TrustOptions } from './govern/trust';
import type { EncryptionSecret } from './store/data-key';
import { installErrorTransfer } from './worker/error-transfer';
import { checkSendable } from './worker/sendable';
import {
  checkSyncOptions,
  SYNC_OPTION_SHAPE,
  type SyncOptions,
  type SyncStatus,
} from './sync/sync-options';

/** Options of {@link Engram.open}. */
export interface EngramOptions {
  /** Name of the store (its IndexedDB database). */
  name: string;
  /**
   * The embedder: a spec (built where the engine runs; default `{ type: 'use-lite' }`)
   * or a live {@link Embedder} object (then the engine runs in the page: `worker` must not be true).
   */
  embedder?: EmbedderSpec | Embedder;
  /** `'auto'` (default): WebGPU only where it beats the CPU path; `'webgpu'` or `'cpu'` to force. */
  backend?: BackendChoice;
  /** Run the engine in a dedicated Worker (default: true where `Worker` exists and the embedder is a spec). */
  worker?: boolean;
  /** Longest accepted text, characters (default 20 000). */
  maxTextLength?: number;
  /** Rows per stored vector block (default 4096). */
  blockRows?: number;
  /**
   * The vector index: `{ mode: 'int8' | 'binary' | 'fp16' }` scans a compact
   * code and rescores exactly; default `'auto'`: exact below 20 000 vectors, IVF past them
   * on the CPU (recall@10 ≈ 0.98 on real embeddings); `'fp32'`: exact at any size.
   * @example
   * const mem = await Engram.open({ name: 'notes', index: { mode: 'binary' } });
   * (await mem.info()).residentBytesPerVector; // 64 for 512-d (vs 2048 fp32)
   */
  index?: IndexOptions;
  /**
   * Most bytes the resident (GPU) index's vectors may take (default: no
   * budget). Past it, the least valuable memories (lowest retention ×
   * `metadata.importance`, default 1) move to a cold tier that is still
   * searched, on the CPU, in a second pass merged into the results.
   * @example
   * const mem = await Engram.open({ name: 'notes', gpuBudgetBytes: 64 << 20 });
   */
  gpuBudgetBytes?: number;
  /**
   * Search hits reinforce their memories (forgetting curve; default true). Searches do not
   * write: recalls are buffered and written in the background as one event per memory (see
   * `recallFlushMs`).
   */
  reinforceOnSearch?: boolean;
  /**
   * Warm the search path in idle time once the store holds 1 000 memories (default true): the
   * engine runs 100 searches of its own that write nothing, in pauses between calls, so the
   * first questions are as fast as later ones (see `EngineOptions.warmUp`).
   */
  warmUp?: boolean;
  /** Longest wait in ms of buffered recalls before they are written (default 10 000). */
  recallFlushMs?: number;
  /** Strength of a new memory in days (default 1), and what each recall adds (default 1). */
  initialStrength?: number;
  strengthIncrement?: number;
  /** Links on `add`: least cosine similarity (default 0.75) and most links per memory (default 5; 0 = off). */
  linkThreshold?: number;
  maxLinks?: number;
  /**
   * Checkpoints for fast opening of large stores (default on, for stores of 2000+ memories:
   * written at `close()` and after 2 s without writes, so a tab that is closed or killed
   * without `close()` still reopens fast; see `CheckpointOptions`); `false` turns them off.
   */
  checkpoint?: CheckpointOptions | false;
  /** Model-load progress (bytes per file, then init, then ready). */
  onLoadProgress?: (p: LoadProgress) => void;
  /** Diagnostics: backend choice and why, device loss, catch-up with other tabs. */
  log?: (message: string) => void;
  /**
   * The admission hook: `admit(fact, ctx)` sees every fact before consolidation — each
   * extracted fact of `add`, each message with `infer: false`, each `addMany` item, the new
   * text of `update` — and returns `'accept'`, `{ reject: reason }` (not stored; listed in
   * `skipped` as `'rejected: <reason>'`, and `update` throws `Rejected`) or
   * `{ redact: text }` (stored instead). `ctx` gives the operation, `source`, `changeSet`,
   * scope, metadata and speaker. It runs in the page (a proxied call per fact through the
   * Worker). A hook that throws or returns anything else fails the call with `AdmissionFailed`.
   * @example
   * import { Engram, redactPersonalData } from 'engram';
   * const mem = await Engram.open({ name: 'assistant', admit: redactPersonalData });
   * await mem.add('Mail me at ada@example.com', { infer: false }); // stored: 'Mail me at [email]'
   */
  admit?: Admit;
  /**
   * Prior trust of each write `source`, 0..1 (default `{ user: 1 }`; a source not named: 0.5).
   * A source's trust is the mean of a Beta posterior that starts at its prior (worth 10
   * observations) and moves with evidence: a consistent fact from another source confirms it,
   * contradicting a more trusted memory (or being contradicted by one) counts against it, as do
   * {@link Engram.reject} and `feedback(id, 'wrong')`. The evidence is kept in the store and
   * survives reopening. A lower-trust source never updates or deletes a higher-trust memory:
   * the change is held as a pending memory ({@link Engram.pending}); trust also weighs into
   * ranking (the rerank's `trust` feature, weight 0.5 unless `retrieval.rerank.features.trust`).
   * @example
   * const mem = await Engram.open({ name: 'assistant', trust: { user: 1, web: 0.3 } });
   * await mem.add('Ada lives in Berlin', { userId: 'ada' });
   * const r = await mem.add('Ada now lives in Rome', { userId: 'ada', source: 'web' });
   * r.results[0].event; // 'PENDING': Berlin stays; see mem.pending()
   */
  trust?: TrustOptions;
  /**
   * Encryption at rest: `{ passphrase }` or `{ key }` (a `CryptoKey` the app holds, AES-GCM or
   * AES-KW with usages wrapKey and unwrapKey; non-extractable is fine). Memory text, metadata,
   * vectors, past versions, lexical rows, event payloads, checkpoints and exports are sealed
   * with AES-GCM-256 under a random data key that this wraps (a passphrase through
   * PBKDF2-SHA-256, 600,000 iterations). Set up on a new, empty store; from then on the store
   * opens only with it. See the README, "Encryption at rest".
   * @example
   * const mem = await Engram.open({ name: 'diary', encryption: { passphrase: 'correct horse…' } });
   */
  encryption?: EncryptionSecret;
  /**
   * Starts sync at open (as {@link Engram.syncStart}). With `encryption`, a new device joins
   * an encrypted sync with the passphrase alone: its empty store is set up with the data key
   * the server holds (README "Encryption and sync"); `WrongKey` when the passphrase does not
   * open it (nothing written), `KeyMismatch` when this store holds memories under another key.
   * @example
   * const mem = await Engram.open({
   *   name: 'diary',
   *   encryption: { passphrase: 'correct horse…' },
   *   sync: { url: 'https://couch.example.com/alice-memory' },
   * });
   */
  sync?: SyncOptions;
}

type Host = EngineHost | Remote<EngineHost>;

/** The names {@link Engram.open} accepts (checked in the page, before a Worker starts). */
const ENGRAM_OPTIONS = optionShape<EngramOptions>(
  {
    name: true,
    embedder: true,
    backend: true,
    worker: true,
    maxTextLength: true,
    blockRows: true,
    index: true,
    gpuBudgetBytes: true,
    reinforceOnSearch: true,
    warmUp: true,
    recallFlushMs: true,
    initialStrength: true,
    strengthIncrement: true,
    linkThreshold: true,
    maxLinks: true,
    checkpoint: true,
    onLoadProgress: true,
    log: true,
    admit: true,
    trust: true,
    encryption: true,
    sync: true,
  },
  {
    index: INDEX_OPTIONS,
    checkpoint: CHECKPOINT_OPTIONS,
    encryption: ENCRYPTION_OPTIONS,
    sync: SYNC_OPTION_SHAPE,
  },
);

/**
 * A memory store for one app: add what the user said, search what matters.
 * Method names follow Mem0. Every method is async and throws
 * {@link EngramError}s with a stable `code`.
 *
 * @example
 * const mem = await Engram.open({ name: 'assistant' });
 * await mem.add('I moved to Paris in May', { userId: 'ada' });
 * const { results } = await mem.search('Where does Ada live?', { userId: 'ada', limit: 3 });
 */
export class Engram {
  private closed = false;

  private constructor(
    private readonly host: Host,
    private readonly worker: Worker | undefined,
    private engineInfo: EngineInfo,
  ) {}

  /**
   * Opens (or creates) a store; loads the embedder and the search index.
   * @param options - see {@link EngramOptions}
   * @throws `EmbedderMismatch` when the store was made with another embedder; `ModelLoadFailed`;
   *   `SchemaTooNew`; `CorruptStore`; `GpuUnavailable` when `backend: 'webgpu'` has no device
   */
  static async open(options: EngramOptions): Promise<Engram> {
    if (!options || typeof options !== 'object')
      throw new EngramError('InvalidArgument', 'options are required');
    checkOptionNames(options, ENGRAM_OPTIONS, 'open');
    if (options.sync !== undefined) checkSyncOptions(options.sync);
    for (const key of ['onLoadProgress', 'log', 'admit'] as const)
      if (options[key] !== undefined && typeof options[key] !== 'function')
        throw new EngramError('InvalidArgument', `${key} must be a function`);
    if (options.worker !== undefined && typeof options.worker !== 'boolean')
      throw new EngramError('InvalidArgument', 'worker must be a boolean');
    if (
      options.embedder !== undefined &&
      (typeof options.embedder !== 'object' || options.embedder === null)
    )
      throw new EngramError(
        'InvalidArgument',
        'embedder must be a spec such as { type: "use-lite" } or an Embedder',
      );
    const embedder = options.embedder ?? { type: 'use-lite' };
    const live = typeof (embedder as Embedder).embed === 'function';
    const useWorker = options.worker ?? (!live && typeof Worker !== 'undefined');
    if (useWorker && live)
      throw new EngramError(
        'InvalidArgument',
        'a live Embedder object cannot move into a Worker: pass a spec, or worker: false',
      );
    const { onLoadProgress, log, admit, worker: _w, ...rest } = options;
    const openOpts = { ...rest, embedder };
    // The status callback crosses into the Worker as a proxy, passed on its own (a function
    // nested in the options could not be cloned).
    const onStatus = rest.sync?.onStatus;
    if (onStatus && useWorker) {
      const { onStatus: _f, ...syncRest } = rest.sync!;
      openOpts.sync = syncRest;
    }
    if (!useWorker) {
      // Imported here: a page whose engine runs in the Worker loads none of the engine's code.
      const { EngineHost } = await import('./worker/engine-host');
      const host = new EngineHost();
      return new Engram(host, undefined, await host.open(openOpts, onLoadProgress, log, admit));
    }
    installErrorTransfer();
    warmIndexedDb();
    const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), {
      type: 'module',
      name: `engram:${options.name}`,
    });
    const host = wrap<EngineHost>(worker);
    // A Worker that fails to load never answers: turn its error event into a rejection.
    const failed = new Promise<never>((_, reject) =>
      worker.addEventListener('error', (ev) => {
        ev.preventDefault();
        const why = ev.message || 'could not load its script';
        reject(new EngramError('WorkerFailed', `The engine's Worker failed: ${why}`));
      }),
    );
    try {
      const opened = host.open(
        openOpts,
        onLoadProgress && proxy(onLoadProgress),
        log && proxy(log),
        admit && proxy(admit),
        onStatus && proxy(onStatus),
      );
      const info = await Promise.race([opened, failed]);
      return new Engram(host, worker, info);
    } catch (e) {
      worker.terminate();
      throw e;
    }
  }

  /** Backend in use (and why), embedder, dimension and number of memories at open. */
  async info(): Promise<EngineInfo> {
    this.engineInfo = await this.call(async (h) => h.info());
    return this.engineInfo;
  }

  /** True when the engine runs in a dedicated Worker. */
  get inWorker(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Remembers a text or a conversation. By default (`infer: true`) facts are
   * extracted (sentences of the user's messages, with speaker and time) and
   * consolidated against the nearest memories in the same scope: each becomes
   * an ADD, an UPDATE (new version; the old one invalidated), a DELETE (soft:
   * a retraction such as "I no longer …") or a NOOP (only when a memory already
   * holds every content token of the fact; it is reinforced). What is not stored
   * is listed in `skipped` with a reason (a question, a sentence too short, a
   * speaker not in `roles`, a repeat, a retraction with nothing to retract, …).
   * With `infer: false` the text, or each non-system message, is stored as it is.
   * @param input - a text, or chat messages `{ role, content, createdAt? }[]`
   * @param options - scope, `metadata`, `eventTime`, `infer`, `link`, `roles`,
   *   `consolidation` thresholds, an `llm` hook (Mem0's contract; its functions
   *   are proxied into the Worker), `vector` (with `infer: false`)
   * @throws `EmptyText`, `TextTooLarge`, `InvalidArgument`, `LlmFailed`
   * @example
   * await mem.add([{ role: 'user', content: 'I live in Paris now.' }], { userId: 'ada' });
   * // { results: [{ id, memory: 'I live in Paris now.', event: 'UPDATE', previousMemory: 'I live in Berlin.' }],
   * //   skipped: [] }
   * await mem.add('ok', { userId: 'ada' });
   * // { results: [], skipped: [{ text: 'ok', reason: 'too short' }] }
   */
  async add(input: AddInput, options?: AddOptions): Promise<AddResult> {
    // Checked here too: the llm hook's functions are taken apart before they cross.
    checkOptionNames(options, ADD_OPTIONS, 'add');
    if (!this.worker || !options?.llm)
      return this.call((h) => h.add(input, this.out(options)), [input, options]);
    const { llm, ...rest } = options;
    return this.call(
      (h) =>
        h.add(
          input,
          this.out(rest),
          llm.extractFacts && proxy(llm.extractFacts),
          llm.decide && proxy(llm.decide),
        ),
      [input, rest],
    );
  }

  /**
   * Stores many memories as they are, with progress (no consolidation; links only
   * for items with `link: true`; embedded in batches, written in few transactions).
   * @param items - each a text with its scope, metadata and optional vector
   * @param onProgress - called as chunks are stored
   */
  addMany(items: AddManyItem[], onProgress?: ProgressCallback): Promise<AddResult> {
    const cb = onProgress && this.worker ? proxy(onProgress) : onProgress;
    if (!this.worker || !Array.isArray(items))
      return this.call((h) => h.addMany(items, cb), [items]);
    // Each vector is copied into its own buffer, and the copies move into the Worker.
    const sent = items.map((i) =>
      isFloat32Array(i?.vector) ? { ...i, vector: copyOf(i.vector) } : i,
    );
    const buffers = sent.flatMap((i) => (isFloat32Array(i?.vector) ? [i.vector.buffer] : []));
    return this.call((h) => h.addMany(transfer(sent, buffers), cb), [items]);
  }

  /**
   * Memories closest in meaning to `query`, best first.
   * @param query - the question or cue
   * @param options - scope, metadata `filters` (applied before top-k), `limit` (default 10),
   *   `asOf` (event time travel), `recordedAsOf` (transaction time: what was believed then)
   *   or `includeSuperseded` (past versions, marked `superseded`),
   *   `retentionWeight` (0..1, default 0), `reinforce` (default true: hits are recalled), optional `vector`,
   *   `retrieval` stages, an `llm` hook with `rewriteQuery` (proxied into the Worker)
   * @throws `InvalidArgument`, `LlmFailed`
   * @example
   * await mem.search('Where does Ada live?', { userId: 'ada', asOf: '2021-06-01' });
   */
  async search(query: string, options?: SearchOptions): Promise<{ results: SearchResult[] }> {
    checkOptionNames(options, SEARCH_OPTIONS, 'search');
    const rewrite = options?.llm?.rewriteQuery;
    if (!this.worker || typeof rewrite !== 'function')
      return this.call((h) => h.search(query, this.out(options)), [query, options]);
    const { llm: _llm, ...rest } = options!;
    return this.call((h) => h.search(query, this.out(rest), proxy(rewrite)), [query, rest]);
  }

  /** One memory. @throws `NotFound` */
  get(id: string): Promise<Memory> {
    return this.call((h) => h.get(id), [id]);
  }

  /** Active memories in a scope and filter, oldest first (default limit 1000). */
  getAll(options?: GetAllOptions): Promise<{ results: Memory[] }> {
    return this.call((h) => h.getAll(options), [options]);
  }

  /**
   * Changes a memory's text: a new version; the old one is invalidated (its
   * `validTo` is the new `eventTime`, default now) and stays reachable by `asOf`. @throws `NotFound`
   * @param options - `metadata` (default: keep), `eventTime`
   */
  update(id: string, text: string, options?: UpdateOptions): Promise<Memory> {
    return this.call((h) => h.update(id, text, options), [id, text, options]);
  }

  /**
   * Deletes a memory (out of search and `getAll`; its history stays). @throws `NotFound`
   * @param options - `source` and `changeSet`, recorded on the event
   */
  delete(id: string, options?: WriteTagOptions): Promise<{ message: string }> {
    return this.call((h) => h.delete(id, options), [id, options]);
  }

  /**
   * Groups writes into one change set: `fn` gets a writer `tx` whose `add`, `addMany`,
   * `update` and `delete` all carry the same new change-set id (recorded on their events,
   * listed by `audit({ changeSet })`). The writes are not one transaction: each commits as
   * it is made. If `fn` throws, the writes it made are rolled back and the error is passed
   * on. Undo it later with {@link rollback}.
   * @returns `{ changeSet, result }`: the id and what `fn` returned
   * @throws what `fn` threw; `Conflict` when it threw and other writes had meanwhile changed
   *   the batch's memories (they were then not rolled back; `cause` is what `fn` threw)
   * @example
   * const { changeSet } = await mem.batch(async (tx) => {
   *   await tx.add('I moved to Paris', { userId: 'ada' });
   *   await tx.delete(oldId);
   * });
   * await mem.rollback(changeSet); // as before the batch
   */
  batch<T>(fn: (tx: ChangeSetWriter) => Promise<T> | T): Promise<BatchResult<T>> {
    if (this.closed) return Promise.reject(new EngramError('StoreClosed'));
    return runBatch(this, fn);
  }

  /**
   * Undoes a change set (see {@link batch}, or writes given the same `changeSet` option) by
   * appending compensating `memory.rolledBack` events — the log stays append-only and
   * hash-chained: each memory it changed gets back exactly the record it had before (text,
   * metadata, version, times; the past versions it made are removed), each memory it added
   * is deleted. `history` shows ROLLBACK. Recalls by search since then are undone too.
   * @returns the memories restored and those removed
   * @throws `Conflict` (nothing written; `details.ids` and `details.seqs` name the memories
   *   and events) when a later write — update, delete, merge, forget, erase, another change
   *   set — changed one of its memories, or it was already rolled back; `NotFound` when no
   *   event carries that change set
   */
  rollback(changeSet: string): Promise<RollbackResult> {
    return this.call((h) => h.rollback(changeSet), [changeSet]);
  }

  /**
   * The changes in the log, oldest first — each with its memory, event (as in `history`),
   * actor, `source` and `changeSet`; recalls by search and links are left out. A read.
   * @param options - `since` (a time), `source`, `changeSet` (its writes and its rollback), `limit` (default 1000)
   * @example
   * await mem.audit({ source: 'web', since: Date.now() - 86_400_000 });
   */
  audit(options?: AuditOptions): Promise<{ results: AuditEntry[] }> {
    return this.call((h) => h.audit(options), [options]);
  }

  /**
   * Pending memories, oldest first: facts from a lower-trust source that would have updated
   * or deleted a more trusted memory, held for review (state `'pending'`; `pendingFor` names
   * the memory and the change). They are found by no search. A read.
   * @param options - a scope (`userId`, `agentId`, `runId`), `limit` (default 1000)
   * @example
   * for (const p of (await mem.pending({ userId: 'ada' })).results)
   *   console.log(p.source, p.memory, '→', p.pendingFor);
   */
  pending(options?: PendingOptions): Promise<{ results: Memory[] }> {
    return this.call((h) => h.pending(options), [options]);
  }

  /**
   * Applies a pending change: the UPDATE (the memory gets its text; a new version) or DELETE
   * (the memory is invalidated) it held, logged with actor `'accept'` and the pending fact's
   * source, which gains a confirmation. If that memory is gone, a held update becomes a
   * memory of its own (`event: 'ADD'`). `history` and `audit` show ACCEPT.
   * @throws `NotFound` when `id` is not a pending memory (nothing written)
   */
  accept(id: string): Promise<AcceptResult> {
    return this.call((h) => h.accept(id), [id]);
  }

  /**
   * Drops a pending change (the pending memory is deleted; the memory it was held for stays
   * as it is); its source gains a contradiction. `history` and `audit` show REJECT.
   * @returns the pending memory, now deleted
   * @throws `NotFound` when `id` is not a pending memory (nothing written)
   */
  reject(id: string): Promise<Memory> {
    return this.call((h) => h.reject(id), [id]);
  }

  /**
   * Says whether a memory is right: `'correct'` confirms its source, `'wrong'` counts
   * against it (a `memory.feedback` event; the memory itself is unchanged).
   * @returns its source's trust after it
   * @throws `NotFound` (no such memory), `InvalidArgument` (another verdict)
   * @example
   * const { trust } = await mem.feedback(id, 'wrong');
   */
  feedback(id: string, verdict: FeedbackVerdict): Promise<SourceTrust> {
    return this.call((h) => h.feedback(id, verdict), [id, verdict]);
  }

  /**
   * The trust of every source with a prior or evidence: `prior`, `confirmed`, `contradicted`
   * and the posterior `trust` that ranking and consolidation use. A read.
   */
  trust(): Promise<{ results: SourceTrust[] }> {
    return this.call((h) => h.trust());
  }

  /**
   * Deletes every memory of a scope, pending ones included; at least one of `userId`,
   * `agentId`, `runId` is required.
   */
  deleteAll(scope: Scope): Promise<{ deleted: number }> {
    return this.call((h) => h.deleteAll(scope), [scope]);
  }

  /**
   * A memory's changes, oldest first (ADD, UPDATE, DELETE, …; PENDING, ACCEPT, REJECT and
   * FEEDBACK for trust), from the event log. @throws `NotFound`
   */
  history(id: string): Promise<HistoryEntry[]> {
    return this.call((h) => h.history(id), [id]);
  }

  /**
   * Starts replicating this store's event log with a CouchDB-compatible server (README
   * "Sync across devices"); `onStatus` is called as the status changes.
   * @throws `InvalidArgument` for bad options, or when sync is already started
   */
  async syncStart(options: SyncOptions): Promise<void> {
    // Checked here (a rejection, as from the Worker): a function cannot be cloned into the
    // Worker, so `onStatus` crosses as a proxy, on its own.
    const { onStatus, ...rest } = checkSyncOptions(options);
    const cb = onStatus && this.worker ? proxy(onStatus) : onStatus;
    return this.call((h) => h.syncStart(rest, cb));
  }

  /** Stops replicating (what is queued finishes first). */
  syncStop(): Promise<void> {
    return this.call((h) => h.syncStop());
  }

  /** Where sync stands (`pending`: own events not yet on the server); undefined when stopped. */
  syncStatus(): Promise<(SyncStatus & { pending: number; device: string }) | undefined> {
    return this.call((h) => h.syncStatus());
  }

  /** Verifies the hash chain of the event log (payload hashes included; erased payloads are counted). */
  verifyLog(): Promise<LogVerification> {
    return this.call((h) => h.verifyLog());
  }

  /**
   * Cross-checks every derived store (memories, past versions, vectors, lexical rows, links,
   * checkpoint, meta) against the event log, and the log against its hash chain. A read: it
   * writes nothing and takes no write lock. `rebuild()` repairs every problem it reports but
   * `ChainBroken` (a damaged log event, named by its seq) and a log end unlike meta's.
   * @returns `{ ok, events, memories, problems: [{ code, seq?, id?, store?, slot?, message }] }`
   * @example
   * const report = await mem.verify();
   * if (!report.ok) console.warn(report.problems); // then: await mem.rebuild()
   */
  verify(): Promise<VerifyReport> {
    return this.call((h) => h.verify());
  }

  /**
   * Adds to a memory's strength S (days) and restarts its forgetting clock. @throws `NotFound`
   * @param id - an active memory
   */
  reinforce(id: string): Promise<Memory> {
    return this.call((h) => h.reinforce(id), [id]);
  }

  /**
   * Archives active memories whose retention exp(-Δt/S) is below a bound: out
   * of search and `getAll`, kept in the log, back with `restore`.
   * @param options - `belowRetention` (0 < b ≤ 1, required) and an optional scope
   * @example
   * await mem.forget({ belowRetention: 0.05, userId: 'ada' });
   */
  forget(options: ForgetOptions): Promise<{ archived: string[] }> {
    return this.call((h) => h.forget(options), [options]);
  }

  /** Brings an archived memory back (its forgetting clock restarts). @throws `NotFound` */
  restore(id: string): Promise<Memory> {
    return this.call((h) => h.restore(id), [id]);
  }

  /**
   * Memories linked to `id` (links are made on insert to the nearest memories
   * in the same scope), breadth-first up to `depth` hops. @throws `NotFound`
   * @param options - `depth` (1..5, default 1), `limit` (default 100)
   */
  related(
    id: string,
    options?: { depth?: number; limit?: number },
  ): Promise<{ results: RelatedMemory[] }> {
    return this.call((h) => h.related(id, options), [id, options]);
  }

  /** The link graph around some memories: id → linked active memories, strongest first. */
  links(ids: string[]): Promise<Record<string, { id: string; score: number }[]>> {
    return this.call((h) => h.links(ids), [ids]);
  }

  /**
   * Erases a memory, or every memory of a scope: its text, metadata, vectors and
   * links leave every object store, and its past events become tombstones that
   * keep only ids, times and content hashes (so `verifyLog` still passes).
   * @param target - an id, or a scope with at least one of userId, agentId, runId
   * @returns a receipt: ids, tombstoned events with their hashes, the log's head and its check
   */
  erase(target: string | Scope): Promise<ErasureReceipt> {
    return this.call((h) => h.erase(target), [target]);
  }

  /** Recreates memories, versions, vectors and links from the event log alone. @throws `CorruptStore` */
  rebuild(): Promise<{ events: number; memories: number }> {
    return this.call((h) => h.rebuild());
  }

  /**
   * The store as versioned JSON Lines (header, memories, versions, links,
   * events; vectors as base64 of Float32 unless `vectors: false`), one line per chunk.
   * @example
   * const blob = await new Response((await mem.export()).pipeThrough(new TextEncoderStream())).blob();
   */
  export(options?: ExportOptions): Promise<ReadableStream<string>> {
    return this.call(async (h) => h.export(options), [options]);
  }

  /**
   * Reads an export into an empty store (`mode: 'empty'`, default; the log is
   * copied and checked) or merges it (`'merge'`: new ids only). Nothing is
   * written unless the whole input is valid.
   * @param source - JSONL text, lines, an async iterable of lines or a ReadableStream of text
   * @throws `NotEmpty`, `InvalidImport`, `EmbedderMismatch`
   */
  async import(source: ImportSource, options?: ImportOptions): Promise<ImportResult> {
    checkOptionNames(options, IMPORT_OPTIONS, 'import');
    let input = source;
    if (this.worker && typeof input !== 'string' && !(input instanceof ReadableStream)) {
      if (
        typeof input !== 'object' ||
        input === null ||
        !(Symbol.asyncIterator in input || Symbol.iterator in input)
      )
        throw new EngramError('InvalidArgument', 'import needs JSONL text, lines or a stream');
      const lines: string[] = [];
      for await (const l of input as AsyncIterable<string>) lines.push(l);
      input = lines;
    }
    const cb = options?.onProgress && this.worker ? proxy(options.onProgress) : options?.onProgress;
    const sent =
      this.worker && input instanceof ReadableStream
        ? transfer(input, [input as unknown as Transferable])
        : input;
    return this.call((h) => h.import(sent, options?.mode, cb), [input, options?.mode]);
  }

  /** Embeds texts with the store's embedder (vectors are transferred, not copied, from the Worker). */
  embed(texts: string[]): Promise<Float32Array[]> {
    return this.call((h) => h.embed(texts), [texts]);
  }

  /**
   * Wraps an encrypted store's data key under a new passphrase (or key): only the meta record
   * changes, no memory is rewritten; the old passphrase no longer opens the store.
   * @param old - the passphrase (or key) it opens with now
   * @param next - the one it opens with from now on
   * @throws `WrongKey` when `old` does not open it; `NotEncrypted` for an unencrypted store
   */
  changePassphrase(old: string | CryptoKey, next: string | CryptoKey): Promise<void> {
    return this.call((h) => h.changePassphrase(old, next));
  }

  /** Raw dump of every IndexedDB object store (audits and tests). */
  dump(): Promise<Record<string, unknown[]>> {
    return this.call((h) => h.dump());
  }

  /**
   * Fits the resident (GPU) index into `maxBytes`: the most valuable memories
   * stay resident, the rest move to the cold tier (still searched, on the CPU).
   * With `mergeThreshold`, near-duplicates are merged first (see {@link Engram.merge}).
   * @param options - `maxBytes`: the budget (default: the one given at open);
   *   `mergeThreshold` (0 < t ≤ 1) and a scope for merging
   * @example
   * const { hot, cold, residentBytes } = await mem.compact({ maxBytes: 8 << 20 });
   * const { merge } = await mem.compact({ maxBytes: 8 << 20, mergeThreshold: 0.97 });
   */
  compact(options: CompactOptions = {}): Promise<CompactResult> {
    return this.call((h) => h.compact(options), [options]);
  }

  /**
   * Merges near-duplicates: in each scope (userId, agentId, runId), memories
   * whose vectors are within `threshold` cosine of a more valuable one
   * (retention × importance; ties → the older) are archived into it, logged
   * as `memory.merged` (history shows MERGE). They leave search and `getAll`;
   * `unmerge` brings them back as they were.
   * @param options - `threshold` (0 < t ≤ 1, default 0.97), a scope, `dryRun`
   * @example
   * const { clusters } = await mem.merge({ threshold: 0.97, userId: 'ada' });
   * await mem.unmerge(clusters[0].representative);
   */
  merge(options: MergeOptions = {}): Promise<MergeResult> {
    return this.call((h) => h.merge(options), [options]);
  }

  /**
   * Reverses a merge exactly: `id` is a merged memory (it comes back) or a
   * representative (every memory still merged into it comes back). @throws `NotFound`
   * @param id - a merged memory or a representative
   */
  unmerge(id: string): Promise<{ restored: Memory[] }> {
    return this.call((h) => h.unmerge(id), [id]);
  }

  /** Deletes every memory, vector and event of this store. */
  reset(): Promise<void> {
    return this.call((h) => h.reset());
  }

  /**
   * Writes now the recalls by search that are waiting in memory (searches never write: their
   * hits are buffered and written as one event per memory within `recallFlushMs`, and at
   * `close()`). E.g. on `visibilitychange` to hidden, where a tab may be killed without closing.
   */
  flush(): Promise<void> {
    return this.call((h) => h.flush());
  }

  /** Closes the store, after writing the buffered recalls, and ends the Worker. Later calls throw `StoreClosed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.host.close();
    this.worker?.terminate();
  }

  /**
   * Runs a call on the host. Through the Worker, `args` (what the caller passed) are first
   * checked to be sendable: nesting the Worker could not take apart would never be answered.
   */
  private async call<T>(fn: (h: Host) => Promise<T>, args: unknown[] = []): Promise<T> {
    if (this.closed) throw new EngramError('StoreClosed');
    if (this.worker) checkSendable(args);
    try {
      return await fn(this.host);
    } catch (e) {
      // An argument the Worker cannot receive (a function, a symbol, a cycle too deep to
      // clone…) fails in this page's postMessage, before the engine sees it: bad input, not a
      // broken Worker. (Errors from inside the Worker arrive as EngramErrors or plain Errors.)
      if (this.worker && !isEngramError(e) && unsendable(e))
        throw new EngramError(
          'InvalidArgument',
          `an argument cannot be sent to the engine's Worker: ${(e as Error).message}`,
          { cause: e },
        );
      throw e;
    }
  }

  /**
   * Options with a vector, for the Worker: the vector is copied into a buffer of its own and
   * the copy is transferred, so the caller's array (and any other view of its buffer) is
   * never detached, and a view of a large buffer does not clone the whole buffer.
   */
  private out<T extends { vector?: Float32Array }>(options: T | undefined): T | undefined {
    if (!this.worker || !isFloat32Array(options?.vector)) return options;
    const vector = copyOf(options.vector);
    return transfer({ ...options, vector }, [vector.buffer]);
  }
}

/** True for the errors postMessage throws on arguments it cannot clone. */
function unsendable(e: unknown): boolean {
  if (typeof DOMException !== 'undefined' && e instanceof DOMException)
    return e.name === 'DataCloneError';
  return e instanceof RangeError && e.message.includes('postMessage');
}

function isFloat32Array(v: unknown): v is Float32Array {
  return v instanceof Float32Array;
}

/** A copy of a vector in a new buffer of exactly its length (never a shared one). */
function copyOf(v: Float32Array): Float32Array<ArrayBuffer> {
  return new Float32Array(v);
}

/**
 * Starts the browser opening this origin's IndexedDB while the engine's Worker loads its code:
 * after a browser start, the first open of a large store waits for the origin's backing store
 * (Chromium's LevelDB: ≈ 0.25–0.3 s at 100k memories, see bench/RESULTS.md "Cold open"), and
 * the Worker would only ask for it once its script had loaded. `indexedDB.databases()` reads the
 * database names and nothing else: it creates, opens and locks no database. Best effort.
 */
function warmIndexedDb(): void {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (typeof idb?.databases === 'function') idb.databases().catch(() => undefined);
}
