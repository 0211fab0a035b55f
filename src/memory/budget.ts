// The memory budget (EMS-style evict-then-merge with a byte budget): which
// memories keep their vectors in the resident (GPU) index and which move to
// the cold tier, scanned on the CPU in a second pass.
import type { EngineCore } from '../engine/core';
import type { MemoryState } from '../engine/memory-state';
import { checkOptionNames, checkScope } from '../engine/validate';
import { COMPACT_OPTIONS } from '../engine/option-names';
import { EngramError, shown } from '../errors';
import { TieredIndex } from '../search/tiered-index';
import type { Scope } from '../types';
import { checkMergeOptions, merge, type MergeResult } from './merge';
import { residentValue } from './memory-value';

/**
 * Binds the budget's value to a state: each slot's value is its version's
 * {@link residentValue} at the engine's clock. A no-op for untiered indexes.
 * @param state - the engine's in-memory state
 * @param clock - the engine's clock
 */
export function bindBudget(state: MemoryState, clock: () => number): TieredIndex | undefined {
  const index = state.index;
  if (!(index instanceof TieredIndex)) return undefined;
  index.value = (slot) => {
    const rec = state.recordAt(slot);
    if (!rec) return -Infinity;
    return residentValue(rec, state.records.get(rec.id) === rec, clock());
  };
  return index;
}

/** What `compact()` did (`compactIndex`). */
export interface CompactResult {
  /** Vectors in the resident (hot) index. */
  hot: number;
  /** Vectors in the cold tier (CPU, second pass). */
  cold: number;
  /** Bytes the resident index's rows take (≤ `maxBytes`). */
  residentBytes: number;
  /** What merging did, when `mergeThreshold` was given. */
  merge?: MergeResult;
}

/** Options of `compact`. */
export interface CompactOptions extends Scope {
  /** The budget in bytes (default: the one set at open or by the last compact). */
  maxBytes?: number;
  /**
   * First merge near-duplicates (cosine ≥ this to their representative, see
   * `merge`) within the scope given, so they free the budget before anything is evicted.
   */
  mergeThreshold?: number;
}

/** @throws EngramError `InvalidArgument` unless `maxBytes` is undefined or a number ≥ 0 */
function checkMaxBytes(maxBytes: unknown): void {
  if (
    maxBytes !== undefined &&
    !(typeof maxBytes === 'number' && Number.isFinite(maxBytes) && maxBytes >= 0)
  ) {
    throw new EngramError(
      'InvalidArgument',
      `maxBytes must be a number ≥ 0, got ${shown(maxBytes)}`,
    );
  }
}

/**
 * Re-tiers a tiered index under `maxBytes`: the most valuable memories fill
 * the resident index, the rest move to the cold tier.
 * @param state - the engine's state (its index must be a {@link TieredIndex})
 * @param clock - the engine's clock
 * @param maxBytes - the budget in bytes
 * @throws EngramError `InvalidArgument` for a bad budget
 */
export async function compactIndex(
  state: MemoryState,
  clock: () => number,
  maxBytes?: number,
): Promise<CompactResult> {
  checkMaxBytes(maxBytes);
  const index = bindBudget(state, clock);
  if (!index) throw new EngramError('InvalidArgument', 'the index has no memory budget');
  const { hot, cold } = await index.rebalance(maxBytes);
  return { hot, cold, residentBytes: index.residentBytes };
}

/**
 * `compact`: merges near-duplicates when `mergeThreshold` is given, then
 * re-tiers the index under `maxBytes`. Every option is checked before anything changes.
 * @param core - the engine
 * @param options - budget, merge threshold, scope of the merge
 * @param tiered - makes the engine's index a tiered one (a no-op when it is)
 * @throws EngramError `InvalidArgument` for a bad option
 */
export async function compact(
  core: EngineCore,
  options: CompactOptions,
  tiered: (maxBytes?: number) => Promise<void>,
): Promise<CompactResult> {
  if (options === null || typeof options !== 'object')
    throw new EngramError('InvalidArgument', 'compact options must be an object');
  checkOptionNames(options, COMPACT_OPTIONS, 'compact');
  const { maxBytes, mergeThreshold } = options;
  checkMaxBytes(maxBytes);
  const mergeOptions = { ...checkScope(options), threshold: mergeThreshold };
  checkMergeOptions(mergeOptions);
  await core.ready();
  const merged = mergeThreshold === undefined ? undefined : await merge(core, mergeOptions);
  await tiered(maxBytes);
  const result = await compactIndex(core.state, core.settings.clock, maxBytes);
  return merged ? { ...result, merge: merged } : result;
}
