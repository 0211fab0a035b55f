// The lexical rows a retriever holds, by memory id: rows indexed one by one are kept as objects;
// rows indexed in bulk from a checkpoint's columns stay there, made into an object only when a
// stage asks for one (a few per search), so opening a store makes none.
import { rowAt, type LexicalColumns } from '../store/lexical-columns';
import type { IdIndex } from '../util/id-index';
import type { LexicalRow } from './lexical-row';

/** Lexical rows by memory id: objects, or rows of columns made on demand. */
export class RowTable {
  private readonly objects = new Map<string, LexicalRow>();
  /** Rows in columns, found by id through `index` (no Map over the ids: see `IdIndex`). */
  private columns: LexicalColumns | undefined;
  private index: IdIndex | undefined;
  /** The column rows indexed. */
  private rows: readonly number[] = [];
  /** Per column row: 1 once it is no longer current there (made into an object, replaced or dropped). */
  private gone = new Uint8Array(0);

  /** The column row of `id` while it is current there. */
  private columnRow(id: string): number | undefined {
    const i = this.index?.get(id);
    return i !== undefined && this.gone[i] === 0 ? i : undefined;
  }

  /**
   * A memory's row: one held in columns is made the first time and kept from then on (the same
   * object each time: stages cache what they derive from a row by the row object).
   * @param id - memory id
   */
  get(id: string): LexicalRow | undefined {
    // The columns first: a Map's get hashes its key (≈ 1 µs for an id just decoded), and an id
    // is current in one of the two at most.
    const i = this.columnRow(id);
    if (i === undefined) return this.objects.size > 0 ? this.objects.get(id) : undefined;
    const made = rowAt(this.columns!, i);
    this.gone[i] = 1;
    this.objects.set(id, made);
    return made;
  }

  /**
   * Keeps a row (replacing any other of that memory).
   * @param row - the row
   */
  set(row: LexicalRow): void {
    const i = this.columnRow(row.id);
    if (i !== undefined) this.gone[i] = 1;
    this.objects.set(row.id, row);
  }

  /**
   * Keeps rows of columns by reference (replacing any other of those memories).
   * @param columns - the columns (one set at a time: a second replaces the first's rows)
   * @param rows - row numbers to keep (ids distinct)
   * @param index - those rows' ids (`IdIndex.of(columns.ids, rows)`)
   */
  setColumns(columns: LexicalColumns, rows: readonly number[], index: IdIndex): void {
    if (this.columns && this.columns !== columns) {
      // Rows of the earlier columns become objects (kept, not lost).
      for (const i of this.rows)
        if (this.gone[i] === 0) this.objects.set(this.columns.ids[i]!, rowAt(this.columns, i));
    }
    // (Only when there are objects: a Map's delete hashes its key, ≈ 1 µs for an id just decoded.)
    if (this.objects.size > 0) for (const i of rows) this.objects.delete(columns.ids[i]!);
    this.columns = columns;
    this.index = index;
    this.rows = rows;
    this.gone = new Uint8Array(columns.n);
  }

  /**
   * Drops a memory's row.
   * @param id - memory id
   */
  delete(id: string): void {
    this.objects.delete(id);
    const i = this.columnRow(id);
    if (i !== undefined) this.gone[i] = 1;
  }

  /** Drops every row. */
  clear(): void {
    this.objects.clear();
    this.columns = undefined;
    this.index = undefined;
    this.rows = [];
    this.gone = new Uint8Array(0);
  }

  /** Every row (those in columns made into objects). */
  *values(): IterableIterator<LexicalRow> {
    yield* this.objects.values();
    for (const i of this.rows) if (this.gone[i] === 0) yield rowAt(this.columns!, i);
  }
}
