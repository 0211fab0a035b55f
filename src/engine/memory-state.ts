import type { MemoryRecord } from '../store/records';
import type { VectorIndex } from '../search/vector-index';

/**
 * The in-memory mirror of a store: current memory records by id, the owner
 * of every vector slot, and the vector index holding the live slots. Both
 * local writes and catch-up from another tab's events go through {@link apply}.
 */
export class MemoryState {
  /** Current version of every memory (deleted ones included, state 'deleted'). */
  readonly records = new Map<string, MemoryRecord>();
  /** Slot → id of the memory whose *current* version lives there. */
  readonly slotOwner: (string | undefined)[] = [];

  constructor(readonly index: VectorIndex) {}

  /** Number of active memories. */
  get activeCount(): number {
    let n = 0;
    for (const r of this.records.values()) if (r.state === 'active') n++;
    return n;
  }

  /**
   * Loads vectors for slots `index.size..`, padding never-written slots with
   * zero rows (masked). `vectors` holds rows for slots `first..`.
   */
  async appendVectors(first: number, vectors: Float32Array): Promise<void> {
    const dim = this.index.dim;
    const size = this.index.size;
    const rows = vectors.length / dim;
    const end = first + rows;
    if (end <= size) {
      await this.index.write(first, vectors);
      return;
    }
    const buf = new Float32Array((end - size) * dim);
    const from = Math.max(first, size);
    buf.set(vectors.subarray((from - first) * dim), (from - size) * dim);
    await this.index.write(size, buf);
    const gap: number[] = [];
    for (let s = size; s < first; s++) gap.push(s);
    if (gap.length) this.index.remove(gap);
  }

  /**
   * Applies new or changed records whose vectors are already in the index:
   * masks the slots they left, unmasks/masks their current slot by state.
   */
  apply(records: readonly MemoryRecord[]): void {
    const removed: number[] = [];
    const live: number[] = [];
    for (const rec of records) {
      const prev = this.records.get(rec.id);
      if (prev && prev.slot !== rec.slot) {
        this.slotOwner[prev.slot] = undefined;
        removed.push(prev.slot);
      }
      this.records.set(rec.id, rec);
      this.slotOwner[rec.slot] = rec.id;
      (rec.state === 'active' ? live : removed).push(rec.slot);
    }
    if (removed.length) this.index.remove(removed);
    if (live.length) this.index.restore(live);
  }

  /** Forgets everything (after `reset`). */
  clear(): void {
    this.records.clear();
    this.slotOwner.length = 0;
  }
}
