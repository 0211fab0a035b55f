// The engine's options and what `info()` reports.
import type { Embedder } from '../embed/embedder';
import type { BackendChoice } from '../search/backend';
import type { IndexMode } from '../search/index-mode';
import type { Metadata, Scope } from '../types';
import type { MetadataFilter } from './filters';
import type { IndexOptions } from './open-index';
import type { EngineSettings } from './core';
import { DEFAULT_STRENGTH } from '../memory/record-ops';
import { ENGINE_OPTIONS } from './option-names';
import {
  checkBoolean,
  checkLimit,
  checkNumber,
  checkOptionNames,
  DEFAULT_MAX_TEXT_LENGTH,
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
  /** Search hits reinforce their memories, one transaction per search (default true; false for read-only use). */
  reinforceOnSearch?: boolean;
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
   * scanned (default `{ mode: 'fp32' }`, exact; see {@link IndexOptions}).
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
   * Checkpoints for fast opening: at `close()`, a store of at least
   * `minMemories` memories (default 2000) with at least `minEvents` events
   * (default 500) since its last checkpoint writes one (a copy of its records in
   * a few large chunks); `open` then reads it and the events after it (at most
   * `maxLag`, default 5000; more → a full load). Erasure deletes it in the same
   * transaction. `false` turns checkpoints off.
   */
  checkpoint?: CheckpointOptions | false;
}

/** See {@link EngineOptions.checkpoint}. */
export interface CheckpointOptions {
  minMemories?: number;
  minEvents?: number;
  maxLag?: number;
}

/** Options of `getAll`. */
export interface GetAllOptions extends Scope {
  filters?: MetadataFilter;
  /** Most memories to return, oldest first (default 1000). */
  limit?: number;
}

/** Options of `update`. */
export interface UpdateOptions {
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
}

/** Checks the engine's options and fills in defaults. @throws `InvalidArgument` */
export function engineSettings(options: EngineOptions): EngineSettings {
  checkOptionNames(options, ENGINE_OPTIONS, 'open');
  return {
    maxTextLength: options.maxTextLength ?? DEFAULT_MAX_TEXT_LENGTH,
    clock: options.clock ?? Date.now,
    log: options.log ?? (() => {}),
    reinforceOnSearch: checkBoolean(options.reinforceOnSearch, 'reinforceOnSearch', true),
    initialStrength: checkNumber(
      options.initialStrength,
      'initialStrength',
      DEFAULT_STRENGTH,
      1e-6,
    ),
    strengthIncrement: checkNumber(options.strengthIncrement, 'strengthIncrement', 1, 0),
    linkThreshold: checkNumber(options.linkThreshold, 'linkThreshold', 0.75, -1, 1),
    maxLinks: options.maxLinks === 0 ? 0 : checkLimit(options.maxLinks, 5, 100),
  };
}

/** Checks the checkpoint options; undefined when checkpoints are off. @throws `InvalidArgument` */
export function checkpointSettings(
  c: CheckpointOptions | false | undefined,
): Required<CheckpointOptions> | undefined {
  if (c === false) return undefined;
  return {
    minMemories: checkLimit(c?.minMemories, 2000, Number.MAX_SAFE_INTEGER),
    minEvents: checkLimit(c?.minEvents, 500, Number.MAX_SAFE_INTEGER),
    maxLag: checkLimit(c?.maxLag, 5000, Number.MAX_SAFE_INTEGER),
  };
}
