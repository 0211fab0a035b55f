// Each indexed memory's stage data by id: set one by one as memories are indexed, or taken
// from a checkpoint's lexical columns as they lie (their rows found through an IdIndex).
import type { IdIndex } from '../util/id-index';
import type { DocInfo } from './lexical-row';

/**
 * A memory's {@link DocInfo} by id, as a Map of them would answer: entries set one by one, and
 * those of a checkpoint's rows, which stay in its column (`load`) until replaced or dropped, so
 * an open makes no Map over every id (see `IdIndex`).
 */
export class InfoTable {
  private readonly objects = new Map<string, DocInfo>();
  private index: IdIndex | undefined;
  private infos: readonly DocInfo[] = [];
  /** Per column row: 1 once replaced or dropped. */
  private gone = new Uint8Array(0);
  private loaded = 0;

  /**
   * Takes the rows `index` holds from a column (into an empty table).
   * @param infos - the column: row `i`'s info at `infos[i]`
   * @param index - the rows taken, by id
   */
  load(infos: readonly DocInfo[], index: IdIndex): void {
    if (this.size > 0) throw new Error('InfoTable.load needs an empty table');
    this.index = index;
    this.infos = infos;
    this.gone = new Uint8Array(infos.length);
    this.loaded = index.size;
  }

  /** The column row of `id` while it is current there. */
  private row(id: string): number | undefined {
    const i = this.index?.get(id);
    return i !== undefined && this.gone[i] === 0 ? i : undefined;
  }

  /** Entries held. */
  get size(): number {
    return this.loaded + this.objects.size;
  }

  /**
   * A memory's info.
   * @param id - memory id
   */
  get(id: string): DocInfo | undefined {
    // The column first: a Map's get hashes its key (≈ 1 µs for an id just decoded), and an id
    // is in one of the two at most.
    const i = this.row(id);
    if (i !== undefined) return this.infos[i];
    return this.objects.size > 0 ? this.objects.get(id) : undefined;
  }

  /**
   * Whether a memory has an entry.
   * @param id - memory id
   */
  has(id: string): boolean {
    return this.row(id) !== undefined || (this.objects.size > 0 && this.objects.has(id));
  }

  /**
   * Sets a memory's info (replacing a loaded one).
   * @param id - memory id
   * @param info - its info
   */
  set(id: string, info: DocInfo): void {
    this.drop(id);
    this.objects.set(id, info);
  }

  /**
   * Drops a memory's entry; a no-op for an unknown id.
   * @param id - memory id
   */
  delete(id: string): void {
    this.drop(id);
    this.objects.delete(id);
  }

  private drop(id: string): void {
    const i = this.row(id);
    if (i === undefined) return;
    this.gone[i] = 1;
    this.loaded--;
  }

  /** Drops every entry. */
  clear(): void {
    this.objects.clear();
    this.index = undefined;
    this.infos = [];
    this.gone = new Uint8Array(0);
    this.loaded = 0;
  }
}
