import type { SyncOptions, SyncStatus } from '../sync/sync-options';
// The engine's options and what `info()` reports.
import type { Embedder } from '../embed/embedder';
import type { BackendChoice } from '../search/backend-choice';
import type { IndexMode } from '../search/index-mode';
import type { Metadata, Scope } from '../types';
import type { MetadataFilter } from './filters';
import type { IndexOptions } from './open-index';
import type { EngineSettings } from './core';
import type { Admit } from '../govern/admission';
import { trustPriors, type TrustOptions } from '../govern/trust';
import type { WriteTagOptions } from '../govern/write-tag';
import type { EncryptionSecret } from '../store/data-key';
import { DEFAULT_STRENGTH } from '../memory/record-ops';
import { ENGINE_OPTIONS } from './option-names';
import {
  checkBoolean,
  checkLimit,
  checkNumber,
  checkOptionNames,
  DEFAULT_MAX_TEXT_LENGTH,
} from './validate';
import { EngramError, shown } from '../errors';
import { checkIndexMode, checkNprobe } from '../search/index-mode';

/** Default of {@link EngineOptions.recallFlushMs}: recalls by search are written within 10 s. */
export const DEFAULT_RECALL_FLUSH_MS = 10_000;

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
  /**
   * Search hits reinforce their memories (the forgetting curve; default true). A search never
   * writes: its recalls wait in memory and are written as one `memory.accessed` event per
   * memory (carrying how many recalls it stands for), in the background: within
   * {@link recallFlushMs}, sooner when searches pause, at `flush()` and at `close()`.
   * `false`: searches record nothing.
   */
  reinforceOnSearch?: boolean;
  /**
   * Warm the search path in idle time (default true): once the store holds 1 000 active
   * memories or more (at open, or after a write), after 0.5 s without a call the engine runs
   * 100 searches of its own (built-in questions of each kind and a few of the store's texts,
   * `reinforce: false`: they write nothing), each in a task of its own, so that the user's
   * first questions meet compiled code instead of V8 compiling the pipeline beside them. A
   * search or write stops it between two of its searches; it resumes after the next pause.
   * Once per open engine; `info().warmingUp` is set until it is done.
   */
  warmUp?: boolean;
  /**
   * Longest time in ms that recalls by search wait in memory before they are written
   * (default 10 000; 0 … 3 600 000). They are written sooner once no search has returned
   * hits for a fifth of it (2 s by default), and at `flush()` and `close()`. Recalls not yet
   * written when a tab dies are lost: their effect on the forgetting curve, never a memory.
   */
  recallFlushMs?: number;
  /** Strength S of a new memory, in days (default 1). */
  initialStrength?: number;
  /** Days added to S by each recall or reinforcement (default 1). */
  strengthIncrement?: number;
  /** Least cosine similarity for a link made on insert (default 0.75). */
  linkThreshold?: number;
  /** Most links a new memory makes on insert (default 5; 0 turns linking off). */
  maxLinks?: number;
  /**
   * The vector index: `mode` picks how vectors are stored where they are
   * scanned (default `{ mode: 'auto' }`: exact below 20 000 vectors, IVF past them on the
   * CPU; `'fp32'`: exact at any size; see {@link IndexOptions}).
   */
  index?: IndexOptions;
  /**
   * Most bytes the resident (GPU) index's vectors may take. Past it, the least
   * valuable memories (lowest retention × `metadata.importance`, default 1)
   * move to a cold tier scanned on the CPU in a second pass and merged into
   * results; new memories evict the least valuable. Default: no budget.
   */
  gpuBudgetBytes?: number;
  /**
   * Checkpoints for fast opening: a copy of the store's records in a few large
   * chunks, which `open` reads with the events after it (at most `maxLag`,
   * default 5000; more → a full load) instead of every record. One is written
   * when a store of at least `minMemories` memories (default 2000) has at least
   * `minEvents` events (default 500) since its last checkpoint, both at
   * `close()` and — since a closing or crashing tab rarely calls `close()` —
   * once no write has come for `idleMs` (default 2000; `false`: only at close).
   * The idle checkpoint runs in the background under the write lock, in slices of
   * `sliceRows` records with the thread given back between two: a write or a search
   * arriving meanwhile stops it between two slices (it is written once the store is
   * idle again; after three stopped in a row, the next runs to its end: a search then
   * waits for one slice, a write for all of it), and a failure is logged, never thrown. It is stored in one
   * transaction, whole or not at all. Erasure deletes the checkpoint in the same
   * transaction. `false` turns checkpoints off.
   */
  checkpoint?: CheckpointOptions | false;
  /**
   * The admission hook: sees every fact before consolidation and accepts, rejects or
   * redacts it (see {@link Admit}; `redactPersonalData` is a built-in one). Default: none.
   */
  admit?: Admit;
  /**
   * Prior trust of each write `source`, 0..1 (default `{ user: 1 }`; a source not named: 0.5).
   * Each source's trust is a Beta posterior over this prior (worth `PRIOR_WEIGHT` = 10
   * observations) and the evidence in the store (see `src/govern/trust.ts`). A write from a
   * lower-trust source never updates or deletes a higher-trust memory: it is held as a
   * `pending` memory (see `pending()`); trust also weighs into ranking (× (1 + 0.5·(trust − 1)))
   * and into merge (the most trusted memory of a cluster is kept).
   */
  trust?: TrustOptions;
  /**
   * Encryption at rest: `{ passphrase }` or `{ key }` (a `CryptoKey`, AES-GCM or AES-KW, with
   * usages wrapKey and unwrapKey; non-extractable is fine). Every record is sealed with
   * AES-GCM-256 under a random data key, which the passphrase (PBKDF2-SHA-256, 600,000
   * iterations) or the key wraps. Set up on a new, empty store; an encrypted store must be
   * opened with it (`Encrypted` otherwise, `WrongKey` when it does not open the store).
   */
  encryption?: EncryptionSecret;
  /**
   * Starts sync at open (see `syncStart`). With `encryption`, a new device joins: when the
   * server holds an encrypted store's key document, this store is set up with that data key
   * (unwrapped with `encryption`; `WrongKey` and nothing written when it does not open it).
   */
  sync?: SyncOptions;
}

