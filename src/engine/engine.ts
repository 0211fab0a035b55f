import type { Embedder } from '../embed/embedder';
import { EngramError } from '../errors';
import { createVectorIndex, type BackendChoice } from '../search/backend';
import { verifyChain, type LogVerification } from '../store/event-log';
import { MemoryStore } from '../store/memory-store';
import type { EventRecord, MemoryRecord } from '../store/records';
import type { HistoryEntry, Memory, Metadata, Scope, SearchResult } from '../types';
import { compileFilter, type MetadataFilter } from './filters';
import { MemoryState } from './memory-state';
import { StoreSync } from './store-sync';
import {
  checkLimit,
  checkMetadata,
  checkScope,
  checkText,
  checkVector,
  DEFAULT_MAX_TEXT_LENGTH,
  inScope,
} from './validate';

/** Options of {@link Engine.open}. */
export interface EngineOptions {
  /** IndexedDB database name; one store per name. */
  name: string;
  /** Turns texts into vectors; the store remembers its id and dim. */
  embedder: Embedder;
  /** Search backend: `'auto'` (default) picks WebGPU only where it is faster than the CPU path. */
  backend?: BackendChoice;
  /** Longest accepted text in characters (default 20 000). */
  maxTextLength?: number;
  /** Clock in ms since epoch (tests inject one). */
  clock?: () => number;
  /** Receives diagnostic lines (backend choice, device loss, catch-up). */
  log?: (message: string) => void;
  /** Rows per stored vector block (default 4096). */
  blockRows?: number;
}

/** Options of `add`. */
export interface AddOptions extends Scope {
  /** Metadata to keep with the memory. */
  metadata?: Metadata;
  /** A precomputed vector for the text (from `embed` or a cache); skips the embedder. */
  vector?: Float32Array;
}

/** Result of `add`, Mem0-style. */
export interface AddResult {
  results: { id: string; memory: string; event: 'ADD' }[];
}

/** Options of `search`. */
export interface SearchOptions extends Scope {
  /** Metadata filter, applied before top-k. */
  filters?: MetadataFilter;
  /** Number of results (default 10). */
  limit?: number;
  /** A precomputed query vector; skips the embedder. */
  vector?: Float32Array;
}

/** Options of `getAll`. */
export interface GetAllOptions extends Scope {
  filters?: MetadataFilter;
  /** Most memories to return, oldest first (default 1000). */
  limit?: number;
}

/** Progress of a long call. */
export type ProgressCallback = (p: { done: number; total: number }) => void;

/** What an open engine runs on. */
export interface EngineInfo {
  name: string;
  backend: 'webgpu' | 'cpu';
  backendReason: string;
  embedderId: string;
  dim: number;
  count: number;
}

function toMemory(r: MemoryRecord): Memory {
  const m: Memory = {
    id: r.id,
    memory: r.text,
    metadata: r.metadata,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    version: r.version,
  };
  if (r.userId !== undefined) m.userId = r.userId;
  if (r.agentId !== undefined) m.agentId = r.agentId;
  if (r.runId !== undefined) m.runId = r.runId;
  return m;
}

const HISTORY_EVENT = {
  'memory.added': 'ADD',
  'memory.updated': 'UPDATE',
  'memory.deleted': 'DELETE',
} as const;

/**
 * The memory engine: one IndexedDB store, one embedder, one vector index.
 * It runs in a Worker behind `Engram`, or directly (Node, tests).
 */
