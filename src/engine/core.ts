import type { Embedder } from '../embed/embedder';
import type { Admit } from '../govern/admission';
import type { TrustPriors } from '../govern/trust';
import type { ChangeSet, MemoryStore } from '../store/memory-store';
import type { EventRecord } from '../store/records';
import type { MemoryState } from './memory-state';

/** Engine settings after defaults (see `EngineOptions` for their meaning). */
export interface EngineSettings {
  maxTextLength: number;
  clock: () => number;
  log: (message: string) => void;
  /** Search hits reinforce their memories (default true), buffered (see `RecallBuffer`). */
  reinforceOnSearch: boolean;
  /** Warm the search path in idle time (default true; see `SearchWarmUp`). */
  warmUp: boolean;
  /** Longest wait of a buffered recall before it is written, ms (default 10 000). */
  recallFlushMs: number;
  /** Strength of a new memory, days (default 1). */
  initialStrength: number;
  /** Strength added by each recall or reinforcement, days (default 1). */
  strengthIncrement: number;
  /** Links on insert: least cosine similarity (default 0.75) and most links per new memory (default 5). */
  linkThreshold: number;
  maxLinks: number;
  /** The admission hook (none: every fact is accepted). */
  admit?: Admit;
  /** Prior trust of each source (the `trust` option). */
  trust: TrustPriors;
}

/**
 * What the verbs in `src/memory/*` may use of an open engine. Internal: not
 * exported from the package.
 */
export interface EngineCore {
  readonly store: MemoryStore;
  /** The in-memory mirror (replaced by `reset`, so read it on each use). */
  readonly state: MemoryState;
  readonly embedder: Embedder;
  readonly settings: EngineSettings;
  /** Throws `StoreClosed` when closed, then waits for catch-up with other tabs. */
  ready(): Promise<void>;
  /**
   * Runs `fn` under the store's write lock after catching up; `fn` calls
   * {@link commit} (at most once per transaction it wants) and returns the events.
   * `rerun: true` says that `fn` derives everything from the state and commits once, so it may
   * run twice: first on the state as this tab knows it, without reading the log (when this tab
   * wrote or read last, and nothing says another tab wrote since), its commit checking that the
   * stored meta record is the one last seen; when another tab wrote first, nothing is written,
   * the state catches up and `fn` runs again. One read of the store per write less.
   */
  write(fn: () => Promise<EventRecord[]>, options?: { rerun?: boolean }): Promise<void>;
  /** Commits a change set in one transaction, then applies it to the in-memory state. */
  commit(change: ChangeSet): Promise<EventRecord[]>;
  /** Embeds texts and checks the vectors. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Reloads the in-memory state from the store (after rebuild or import); call under the write lock. */
  reload(): Promise<void>;
  /** Checks a caller-supplied vector. */
  checkVector(v: unknown): Float32Array;
  /**
   * Records one recall of each memory (a search's hits) for the forgetting curve; returns at
   * once. Written later, coalesced, in the background (see `RecallBuffer`).
   */
  recall(ids: readonly string[]): void;
}
