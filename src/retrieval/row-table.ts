// The lexical rows a retriever holds, by memory id: rows indexed one by one are kept as objects;
// rows indexed in bulk from a checkpoint's columns stay there, made into an object only when a
// stage asks for one (a few per search), so opening a store makes none.
import { rowAt, type LexicalColumns } from '../store/lexical-columns';
import type { LexicalRow } from './lexical-row';

/** Lexical rows by memory id: objects, or rows of columns made on demand. */
export class RowTable {
  private readonly objects = new Map<string, LexicalRow>();
  /** Rows still in columns: id → row number in `columns`. */
  private readonly inColumns = new Map<string, number>();
  private columns: LexicalColumns | undefined;

  /**
   * A memory's row: one held in columns is made the first time and kept from then on (the same
   * object each time: stages cache what they derive from a row by the row object).
   * @param id - memory id
   */
  get(id: string): LexicalRow | undefined {
    const row = this.objects.get(id);
    if (row || !this.columns) return row;
    const i = this.inColumns.get(id);
    if (i === undefined) return undefined;
    const made = rowAt(this.columns, i);
    this.inColumns.delete(id);
    this.objects.set(id, made);
    return made;
  }

  /**
   * Keeps a row (replacing any other of that memory).
   * @param row - the row
   */
  set(row: LexicalRow): void {
    this.inColumns.delete(row.id);
    this.objects.set(row.id, row);
  }

  /**
   * Keeps rows of columns by reference (replacing any other of those memories).
   * @param columns - the columns (one set at a time: a second replaces the first's rows)
   * @param rows - row numbers to keep
   */
  setColumns(columns: LexicalColumns, rows: readonly number[]): void {
    if (this.columns && this.columns !== columns) {
      // Rows of the earlier columns become objects (kept, not lost).
      for (const [id, i] of this.inColumns) this.objects.set(id, rowAt(this.columns, i));
      this.inColumns.clear();
    }
    this.columns = columns;
    for (const i of rows) {
      const id = columns.ids[i]!;
      this.objects.delete(id);
      this.inColumns.set(id, i);
    }
  }

  /**
   * Drops a memory's row.
   * @param id - memory id
   */
  delete(id: string): void {
    this.objects.delete(id);
    this.inColumns.delete(id);
  }

  /** Drops every row. */
  clear(): void {
    this.objects.clear();
    this.inColumns.clear();
    this.columns = undefined;
  }

  /** Every row (those in columns made into objects). */
  *values(): IterableIterator<LexicalRow> {
    yield* this.objects.values();
    for (const i of this.inColumns.values()) yield rowAt(this.columns!, i);
  }
}