export class Engine {
  private appliedSeq = 0;
  private closed = false;
  private catchUp: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: MemoryStore,
    private state: MemoryState,
    private readonly embedder: Embedder,
    private readonly sync: StoreSync,
    private readonly opts: Required<
      Pick<EngineOptions, 'maxTextLength' | 'clock' | 'log' | 'backend'>
    >,
    private backendReason: string,
  ) {}

  /** Opens (or creates) a store and loads it into memory. */
  static async open(options: EngineOptions): Promise<Engine> {
    if (!options || typeof options.name !== 'string' || options.name.length === 0) {
      throw new EngramError('InvalidArgument', 'name must be a non-empty string');
    }
    const { embedder } = options;
    const clock = options.clock ?? Date.now;
    const log = options.log ?? (() => {});
    const store = await MemoryStore.open(
      options.name,
      { embedderId: embedder.id, dim: embedder.dim },
      {
        ...(options.blockRows ? { blockRows: options.blockRows } : {}),
        now: clock(),
      },
    );
    const chosen = await createVectorIndex({
      dim: embedder.dim,
      backend: options.backend ?? 'auto',
      log,
    });
    log(`engram: search backend ${chosen.backend} (${chosen.reason})`);
    let engine: Engine | undefined;
    const sync = new StoreSync(options.name, () => void engine?.catchUpNow());
    engine = new Engine(
      store,
      new MemoryState(chosen.index),
      embedder,
      sync,
      {
        maxTextLength: options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH,
        clock,
        log,
        backend: options.backend ?? 'auto',
      },
      chosen.reason,
    );
    await engine.loadAll();
    return engine;
  }

  private async loadAll(): Promise<void> {
    const snap = await this.store.load();
    this.state.clear();
    await this.state.appendVectors(0, snap.vectors);
    const dead: number[] = [];
    for (let s = 0; s < snap.meta.nextSlot; s++) dead.push(s);
    if (dead.length) this.state.index.remove(dead);
    this.state.apply(snap.memories);
    this.appliedSeq = snap.meta.lastSeq;
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
    };
  }

  /** Stores one memory. */
  async add(text: string, options: AddOptions = {}): Promise<AddResult> {
    return this.addMany([{ text, ...options }]);
  }

  /**
   * Stores many memories: embedded in batches, written in transactions of up to 500.
   * @param items - texts with their scope and metadata
   * @param options - progress callback and abort signal
   */
  async addMany(
    items: (AddOptions & { text: string })[],
    options: { onProgress?: ProgressCallback; signal?: AbortSignal } = {},
  ): Promise<AddResult> {
    this.assertOpen();
    if (!Array.isArray(items)) throw new EngramError('InvalidArgument', 'items must be an array');
    const checked = items.map((it) => ({
      text: checkText(it?.text, this.opts.maxTextLength),
      scope: checkScope(it),
      metadata: checkMetadata(it?.metadata),
      vector: it?.vector === undefined ? undefined : this.checkVectorArg(it.vector),
    }));
    const results: AddResult['results'] = [];
    const CHUNK = 500;
    for (let i = 0; i < checked.length; i += CHUNK) {
      const chunk = checked.slice(i, i + CHUNK);
      const missing = chunk.filter((c) => !c.vector);
      const embedded = missing.length
        ? await this.embedChecked(
            missing.map((c) => c.text),
            options.signal,
          )
        : [];
      let next = 0;
      const vectors = chunk.map((c) => c.vector ?? embedded[next++]!);
      await this.write(async () => {
        const now = this.opts.clock();
        const first = this.store.reserveSlots(chunk.length);
        const records = chunk.map((c, j): MemoryRecord => ({
          id: crypto.randomUUID(),
          text: c.text,
          metadata: c.metadata,
          ...c.scope,
          createdAt: now,
          updatedAt: now,
          version: 1,
          state: 'active',
          slot: first + j,
        }));
        const events = await this.store.commit({
          memories: records,
          vectors: records.map((r, j) => ({ slot: r.slot, vector: vectors[j]! })),
          events: records.map((r) => ({
            type: 'memory.added',
            memoryId: r.id,
            at: now,
            actor: 'api',
            after: r,
          })),
        });
        await this.state.appendVectors(first, concat(vectors, this.embedder.dim));
        this.state.apply(records);
        for (const r of records) results.push({ id: r.id, memory: r.text, event: 'ADD' });
        return events;
      });
      options.onProgress?.({ done: Math.min(i + CHUNK, checked.length), total: checked.length });
    }
    return { results };
  }

  /** Finds the memories closest in meaning to `query`, within a scope and filter. */
  async search(query: string, options: SearchOptions = {}): Promise<{ results: SearchResult[] }> {
    this.assertOpen();
    const q = checkText(query, this.opts.maxTextLength, 'query');
    const scope = checkScope(options);
    const limit = checkLimit(options.limit, 10);
    compileFilter(options.filters); // a malformed filter fails before any work
    const vector =
      options.vector === undefined
        ? (await this.embedChecked([q]))[0]
        : this.checkVectorArg(options.vector);
    await this.catchUp;
    const allow = this.allowMask(scope, options.filters);
    const [hits] = await this.state.index.search(vector!, limit, allow);
    const results: SearchResult[] = [];
    hits?.slots.forEach((slot, i) => {
      const id = this.state.slotOwner[slot];
      const rec = id === undefined ? undefined : this.state.records.get(id);
      if (rec && rec.state === 'active') results.push({ ...toMemory(rec), score: hits.scores[i]! });
    });
    return { results };
  }

  /** Embeds texts with the store's embedder (e.g. to cache vectors for later `add`s). */
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.assertOpen();
    if (!Array.isArray(texts)) throw new EngramError('InvalidArgument', 'texts must be an array');
    return this.embedChecked(texts.map((t) => checkText(t, this.opts.maxTextLength)));
  }

  /** One memory by id. @throws `NotFound` */
  async get(id: string): Promise<Memory> {
    this.assertOpen();
    await this.catchUp;
    return toMemory(this.activeRecord(id));
  }

  /** All active memories in a scope and filter, oldest first. */
  async getAll(options: GetAllOptions = {}): Promise<{ results: Memory[] }> {
    this.assertOpen();
    const scope = checkScope(options);
    const match = compileFilter(options.filters);
    const limit = checkLimit(options.limit, 1000, Number.MAX_SAFE_INTEGER);
    await this.catchUp;
    const out = [...this.state.records.values()]
      .filter((r) => r.state === 'active' && inScope(r, scope) && match(r.metadata))
      .sort((a, b) => a.createdAt - b.createdAt || a.slot - b.slot)
      .slice(0, limit);
    return { results: out.map(toMemory) };
  }

  /** Replaces a memory's text (new version; the old one stays in its history). @throws `NotFound` */
  async update(id: string, text: string, options: { metadata?: Metadata } = {}): Promise<Memory> {
    this.assertOpen();
    const t = checkText(text, this.opts.maxTextLength);
    const metadata = options.metadata === undefined ? undefined : checkMetadata(options.metadata);
    this.activeRecord(id);
    const [vector] = await this.embedChecked([t]);
    let updated: MemoryRecord | undefined;
    await this.write(async () => {
      const prev = this.activeRecord(id);
      const now = this.opts.clock();
      const slot = this.store.reserveSlots(1);
      updated = {
        ...prev,
        text: t,
        metadata: metadata ?? prev.metadata,
        updatedAt: now,
        version: prev.version + 1,
        slot,
      };
      const events = await this.store.commit({
        memories: [updated],
        versions: [prev],
        vectors: [{ slot, vector: vector! }],
        events: [
          {
            type: 'memory.updated',
            memoryId: id,
            at: now,
            actor: 'api',
            before: prev,
            after: updated,
          },
        ],
      });
      await this.state.appendVectors(slot, vector!);
      this.state.apply([updated]);
      return events;
    });
    return toMemory(updated!);
  }

  /** Deletes a memory (it leaves search and `getAll`; its history stays). @throws `NotFound` */
  async delete(id: string): Promise<{ message: string }> {
    this.assertOpen();
    this.activeRecord(id);
    await this.deleteWhere((r) => r.id === id, true);
    return { message: 'Memory deleted successfully!' };
  }

  /** Deletes every memory in a scope (at least one of userId, agentId, runId). */
  async deleteAll(scope: Scope): Promise<{ deleted: number }> {
    this.assertOpen();
    const s = checkScope(scope);
    if (Object.keys(s).length === 0)
      throw new EngramError(
        'InvalidArgument',
        'deleteAll needs userId, agentId or runId; use reset() to delete everything',
      );
    return { deleted: await this.deleteWhere((r) => inScope(r, s), false) };
  }

  /** A memory's changes, oldest first, derived from the event log. @throws `NotFound` */
  async history(id: string): Promise<HistoryEntry[]> {
    this.assertOpen();
    const events = await this.store.eventsFor(id);
    if (events.length === 0)
      throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    return events.map((e) => ({
      memoryId: id,
      event: HISTORY_EVENT[e.type],
      previousMemory: e.before?.text ?? null,
      newMemory: e.type === 'memory.deleted' ? null : (e.after?.text ?? null),
      version: e.after?.version ?? e.before?.version ?? 0,
      createdAt: e.at,
      seq: e.seq,
    }));
  }

  /** Checks the hash chain of the whole event log. */
  async verifyLog(): Promise<LogVerification> {
    this.assertOpen();
    return verifyChain(await this.store.eventsSince(0));
  }

  /** Deletes every memory, vector and event of this store. */
  async reset(): Promise<void> {
    this.assertOpen();
    await this.sync.withWriteLock(async () => {
      await this.store.clear();
      const { index } = await createVectorIndex({
        dim: this.embedder.dim,
        backend: this.opts.backend,
        log: this.opts.log,
      });
      this.state.index.dispose();
      this.state = new MemoryState(index);
      this.appliedSeq = 0;
    });
    this.sync.announce(-1);
  }

  /** Closes the store; further calls throw `StoreClosed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sync.close();
    this.store.close();
    this.state.index.dispose();
  }

  /** Raw dump of every IndexedDB store (tests, audits). */
  async dump(): Promise<Record<string, unknown[]>> {
    this.assertOpen();
    return this.store.dump();
  }

  // ---- internals ----

  private activeRecord(id: string): MemoryRecord {
    if (typeof id !== 'string') throw new EngramError('InvalidArgument', 'id must be a string');
    const rec = this.state.records.get(id);
    if (!rec || rec.state !== 'active')
      throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    return rec;
  }

  private async deleteWhere(
    pred: (r: MemoryRecord) => boolean,
    mustExist: boolean,
  ): Promise<number> {
    let n = 0;
    await this.write(async () => {
      const now = this.opts.clock();
      const targets = [...this.state.records.values()].filter(
        (r) => r.state === 'active' && pred(r),
      );
      if (targets.length === 0) {
        if (mustExist) throw new EngramError('NotFound', 'No such memory');
        return [];
      }
      const after = targets.map((r): MemoryRecord => ({ ...r, state: 'deleted', updatedAt: now }));
      const events = await this.store.commit({
        memories: after,
        events: targets.map((r, i) => ({
          type: 'memory.deleted',
          memoryId: r.id,
          at: now,
          actor: 'api',
          before: r,
          after: after[i]!,
        })),
      });
      this.state.apply(after);
      n = targets.length;
      return events;
    });
    return n;
  }

  /** Per-slot mask of memories in scope and filter; undefined when nothing constrains the search. */
  private allowMask(scope: Scope, filters: MetadataFilter | undefined): Uint8Array | undefined {
    if (Object.keys(scope).length === 0 && filters === undefined) return undefined;
    const match = compileFilter(filters);
    const allow = new Uint8Array(this.state.index.size);
    for (const r of this.state.records.values()) {
      if (r.state === 'active' && r.slot < allow.length && inScope(r, scope) && match(r.metadata))
        allow[r.slot] = 1;
    }
    return allow;
  }

  private checkVectorArg(v: unknown): Float32Array {
    if (!(v instanceof Float32Array))
      throw new EngramError('InvalidArgument', 'vector must be a Float32Array');
    checkVector(v, this.embedder.dim);
    return v;
  }

  private async embedChecked(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const vectors = await this.embedder.embed(texts, signal ? { signal } : {});
    if (vectors.length !== texts.length)
      throw new EngramError(
        'InvalidVector',
        `embedder returned ${vectors.length} vectors for ${texts.length} texts`,
      );
    for (const v of vectors) checkVector(v, this.embedder.dim);
    return vectors;
  }

  /** Runs a write under the store lock, after catching up with other tabs; announces it. */
  private async write(fn: () => Promise<EventRecord[]>): Promise<void> {
    const events = await this.sync.withWriteLock(async () => {
      this.assertOpen();
      await this.catchUpNow();
      await this.store.refreshMeta();
      const done = await fn();
      const last = done[done.length - 1];
      if (last) this.appliedSeq = last.seq;
      return done;
    });
    const last = events[events.length - 1];
    if (last) this.sync.announce(last.seq);
  }

  /** Applies events written by other tabs since the last one applied here. */
  private catchUpNow(): Promise<void> {
    this.catchUp = this.catchUp
      .then(async () => {
        if (this.closed) return;
        const meta = await this.store.refreshMeta();
        if (meta.lastSeq < this.appliedSeq) {
          await this.loadAll(); // the store was reset elsewhere
          return;
        }
        if (meta.lastSeq === this.appliedSeq) return;
        const events = await this.store.eventsSince(this.appliedSeq);
        const latest = new Map<string, MemoryRecord>();
        for (const e of events) if (e.after) latest.set(e.memoryId, e.after);
        const records = [...latest.values()];
        const newSlots = records
          .map((r) => r.slot)
          .filter((s) => s >= this.state.index.size)
          .sort((a, b) => a - b);
        if (newSlots.length) {
          const rows = await this.store.readVectors(newSlots);
          const first = newSlots[0]!;
          const dim = this.embedder.dim;
          const buf = new Float32Array((newSlots[newSlots.length - 1]! - first + 1) * dim);
          for (const [slot, v] of rows) buf.set(v, (slot - first) * dim);
          await this.state.appendVectors(first, buf);
          const gaps = [];
          for (let s = first; s < first + buf.length / dim; s++) if (!rows.has(s)) gaps.push(s);
          if (gaps.length) this.state.index.remove(gaps);
        }
        this.state.apply(records);
        this.appliedSeq = events[events.length - 1]?.seq ?? meta.lastSeq;
        this.opts.log(
          `engram: caught up to seq ${this.appliedSeq} (${records.length} memories changed elsewhere)`,
        );
      })
      .catch((e: unknown) => this.opts.log(`engram: catch-up failed: ${String(e)}`));
    return this.catchUp;
  }

  private assertOpen(): void {
    if (this.closed) throw new EngramError('StoreClosed');
  }
}

function concat(vectors: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => out.set(v, i * dim));
  return out;
}
