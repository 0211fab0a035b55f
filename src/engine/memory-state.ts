import type { LinkRecord, MemoryRecord } from '../store/records';
import type { VectorIndex } from '../search/vector-index';
import { forgetLoaded, type LoadedLexical } from '../retrieval/loaded-lexical';

/** States whose versions keep their vectors searchable (by `asOf` for invalidated ones). */
function keepsVectors(r: MemoryRecord): boolean {
  return r.state === 'active' || r.state === 'invalidated';
}

/**
 * The in-memory mirror of a store: the current version of every memory, its
 * past versions, the record living in every vector slot, links, and which
 * slots are live in the vector index. Local writes, catch-up from other tabs
 * and rebuilds all go through {@link apply} / {@link drop}.
 *
 * Index masking: a slot is live in the index while its memory is active or
 * invalidated (so `asOf` searches can reach past versions); plain searches
 * pass {@link currentMask} whenever some live slot is not a current, active one.
 */
export class MemoryState {
  /** Current version of every memory (any state). */
  readonly records = new Map<string, MemoryRecord>();
  /** Superseded versions by memory id, oldest first. */
  readonly past = new Map<string, MemoryRecord[]>();
  /** Slot → the version whose vector lives there. */
  readonly slotRecord: (MemoryRecord | undefined)[] = [];
  /** Links: id → (neighbour id → score). */
  readonly links = new Map<string, Map<string, number>>();
  /** The lexical index built at open from stored rows, until the first search takes it. */
  loadedLexical: LoadedLexical | undefined;
  private live = new Uint8Array(0);
  private current = new Uint8Array(0);
  private liveCount = 0;
  private currentCount = 0;

  constructor(readonly index: VectorIndex) {}

  /** Number of active memories. */
  get activeCount(): number {
    return this.currentCount;
  }

  /**
   * Writes vectors for slots `first..` into the index, padding never-written
   * slots with zero rows. New slots start masked; {@link apply} unmasks them.
   */
  async appendVectors(first: number, vectors: Float32Array): Promise<void> {
    const dim = this.index.dim;
    const size = this.index.size;
    const end = first + vectors.length / dim;
    if (end <= size) {
      await this.index.write(first, vectors);
      return;
    }
    if (first === size) await this.index.write(size, vectors);
    else {
      // Rows past the end, maybe after a gap (zero rows) or overlapping rows already there.
      const buf = new Float32Array((end - size) * dim);
      const from = Math.max(first, size);
      buf.set(vectors.subarray((from - first) * dim), (from - size) * dim);
      await this.index.write(size, buf);
    }
    const added: number[] = [];
    for (let s = size; s < end; s++) added.push(s);
    this.index.remove(added);
    this.grow(end);
  }

  /**
   * Applies new current versions and past versions whose vectors are already
   * in the index; updates slot ownership and masks.
   */
  apply(records: readonly MemoryRecord[], versions: readonly MemoryRecord[] = []): void {
    for (const v of versions) {
      const list = (this.past.get(v.id) ?? []).filter((p) => p.version !== v.version);
      list.push(v);
      list.sort((a, b) => a.version - b.version);
      this.past.set(v.id, list);
      this.slotRecord[v.slot] = v;
    }
    const touched = new Set<string>(versions.map((v) => v.id));
    for (const rec of records) {
      const prev = this.records.get(rec.id);
      if (prev && prev.slot !== rec.slot) this.setCurrent(prev.slot, false);
      this.records.set(rec.id, rec);
      this.slotRecord[rec.slot] = rec;
      this.setCurrent(rec.slot, rec.state === 'active');
      touched.add(rec.id);
    }
    this.forgetLoadedLexical(touched);
    const removed: number[] = [];
    const restored: number[] = [];
    for (const id of touched) {
      const rec = this.records.get(id);
      const live = rec !== undefined && keepsVectors(rec);
      for (const v of [...(this.past.get(id) ?? []), ...(rec ? [rec] : [])]) {
        if (this.setLive(v.slot, live)) (live ? restored : removed).push(v.slot);
      }
    }
    if (removed.length) this.index.remove(removed);
    if (restored.length) this.index.restore(restored);
  }