/** The `checkpoint` option of `Engram.open`: when a store writes a checkpoint. */
export interface CheckpointOptions {
  /** Fewest memories a store needs before it is checkpointed (default 2000). */
  minMemories?: number;
  /** Fewest new events since the last checkpoint before another is written (default 500). */
  minEvents?: number;
  /** Most events after the checkpoint that `open` applies; more → a full load (default 5000). */
  maxLag?: number;
  /** Quiet time in ms after the last write before an idle checkpoint is written (default 2000; `false`: only at close). */
  idleMs?: number | false;
  /**
   * Records read, and then encoded, per slice of a checkpoint (default 1000): a write or a
   * search arriving while the idle checkpoint runs stops it after the slice in progress (a few
   * ms); smaller slices, more of them.
   */
  sliceRows?: number;
}

/** Checked checkpoint options (see {@link checkpointSettings}). */
export interface CheckpointSettings {
  minMemories: number;
  minEvents: number;
  maxLag: number;
  /** Quiet time before an idle checkpoint; `false`: only at close. */
  idleMs: number | false;
  /** Records per slice of a checkpoint (undefined: `CHECKPOINT_SLICE`). */
  sliceRows: number | undefined;
}

/** Options of `getAll`. */
export interface GetAllOptions extends Scope {
  filters?: MetadataFilter;
  /** Most memories to return, oldest first (default 1000). */
  limit?: number;
}

/** Options of `update`. */
export interface UpdateOptions extends WriteTagOptions {
  /** New metadata (default: keep). */
  metadata?: Metadata;
  /** When the new version started to hold (default now); the old one's validTo. */
  eventTime?: number | Date | string;
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
  /** How the index stores vectors where they are scanned. */
  indexMode: IndexMode;
  /** Bytes per vector of the scanned copy (GPU-resident on WebGPU). */
  residentBytesPerVector: number;
  /**
   * Set while the IVF lists train, or take in new rows, in the background (index mode `'ivf'`
   * or `'auto'` past 20 000 vectors): searches meanwhile scan the rows not yet in a list in
   * full, so they are slower (and closer to exact) until it is done. Also set after an open
   * that took the stored lists with their codes, until their fp32 rows are read (from a second
   * after the open): searches meanwhile read the rows they rescore from the store (same
   * answers, ≈ 0.1–0.2 s more per search at 100k here).
   */
  indexBuilding?: true;
  /**
   * Set while the engine's idle warm-up of its search path is still to run or running (see
   * `EngineOptions.warmUp`): the first searches meanwhile may meet code not compiled yet.
   */
  warmingUp?: true;
  /**
   * While sync is started: its status; from `Engram.info()` also `pending`, this store's own
   * events not yet on the server (as `syncStatus()` counts them, without waiting for applies).
   */
  sync?: SyncStatus & { pending?: number };
  /**
   * Set when this open found the store's database gone although it had been created before
   * (at `createdAt`, as a record kept outside IndexedDB says): the browser discarded it —
   * Chromium deletes an IndexedDB it finds corrupt after a crash — and the store opened empty.
   * With sync, what the server holds comes back.
   */
  discarded?: { createdAt: string };
}

