// What a memory is worth keeping: importance × retention. Read by the memory budget
// (which vectors stay resident) and by merging (which duplicate is kept).
import type { MemoryRecord } from '../store/records';
import { retention } from './forgetting';

/**
 * Importance of a memory: `metadata.importance` when it is a finite number ≥ 0, else 1.
 * @param rec - the memory version
 */
export function importance(rec: Pick<MemoryRecord, 'metadata'>): number {
  const v = rec.metadata?.importance;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 1;
}

/**
 * Value of keeping a memory's vector resident: retention × importance for a
 * current, active version; past versions and inactive ones rank below every
 * current one (value − 1 … < 0), so they leave the hot tier first.
 * @param rec - the version living in the slot
 * @param current - whether it is the memory's current version
 * @param now - ms since epoch
 */
export function residentValue(rec: MemoryRecord, current: boolean, now: number): number {
  const v = retention(rec, now) * importance(rec);
  return current && rec.state === 'active' ? v : v / (1 + v) - 1;
}
