// A resident-memory budget over any VectorIndex: the "hot" index (GPU or the
// chosen backend) holds at most `budgetBytes / bytesPerVector` rows; the rest
// live in a "cold" exact CPU index, scanned in a second pass whose hits are
// merged with the hot ones. Which rows are hot is decided by a value per slot.
import { EngramError, shown } from '../errors';
import { indexFootprint, type IndexMode } from './index-mode';
import { checkAllow, checkFirst, checkK, checkRows, checkSlots } from './topk';
import type { SearchHits, VectorIndex } from './vector-index';

/** Options of {@link TieredIndex}. */
export interface TieredIndexOptions {
  /** The resident index (its rows count against the budget). */
  hot: VectorIndex;
  /** The cold tier: an exact CPU index (no budget). */
  cold: VectorIndex;
  /** Most bytes the hot index's rows may take (≥ 0). */
  budgetBytes: number;
  /** Builds an empty hot index: lets a smaller budget free the hot index's bytes by rebuilding it. */
  makeHot?: () => Promise<VectorIndex>;
}

/**
 * Two tiers behind one {@link VectorIndex}: global slots map to a hot slot or
 * a cold slot. Writes go hot while the budget allows; past it, the hot row of
 * least {@link TieredIndex.value} (removed rows first) moves cold to make
 * room. Searches scan both tiers (`secondPass`, default true) and merge by
 * (score desc, slot asc); with exact tiers the answers equal one flat index's.
 *
 * @example
 * const tiered = new TieredIndex({ hot, cold: new CpuFlatIndex({ dim }), budgetBytes: 1 << 20 });
 * tiered.value = (slot) => importance[slot];
 * await tiered.write(0, vectors);
 * tiered.hotRows; // ≤ budgetBytes / bytes per vector
 */
export class TieredIndex implements VectorIndex {
  /** Value of a global slot; the lowest leave the hot tier first (default: all equal). */
  value: (slot: number) => number = () => 1;
  /** Scan the cold tier too (default true); false answers from the hot tier alone. */
  secondPass = true;
  private all = new Float32Array(0);
  private count = 0;
  private hotOf = new Int32Array(0);
  private coldOf = new Int32Array(0);
  private removed = new Uint8Array(0);
  private hotMap: number[] = [];
  private coldMap: number[] = [];
  private freeHot: number[] = [];
  private capacity: number;
  private hot: VectorIndex;
  private readonly cold: VectorIndex;
  private readonly makeHot?: () => Promise<VectorIndex>;

  /** @param options - see {@link TieredIndexOptions} */
  constructor(options: TieredIndexOptions) {
    this.hot = options.hot;
    this.cold = options.cold;
    this.makeHot = options.makeHot;
    this.capacity = this.rowsFor(options.budgetBytes);
  }

  private rowsFor(bytes: number): number {
    if (!(bytes >= 0)) {
      throw new EngramError(
        'InvalidArgument',
        `budget must be a number of bytes ≥ 0, got ${shown(bytes)}`,
      );
    }
    return Math.floor(bytes / this.residentBytesPerVector);
  }

  /** The hot index's backend. */
  get kind(): 'webgpu' | 'cpu' {
    return this.hot.kind;
  }

  /** Vector length. */
  get dim(): number {
    return this.hot.dim;
  }

  /** True while the hot index builds in the background (the cold tier is an exact scan). */
  get building(): boolean {
    return this.hot.building === true;
  }

  /** Global slots ever written. */
  get size(): number {
    return this.count;
  }

  /** The hot index's stored form. */
  get mode(): IndexMode {
    return indexFootprint(this.hot).mode;
  }

  /** Bytes per hot row. */
  get residentBytesPerVector(): number {
    return indexFootprint(this.hot).residentBytesPerVector;
  }

  /** Rows in the hot tier (live or masked, each holding its bytes). */
  get hotRows(): number {
    return this.hotMap.length - this.freeHot.length;
  }

  /** Bytes the hot tier's rows take, free (reusable) rows included (≤ the budget after a rebalance). */
  get residentBytes(): number {
    return this.hotMap.length * this.residentBytesPerVector;
  }

  /** Most rows the hot tier may hold. */
  get hotCapacity(): number {
    return this.capacity;
  }

  /**
   * True when a global slot is in the hot tier.
   * @param slot - a written slot
   */
  isHot(slot: number): boolean {
    return (this.hotOf[slot] ?? -1) >= 0;
  }