/** Longest embedding an engine takes (an embedder's `dim`). */
export const MAX_DIM = 65_536;

/** Most rows per stored vector block (`blockRows`). */
export const MAX_BLOCK_ROWS = 1 << 20;

/** Checks an optional callback option. */
function checkFunction<T>(value: unknown, what: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function')
    throw new EngramError('InvalidArgument', `${what} must be a function`);
  return value as T;
}

/**
 * Checks the options that shape the store and its index (before anything is opened or
 * created): `blockRows`, `backend`, `index`, `gpuBudgetBytes`. @throws `InvalidArgument`
 */
export function checkStoreOptions(options: EngineOptions): void {
  if (options.blockRows !== undefined) checkLimit(options.blockRows, 0, MAX_BLOCK_ROWS);
  const backend: unknown = options.backend;
  if (backend !== undefined && backend !== 'auto' && backend !== 'webgpu' && backend !== 'cpu')
    throw new EngramError('InvalidArgument', `unknown backend ${shown(backend)}`, {
      details: { allowed: ['auto', 'webgpu', 'cpu'] },
    });
  const index: unknown = options.index;
  if (index !== undefined && (typeof index !== 'object' || index === null || Array.isArray(index)))
    throw new EngramError('InvalidArgument', 'index must be an object such as { mode: "int8" }');
  const mode = checkIndexMode((index as IndexOptions | undefined)?.mode);
  checkNprobe((index as IndexOptions | undefined)?.nprobe, mode);
  const budget: unknown = options.gpuBudgetBytes;
  if (budget !== undefined && !(typeof budget === 'number' && budget >= 0))
    throw new EngramError(
      'InvalidArgument',
      `gpuBudgetBytes must be a number of bytes ≥ 0, got ${shown(budget)}`,
    );
}

/** Checks the engine's options and fills in defaults. @throws `InvalidArgument` */
export function engineSettings(options: EngineOptions): EngineSettings {
  checkOptionNames(options, ENGINE_OPTIONS, 'open');
  return {
    maxTextLength: checkLimit(
      options.maxTextLength,
      DEFAULT_MAX_TEXT_LENGTH,
      Number.MAX_SAFE_INTEGER,
      'maxTextLength',
    ),
    clock: checkFunction(options.clock, 'clock', Date.now),
    log: checkFunction(options.log, 'log', () => {}),
    reinforceOnSearch: checkBoolean(options.reinforceOnSearch, 'reinforceOnSearch', true),
    warmUp: checkBoolean(options.warmUp, 'warmUp', true),
    recallFlushMs: checkNumber(
      options.recallFlushMs,
      'recallFlushMs',
      DEFAULT_RECALL_FLUSH_MS,
      0,
      3_600_000,
    ),
    initialStrength: checkNumber(
      options.initialStrength,
      'initialStrength',
      DEFAULT_STRENGTH,
      1e-6,
    ),
    strengthIncrement: checkNumber(options.strengthIncrement, 'strengthIncrement', 1, 0),
    linkThreshold: checkNumber(options.linkThreshold, 'linkThreshold', 0.75, -1, 1),
    maxLinks: options.maxLinks === 0 ? 0 : checkLimit(options.maxLinks, 5, 100, 'maxLinks'),
    ...(options.admit !== undefined
      ? { admit: checkFunction(options.admit, 'admit', options.admit) }
      : {}),
    trust: trustPriors(options.trust),
  };
}

/** Longest `setTimeout` delay (ms); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Checks the checkpoint options; undefined when checkpoints are off. @throws `InvalidArgument` */
export function checkpointSettings(
  c: CheckpointOptions | false | undefined,
): CheckpointSettings | undefined {
  if (c === false) return undefined;
  if (c !== undefined && (c === null || typeof c !== 'object' || Array.isArray(c)))
    throw new EngramError('InvalidArgument', 'checkpoint must be an options object or false');
  const count = (v: unknown, what: string, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      throw new EngramError('InvalidArgument', `checkpoint.${what} must be a positive integer`);
    return v;
  };
  return {
    minMemories: count(c?.minMemories, 'minMemories', 2000),
    minEvents: count(c?.minEvents, 'minEvents', 500),
    maxLag: count(c?.maxLag, 'maxLag', 5000),
    sliceRows: c?.sliceRows === undefined ? undefined : count(c.sliceRows, 'sliceRows', 0),
    idleMs:
      c?.idleMs === false
        ? false
        : checkNumber(c?.idleMs, 'checkpoint.idleMs', 2000, 0, MAX_TIMER_MS),
  };
}