  /**
   * Stored lexical rows describe records as they were at open: a record that
   * changes before the first search takes them must be analysed anew.
   */
  private forgetLoadedLexical(ids: ReadonlySet<string>): void {
    if (this.loadedLexical) forgetLoaded(this.loadedLexical, ids);
  }

  /** Forgets memories entirely (erasure): records, versions, links; masks their slots. */
  drop(ids: Iterable<string>): void {
    const removed: number[] = [];
    ids = new Set(ids);
    this.forgetLoadedLexical(ids as Set<string>);
    for (const id of ids) {
      const rec = this.records.get(id);
      for (const v of [...(this.past.get(id) ?? []), ...(rec ? [rec] : [])]) {
        this.setCurrent(v.slot, false);
        if (this.setLive(v.slot, false)) removed.push(v.slot);
        this.slotRecord[v.slot] = undefined;
      }
      this.records.delete(id);
      this.past.delete(id);
      for (const other of this.links.get(id)?.keys() ?? []) this.links.get(other)?.delete(id);
      this.links.delete(id);
    }
    if (removed.length) this.index.remove(removed);
  }

  /**
   * Forgets the versions of a memory from `version` on, the current one included (a
   * rollback, before it {@link apply}s the record as it was): masks their slots.
   */
  forgetVersions(id: string, version: number): void {
    const removed: number[] = [];
    for (const v of this.versionsOf(id)) {
      if (v.version < version) continue;
      this.setCurrent(v.slot, false);
      if (this.setLive(v.slot, false)) removed.push(v.slot);
      this.slotRecord[v.slot] = undefined;
    }
    const kept = (this.past.get(id) ?? []).filter((p) => p.version < version);
    if (kept.length) this.past.set(id, kept);
    else this.past.delete(id);
    this.forgetLoadedLexical(new Set([id]));
    if (removed.length) this.index.remove(removed);
  }

  /** Adds links (each record is one direction). */
  addLinks(links: readonly LinkRecord[]): void {
    for (const l of links) {
      let m = this.links.get(l.from);
      if (!m) this.links.set(l.from, (m = new Map()));
      m.set(l.to, l.score);
    }
  }

  /**
   * Per-slot mask of current, active versions, or undefined when the index
   * mask alone already leaves only those.
   */
  currentMask(): Uint8Array | undefined {
    return this.liveCount === this.currentCount
      ? undefined
      : this.current.slice(0, this.index.size);
  }

  /** Every version of a memory (past ones, then the current one). */
  versionsOf(id: string): MemoryRecord[] {
    const rec = this.records.get(id);
    return [...(this.past.get(id) ?? []), ...(rec ? [rec] : [])];
  }

  /** Forgets everything (after `reset`). */
  clear(): void {
    this.records.clear();
    this.past.clear();
    this.links.clear();
    this.loadedLexical = undefined;
    this.slotRecord.length = 0;
    this.live = new Uint8Array(0);
    this.current = new Uint8Array(0);
    this.liveCount = 0;
    this.currentCount = 0;
  }

  private grow(size: number): void {
    if (size <= this.live.length) return;
    const cap = Math.max(size, Math.ceil(this.live.length * 1.5), 1024);
    const live = new Uint8Array(cap);
    live.set(this.live);
    const current = new Uint8Array(cap);
    current.set(this.current);
    this.live = live;
    this.current = current;
  }

  private setCurrent(slot: number, on: boolean): void {
    this.grow(slot + 1);
    const was = this.current[slot] === 1;
    if (was === on) return;
    this.current[slot] = on ? 1 : 0;
    this.currentCount += on ? 1 : -1;
  }

  /** Returns true when the slot's liveness changed. */
  private setLive(slot: number, on: boolean): boolean {
    this.grow(slot + 1);
    const was = this.live[slot] === 1;
    if (was === on) return false;
    this.live[slot] = on ? 1 : 0;
    this.liveCount += on ? 1 : -1;
    return true;
  }
}
