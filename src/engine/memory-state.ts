import type { LinkRecord, MemoryRecord } from '../store/records';
import type { RecordColumns } from '../store/checkpoint-columns';
import { RecordTable } from './record-table';
import type { VectorIndex } from '../search/vector-index';
import { forgetLoaded, type LoadedLexical } from '../retrieval/loaded-lexical';
import { sameDoc, type LexicalRow } from '../retrieval/lexical-row';
import type { Scope } from '../types';
import { inScope } from './validate';

/** No past versions. */
const NO_VERSIONS: readonly MemoryRecord[] = [];

/** Scope index keys of a record or a scope: one per field set. */
function scopeKeys(s: Scope): string[] {
  const out: string[] = [];
  if (s.userId !== undefined) out.push(`u:${s.userId}`);
  if (s.agentId !== undefined) out.push(`a:${s.agentId}`);
  if (s.runId !== undefined) out.push(`r:${s.runId}`);
  return out;
}

/** Most scope masks {@link MemoryState.scopeMask} keeps between two changes. */
const MAX_CACHED_MASKS = 8;

/** Most lexical rows {@link MemoryState.noteRows} keeps waiting for a search. */
export const MAX_FRESH_ROWS = 200_000;

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
  /** Current version of every memory (any state); those loaded by {@link load} made when read. */
  readonly records = new RecordTable();
  /** Superseded versions by memory id, oldest first. */
  readonly past = new Map<string, MemoryRecord[]>();
  /** Slot → the version whose vector lives there (see {@link recordAt}). */
  private readonly slotRecord: (MemoryRecord | undefined)[] = [];
  /** Slot → 1 + the row of {@link load}'s columns whose record lives there, until set anew. */
  private slotRow = new Int32Array(0);
  /** Columns {@link load} took, until the scope index is made from them (at its first use). */
  private scopesFrom: RecordColumns | undefined;
  /** Links: id → (neighbour id → score). */
  readonly links = new Map<string, Map<string, number>>();
  /** The lexical index built at open from stored rows, until the first search takes it. */
  loadedLexical: LoadedLexical | undefined;
  /**
   * Lexical rows made for current records at commit (for the lexical store), kept until the
   * next search indexes them: it takes the row instead of analysing the record a second time.
   */
  private readonly freshRows = new Map<string, { rec: MemoryRecord; row: LexicalRow }>();
  /** Ids changed since {@link takeChanged}; undefined: everything (after `clear`). */
  private changed: Set<string> | undefined = new Set();
  /** Current records by scope field value (`u:`/`a:`/`r:` + id), any state. */
  private readonly byScope = new Map<string, Set<string>>();
  /** Masks made at `writes` for an index of `size` slots, by scope key ('' : every memory). */
  private masks: {
    writes: number;
    size: number;
    byKey: Map<string, { allow: Uint8Array | undefined; any: boolean }>;
  } = { writes: -1, size: -1, byKey: new Map() };
  private live = new Uint8Array(0);
  private current = new Uint8Array(0);
  private liveCount = 0;
  private currentCount = 0;
  /**
   * Bumped by every change to vectors, records or masks: a nearest-neighbour look-up made at
   * one value still holds while the value is the same (an `add` plans its links that way).
   */
  writes = 0;

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
    this.writes++;
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
   * Takes the store's `n` slots as written, their rows held by the index without being written
   * here (an IVF index staged from its stored lists, `IvfIndex.stageLayout`): every slot masked
   * until {@link apply}, as {@link appendVectors} leaves new ones.
   */
  stageVectors(n: number): void {
    this.writes++;
    this.index.remove(Array.from({ length: n }, (_, s) => s));
    this.grow(n);
  }

  /**
   * Applies new current versions and past versions whose vectors are already
   * in the index; updates slot ownership and masks.
   */
  apply(records: readonly MemoryRecord[], versions: readonly MemoryRecord[] = []): void {
    this.writes++;
    for (const v of versions) {
      const list = (this.past.get(v.id) ?? []).filter((p) => p.version !== v.version);
      list.push(v);
      list.sort((a, b) => a.version - b.version);
      this.past.set(v.id, list);
      this.setSlot(v.slot, v);
    }
    for (const rec of records) {
      const prev = this.records.get(rec.id);
      if (prev && prev.slot !== rec.slot) this.setCurrent(prev.slot, false);
      if (prev) this.unindexScope(prev);
      this.indexScope(rec);
      this.records.set(rec.id, rec);
      this.setSlot(rec.slot, rec);
      this.setCurrent(rec.slot, rec.state === 'active');
    }
    // The memories touched, as a set only where one is kept (not at open: nothing is).
    if (this.loadedLexical || this.changed) {
      const touched = new Set<string>();
      for (const v of versions) touched.add(v.id);
      for (const rec of records) touched.add(rec.id);
      this.forgetLoadedLexical(touched);
      for (const id of touched) this.changed?.add(id);
    }
    const removed: number[] = [];
    const restored: number[] = [];
    // (No array made per memory: at open this runs once for each of 100k.)
    const mark = (slot: number, live: boolean) => {
      if (this.setLive(slot, live)) (live ? restored : removed).push(slot);
    };
    // Each touched memory's slots live or not (a memory named twice: the same marks again,
    // which change nothing).
    const settle = (id: string) => {
      const rec = this.records.get(id);
      const live = rec !== undefined && keepsVectors(rec);
      for (const v of this.past.get(id) ?? NO_VERSIONS) mark(v.slot, live);
      if (rec) mark(rec.slot, live);
    };
    for (const v of versions) settle(v.id);
    for (const rec of records) settle(rec.id);
    if (removed.length) this.index.remove(removed);
    if (restored.length) this.index.restore(restored);
  }

  /**
   * Keeps the lexical rows just written for current records (see {@link takeRow}); at most
   * {@link MAX_FRESH_ROWS} wait (a store searched only densely never takes them).
   * @param rows - rows made at commit, each from the record now current
   */
  noteRows(rows: readonly LexicalRow[]): void {
    for (const row of rows) {
      const rec = this.records.get(row.id);
      if (rec && (this.freshRows.size < MAX_FRESH_ROWS || this.freshRows.has(row.id)))
        this.freshRows.set(row.id, { rec, row });
    }
  }

  /**
   * The lexical row written for a record's content, if one waits (then forgets it): undefined
   * when none does or the record has changed what it indexes since.
   * @param rec - the current record the retriever is about to index
   */
  takeRow(rec: MemoryRecord): LexicalRow | undefined {
    const fresh = this.freshRows.get(rec.id);
    if (!fresh) return undefined;
    this.freshRows.delete(rec.id);
    return sameDoc(fresh.rec, rec) ? fresh.row : undefined;
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
    this.writes++;
    const removed: number[] = [];
    ids = new Set(ids);
    this.forgetLoadedLexical(ids as Set<string>);
    for (const id of ids) {
      this.freshRows.delete(id);
      const rec = this.records.get(id);
      this.changed?.add(id);
      if (rec) this.unindexScope(rec);
      for (const v of [...(this.past.get(id) ?? []), ...(rec ? [rec] : [])]) {
        this.setCurrent(v.slot, false);
        if (this.setLive(v.slot, false)) removed.push(v.slot);
        this.setSlot(v.slot, undefined);
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
    this.writes++;
    const removed: number[] = [];
    for (const v of this.versionsOf(id)) {
      if (v.version < version) continue;
      this.setCurrent(v.slot, false);
      if (this.setLive(v.slot, false)) removed.push(v.slot);
      this.setSlot(v.slot, undefined);
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
    if (this.liveCount === this.currentCount) return undefined;
    return this.cachedMask('', () => ({ allow: this.current.slice(0, this.index.size), any: true }))
      .allow;
  }

  /**
   * A mask made since the last change (same {@link writes}, same index size), else `make()`'s,
   * kept for the next searches: a read that repeats a scope costs nothing sized by the store.
   * Masks handed out are never written to afterwards (a change makes new ones), so a search
   * may hold one across its awaits.
   */
  private cachedMask(
    key: string,
    make: () => { allow: Uint8Array | undefined; any: boolean },
  ): { allow: Uint8Array | undefined; any: boolean } {
    const size = this.index.size;
    if (this.masks.writes !== this.writes || this.masks.size !== size)
      this.masks = { writes: this.writes, size, byKey: new Map() };
    let m = this.masks.byKey.get(key);
    if (!m) {
      m = make();
      // A few scopes at a time (an app searching for many users builds each mask anew).
      if (this.masks.byKey.size >= MAX_CACHED_MASKS) this.masks.byKey.clear();
      this.masks.byKey.set(key, m);
    }
    return m;
  }

  /**
   * The ids whose current record changed or was dropped since the last call (then forgets
   * them), or undefined after `clear` (everything may have changed).
   */
  takeChanged(): ReadonlySet<string> | undefined {
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  /**
   * Slot mask of the current, active memories in `scope`, built from the scope index (in
   * proportion to the memories in scope, not to the store); `allow` undefined: no constraint
   * beyond the index's own mask. `any`: whether some memory qualifies.
   * @param scope - userId / agentId / runId to match (none: every memory)
   * @param match - optional further test of a record (a metadata filter)
   * @returns `allCurrent`: no scope and no filter, so the mask (if any) only hides versions
   *   that are not current and active
   */
  scopeMask(
    scope: Scope,
    match?: (r: MemoryRecord) => boolean,
  ): { allow: Uint8Array | undefined; any: boolean; allCurrent?: true } {
    const keys = scopeKeys(scope);
    if (keys.length === 0 && !match)
      return { allow: this.currentMask(), any: this.currentCount > 0, allCurrent: true };
    // A scope alone: the same mask until the next change (a metadata filter is a function,
    // so its mask is made anew each time).
    if (!match) return this.cachedMask(keys.join('\u0000'), () => this.scopedMask(scope, keys));
    return this.scopedMask(scope, keys, match);
  }

  private scopedMask(
    scope: Scope,
    keys: string[],
    match?: (r: MemoryRecord) => boolean,
  ): { allow: Uint8Array | undefined; any: boolean } {
    let ids: Iterable<string> = this.records.keys();
    const byScope = keys.length ? this.scopeIndex() : this.byScope;
    const sets = keys.map((k) => byScope.get(k));
    if (sets.some((x) => x === undefined))
      return { allow: new Uint8Array(this.index.size), any: false };
    const scopeSets = sets as Set<string>[];
    if (scopeSets.length) ids = scopeSets.reduce((a, b) => (b.size < a.size ? b : a));
    const allow = new Uint8Array(this.index.size);
    let any = false;
    for (const id of ids) {
      // A record still in its columns is not made: its state and slot are read there, and it
      // is in the scope when each of the scope's fields has it in its set (the sets hold the
      // current records' values).
      const row = match ? -1 : this.records.loadedRowOf(id);
      if (row >= 0) {
        if (this.records.rowState(row) === 'active' && scopeSets.every((set) => set.has(id))) {
          allow[this.records.rowSlot(row)] = 1;
          any = true;
        }
        continue;
      }
      const r = this.records.get(id);
      if (r && r.state === 'active' && inScope(r, scope) && (!match || match(r))) {
        allow[r.slot] = 1;
        any = true;
      }
    }
    return { allow, any };
  }

  /** Every version of a memory (past ones, then the current one). */
  versionsOf(id: string): MemoryRecord[] {
    const rec = this.records.get(id);
    return [...(this.past.get(id) ?? []), ...(rec ? [rec] : [])];
  }

  /** Forgets everything (after `reset`). */
  clear(): void {
    this.writes++;
    this.records.clear();
    this.byScope.clear();
    this.changed = undefined;
    this.past.clear();
    this.links.clear();
    this.loadedLexical = undefined;
    this.freshRows.clear();
    this.slotRecord.length = 0;
    this.slotRow = new Int32Array(0);
    this.scopesFrom = undefined;
    this.live = new Uint8Array(0);
    this.current = new Uint8Array(0);
    this.liveCount = 0;
    this.currentCount = 0;
  }

  /** The version whose vector lives in a slot (a record loaded in columns is made now). */
  recordAt(slot: number): MemoryRecord | undefined {
    const rec = this.slotRecord[slot];
    if (rec !== undefined || slot >= this.slotRow.length) return rec;
    const row = this.slotRow[slot]! - 1;
    return row >= 0 ? this.records.loadedAt(row) : undefined;
  }

  private setSlot(slot: number, rec: MemoryRecord | undefined): void {
    this.slotRecord[slot] = rec;
    if (slot < this.slotRow.length) this.slotRow[slot] = 0;
  }

  /**
   * Takes a checkpoint's memories left in their columns into an empty state (an open), as
   * {@link apply} of their records and `versions` would, without making a record: each is
   * made when something reads it ({@link records}, {@link recordAt}), the scope index from
   * the columns at its first use. A memory's past versions still come as records.
   * @returns false (nothing taken) when the state holds memories or the columns repeat an id
   */
  load(cols: RecordColumns, versions: readonly MemoryRecord[]): boolean {
    if (this.records.size > 0 || this.past.size > 0 || !this.records.load(cols)) return false;
    this.scopesFrom = cols;
    let top = -1;
    for (let i = 0; i < cols.n; i++) top = Math.max(top, cols.slots[i]!);
    this.grow(top + 1);
    this.slotRow = new Int32Array(top + 1);
    // As `apply`: the versions first (their memories' records are made), then every row.
    this.apply([], versions);
    const restored: number[] = [];
    for (let i = 0; i < cols.n; i++) {
      const slot = cols.slots[i]!;
      if (slot < this.slotRecord.length) this.slotRecord[slot] = undefined; // (a version's)
      this.slotRow[slot] = i + 1;
      const st = cols.states[i];
      this.setCurrent(slot, st === 'active');
      if ((st === 'active' || st === 'invalidated') && this.setLive(slot, true))
        restored.push(slot);
    }
    if (restored.length) this.index.restore(restored);
    return true;
  }

  /** The scope index, made from {@link load}'s columns at its first use. */
  private scopeIndex(): Map<string, Set<string>> {
    const cols = this.scopesFrom;
    if (!cols) return this.byScope;
    this.scopesFrom = undefined;
    const { ids } = cols;
    for (const [prefix, col] of [
      ['u:', cols.scopes.userId],
      ['a:', cols.scopes.agentId],
      ['r:', cols.scopes.runId],
    ] as const) {
      if (!col) continue;
      for (let i = 0; i < cols.n; i++) {
        if (col[i] === 0) continue;
        const k = `${prefix}${String(col[i])}`;
        let set = this.byScope.get(k);
        if (!set) this.byScope.set(k, (set = new Set()));
        set.add(ids[i]!);
      }
    }
    return this.byScope;
  }

  private indexScope(r: MemoryRecord): void {
    const byScope = this.scopeIndex();
    for (const k of scopeKeys(r)) {
      let set = byScope.get(k);
      if (!set) byScope.set(k, (set = new Set()));
      set.add(r.id);
    }
  }

  private unindexScope(r: MemoryRecord): void {
    const byScope = this.scopeIndex();
    for (const k of scopeKeys(r)) {
      const set = byScope.get(k);
      set?.delete(r.id);
      if (set?.size === 0) byScope.delete(k);
    }
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
