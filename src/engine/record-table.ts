// The current record of every memory, by id: a Map whose records loaded from a checkpoint stay
// in its columns until something reads one. An open of 100k memories then makes no record
// object (≈ 0.1 s of making and collecting them at 100k): its first search reads a few hundred.
import type { RecordColumns } from '../store/checkpoint-columns';
import type { MemoryRecord } from '../store/records';
import type { RecordLookup } from '../retrieval/engine-search';
import { IdIndex } from '../util/id-index';

/** A row's record is current. */
const LOADED = 0;
/** A row's memory has another current record since (in the map). */
const REPLACED = 1;
/** A row's memory was deleted (the map may hold a record set for its id again since). */
const GONE = 2;

/**
 * A `Map<string, MemoryRecord>` (the same answers, the same iteration order) that can start
 * from a checkpoint's columns ({@link load}): a loaded row's record is made when first read and
 * then kept, so every read of it gives the same object, as a Map's would.
 */
export class RecordTable implements RecordLookup {
  /** Records set since the load (and every record when nothing was loaded). */
  private readonly map = new Map<string, MemoryRecord>();
  private cols: RecordColumns | undefined;
  /** Loaded rows by id (an IdIndex, not a Map: see `util/id-index.ts`). */
  private rowOf: IdIndex | undefined;
  private made: (MemoryRecord | undefined)[] = [];
  private status = new Uint8Array(0);
  /** Rows LOADED or REPLACED. */
  private live = 0;
  /** Rows REPLACED (their current record is in `map`). */
  private replaced = 0;

  /**
   * Starts an empty table from columns: each row's record current, in row order.
   * @returns false (nothing taken) when the table holds records or an id comes twice
   */
  load(cols: RecordColumns): boolean {
    if (this.size > 0) return false;
    const rowOf = IdIndex.of(cols.ids);
    if (!rowOf || cols.ids.length !== cols.n) return false;
    this.cols = cols;
    this.rowOf = rowOf;
    this.made = new Array<MemoryRecord | undefined>(cols.n);
    this.status = new Uint8Array(cols.n);
    this.live = cols.n;
    this.replaced = 0;
    return true;
  }

  get size(): number {
    return this.live - this.replaced + this.map.size;
  }

  /** The loaded row of an id whose record is still the loaded one, else undefined. */
  private loadedRow(id: string): number | undefined {
    if (!this.cols) return undefined;
    const row = this.rowOf?.get(id);
    return row !== undefined && this.status[row] === LOADED ? row : undefined;
  }

  private record(row: number): MemoryRecord {
    return (this.made[row] ??= this.cols!.make(row));
  }

  get(id: string): MemoryRecord | undefined {
    return this.current(id);
  }

  private current(id: string): MemoryRecord | undefined {
    const row = this.loadedRow(id);
    return row !== undefined ? this.record(row) : this.map.get(id);
  }

  has(id: string): boolean {
    return this.loadedRow(id) !== undefined || this.map.has(id);
  }

  loadedRowOf(id: string, hint?: number): number {
    const cols = this.cols;
    // (A hint checked: the id in that row, still current. 100k look-ups by id at the first
    // search cost ≈ 20 ms, their hash table's memory read at random.)
    if (cols && hint !== undefined && hint >= 0 && hint < cols.n && cols.ids[hint] === id)
      return this.status[hint] === LOADED ? hint : -1;
    return this.loadedRow(id) ?? -1;
  }

  rowState(row: number): unknown {
    return this.cols!.states[row];
  }

  rowTextLength(row: number): number {
    return this.cols!.textLengths[row]!;
  }

  /** A loaded row's slot, read in its column. */
  rowSlot(row: number): number {
    return this.cols!.slots[row]!;
  }

  loadedRecord(id: string): MemoryRecord | undefined {
    const row = this.cols ? this.rowOf?.get(id) : undefined;
    return row === undefined ? undefined : this.record(row);
  }

  /** The record loaded in a row (made if need be), whether or not it is still current. */
  loadedAt(row: number): MemoryRecord | undefined {
    return this.cols && row >= 0 && row < this.cols.n ? this.record(row) : undefined;
  }

  set(id: string, rec: MemoryRecord): this {
    const row = this.loadedRow(id);
    if (row !== undefined) {
      this.status[row] = REPLACED;
      this.replaced++;
    }
    this.map.set(id, rec);
    return this;
  }

  delete(id: string): boolean {
    const row = this.cols ? this.rowOf?.get(id) : undefined;
    const st = row === undefined ? GONE : this.status[row];
    if (st === GONE) return this.map.delete(id);
    this.status[row!] = GONE;
    this.live--;
    if (st === REPLACED) {
      this.replaced--;
      this.map.delete(id);
    }
    return true;
  }

  clear(): void {
    this.map.clear();
    this.cols = undefined;
    this.rowOf = undefined;
    this.made = [];
    this.status = new Uint8Array(0);
    this.live = 0;
    this.replaced = 0;
  }

  /**
   * As a Map's: the loaded rows in row order (those whose memory is still there), then the ids
   * set since (a replaced row's id stays at its row's place, as a Map keeps a key's place).
   * Nothing loaded: the map's own iterator.
   */
  keys(): IterableIterator<string> {
    return this.cols ? this.loadedKeys(this.cols) : this.map.keys();
  }

  entries(): IterableIterator<[string, MemoryRecord]> {
    return this.cols ? this.loadedEntries() : this.map.entries();
  }

  values(): IterableIterator<MemoryRecord> {
    return this.cols ? this.loadedValues() : this.map.values();
  }

  private *loadedKeys(cols: RecordColumns): IterableIterator<string> {
    for (let i = 0; i < cols.n; i++) if (this.status[i] !== GONE) yield cols.ids[i]!;
    for (const id of this.map.keys()) {
      const row = this.rowOf?.get(id);
      if (row === undefined || this.status[row] !== REPLACED) yield id;
    }
  }

  private *loadedEntries(): IterableIterator<[string, MemoryRecord]> {
    for (const id of this.keys()) yield [id, this.current(id)!];
  }

  private *loadedValues(): IterableIterator<MemoryRecord> {
    for (const id of this.keys()) yield this.current(id)!;
  }

  [Symbol.iterator](): IterableIterator<[string, MemoryRecord]> {
    return this.entries();
  }
}