  private grow(end: number): void {
    if (end <= this.hotOf.length) return;
    const cap = Math.max(end, Math.ceil(this.hotOf.length * 1.5), 1024);
    const hotOf = new Int32Array(cap).fill(-1);
    hotOf.set(this.hotOf);
    this.hotOf = hotOf;
    const coldOf = new Int32Array(cap).fill(-1);
    coldOf.set(this.coldOf);
    this.coldOf = coldOf;
    const removed = new Uint8Array(cap);
    removed.set(this.removed);
    this.removed = removed;
    const all = new Float32Array(cap * this.dim);
    all.set(this.all);
    this.all = all;
  }

  private row(slot: number): Float32Array {
    return this.all.subarray(slot * this.dim, (slot + 1) * this.dim);
  }

  /**
   * Writes rows (kept in a CPU copy, so rows can move between tiers). New
   * slots go hot, moving the least valuable hot rows cold when the budget is full.
   * @param first - first slot (`≤ size`)
   * @param vectors - row-major `n × dim`
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    checkFirst(first, this.count);
    const end = first + n;
    this.grow(end);
    this.all.set(vectors, first * this.dim);
    for (let g = first; g < Math.min(end, this.count); g++) {
      if (this.hotOf[g]! >= 0) await this.hot.write(this.hotOf[g]!, this.row(g));
      if (this.coldOf[g]! >= 0) await this.cold.write(this.coldOf[g]!, this.row(g));
    }
    const fresh: number[] = [];
    for (let g = Math.max(first, this.count); g < end; g++) fresh.push(g);
    this.count = Math.max(this.count, end);
    await this.place(fresh);
  }

  /** Puts slots with no tier yet into the hot tier as far as the budget goes (evicting lower values), the rest cold. */
  private async place(slots: number[]): Promise<void> {
    if (slots.length === 0) return;
    const room = this.capacity - this.hotRows;
    let evict: number[] = [];
    if (slots.length > room) {
      // Lowest-valued hot rows (removed ones first) make room for new ones.
      evict = this.hotMap
        .filter((g) => g >= 0)
        .map((g) => ({ g, v: this.removed[g] ? -Infinity : this.value(g) }))
        .sort((a, b) => a.v - b.v || b.g - a.g)
        .slice(0, Math.min(this.hotRows, slots.length - room))
        .map((e) => e.g);
    }
    await this.demote(evict);
    const hot = slots.slice(0, Math.max(0, room) + evict.length);
    await this.promote(hot);
    await this.toCold(slots.slice(hot.length));
  }

  /** Moves hot slots to the cold tier. */
  private async demote(slots: number[]): Promise<void> {
    if (slots.length === 0) return;
    const freed = slots.map((g) => this.hotOf[g]!);
    this.hot.remove(freed);
    for (const g of slots) {
      const h = this.hotOf[g]!;
      this.hotMap[h] = -1;
      this.freeHot.push(h);
      this.hotOf[g] = -1;
    }
    await this.toCold(slots);
  }

  /** Places slots (not hot) in the cold tier: their old cold slot or appended. */
  private async toCold(slots: number[]): Promise<void> {
    const append: number[] = [];
    for (const g of slots) {
      const c = this.coldOf[g]!;
      if (c >= 0) {
        await this.cold.write(c, this.row(g));
        if (!this.removed[g]) this.cold.restore([c]);
      } else append.push(g);
    }
    if (append.length === 0) return;
    const base = this.cold.size;
    const buf = new Float32Array(append.length * this.dim);
    append.forEach((g, j) => {
      buf.set(this.row(g), j * this.dim);
      this.coldOf[g] = base + j;
      this.coldMap[base + j] = g;
    });
    await this.cold.write(base, buf);
    const masked = append.filter((g) => this.removed[g]).map((g) => this.coldOf[g]!);
    if (masked.length) this.cold.remove(masked);
  }

  /** Moves slots (not hot) into free hot slots or appends them; masks their cold copies. */
  private async promote(slots: number[]): Promise<void> {
    const append: number[] = [];
    for (const g of slots) {
      const h = this.freeHot.pop();
      if (h === undefined) {
        append.push(g);
        continue;
      }
      await this.hot.write(h, this.row(g));
      this.hotMap[h] = g;
      this.hotOf[g] = h;
      if (!this.removed[g]) this.hot.restore([h]);
    }
    if (append.length) {
      const base = this.hot.size;
      const buf = new Float32Array(append.length * this.dim);
      append.forEach((g, j) => {
        buf.set(this.row(g), j * this.dim);
        this.hotOf[g] = base + j;
        this.hotMap[base + j] = g;
      });
      await this.hot.write(base, buf);
      const masked = append.filter((g) => this.removed[g]).map((g) => this.hotOf[g]!);
      if (masked.length) this.hot.remove(masked);
    }
    const cold = slots.map((g) => this.coldOf[g]!).filter((c) => c >= 0);
    if (cold.length) this.cold.remove(cold);
  }

  /**
   * Re-tiers every slot by value under a (new) budget: the most valuable live
   * rows fill the hot tier, everything else is cold.
   * @param budgetBytes - the budget (default: keep)
   */
  async rebalance(budgetBytes?: number): Promise<{ hot: number; cold: number }> {
    if (budgetBytes !== undefined) this.capacity = this.rowsFor(budgetBytes);
    const order = Array.from({ length: this.count }, (_, g) => g)
      .filter((g) => !this.removed[g])
      .map((g) => ({ g, v: this.value(g) }))
      .sort((a, b) => b.v - a.v || a.g - b.g)
      .map((e) => e.g);
    const want = new Set(order.slice(0, this.capacity));
    if (this.hotMap.length > this.capacity && this.makeHot) {
      // The hot index holds more rows than the budget allows: rebuild it smaller.
      const was = this.hotMap.filter((g) => g >= 0);
      const fresh = await this.makeHot();
      this.hot.dispose();
      this.hot = fresh;
      for (const g of was) this.hotOf[g] = -1;
      this.hotMap = [];
      this.freeHot = [];
      await this.toCold(was.filter((g) => !want.has(g)));
    }
    const out: number[] = [];
    for (let g = 0; g < this.count; g++) if (this.isHot(g) && !want.has(g)) out.push(g);
    await this.demote(out);
    await this.promote([...want].filter((g) => !this.isHot(g)));
    return { hot: this.hotRows, cold: this.count - this.hotRows };
  }

  /**
   * Masks slots in their tier.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    checkSlots(slots, this.count);
    this.mask(slots, 1);
  }

  /**
   * Unmasks slots in their tier.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    checkSlots(slots, this.count);
    this.mask(slots, 0);
  }

  private mask(slots: readonly number[], on: 0 | 1): void {
    const hot: number[] = [];
    const cold: number[] = [];
    for (const g of slots) {
      this.removed[g] = on;
      if (this.hotOf[g]! >= 0) hot.push(this.hotOf[g]!);
      if (this.coldOf[g]! >= 0 && this.hotOf[g]! < 0) cold.push(this.coldOf[g]!);
    }
    if (on) {
      this.hot.remove(hot);
      this.cold.remove(cold);
    } else {
      this.hot.restore(hot);
      this.cold.restore(cold);
    }
  }

  /**
   * Top-k of the hot tier and (with `secondPass`) the cold tier, merged.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query
   * @param allow - optional per-slot filter (global slots)
   */
  async search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    checkRows(queries, this.dim, 'query');
    checkK(k);
    checkAllow(allow);
    const pass = async (index: VectorIndex, map: number[]) => {
      if (index.size === 0) return null;
      const sub =
        allow && Uint8Array.from(map, (g) => (g >= 0 && g < allow.length ? allow[g]! : 0));
      const hits = await index.search(queries, k, sub);
      return hits.map((h) => ({
        slots: Int32Array.from(h.slots, (s) => map[s]!),
        scores: h.scores,
      }));
    };
    const hot = await pass(this.hot, this.hotMap);
    const cold = this.secondPass ? await pass(this.cold, this.coldMap) : null;
    const nq = queries.length / this.dim;
    return Array.from({ length: nq }, (_, q) => merge([hot?.[q], cold?.[q]], k));
  }

  /** Frees both tiers. */
  dispose(): void {
    this.hot.dispose();
    this.cold.dispose();
    this.all = new Float32Array(0);
  }
}

/** The k best of several hit lists by (score desc, slot asc). */
function merge(lists: (SearchHits | undefined)[], k: number): SearchHits {
  const all: { s: number; g: number }[] = [];
  for (const l of lists) l?.slots.forEach((g, j) => all.push({ s: l.scores[j]!, g }));
  all.sort((a, b) => b.s - a.s || a.g - b.g);
  const top = all.slice(0, k);
  return { slots: Int32Array.from(top, (e) => e.g), scores: Float32Array.from(top, (e) => e.s) };
}
