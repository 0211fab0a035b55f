// The lexical index a store's rows make at open: built while the vectors still stream in, kept
// clear of memories that change before the first search takes it (see `syncedRetriever`).
import { LEXICAL_VERSION, type LexicalRow } from './lexical-row';
import { Retriever } from './retriever';
import type { LexicalColumns } from '../store/lexical-columns';

/**
 * A Retriever built at open from the store's lexical rows (while the vectors still stream in),
 * and the ids it indexed. Until the first search takes it, a memory that changes is removed
 * from it (`forget`), to be analysed anew from its record.
 */
export interface LoadedLexical {
  retriever: Retriever;
  ids: Set<string>;
}

/**
 * Indexes stored lexical rows of the analysis in use (rows of another version are left out:
 * their memories are analysed anew by the first search).
 * @param rows - the lexical rows the store (or its checkpoint) holds as objects
 * @param columns - rows a checkpoint holds in columns (indexed from there, in bulk)
 */
export function retrieverFromRows(
  rows: readonly LexicalRow[],
  columns?: LexicalColumns,
): LoadedLexical {
  const retriever = new Retriever();
  const ids = new Set<string>();
  if (columns) {
    const take: number[] = [];
    for (let i = 0; i < columns.n; i++) {
      const id = columns.ids[i]!;
      if (columns.v[i] !== LEXICAL_VERSION || ids.has(id)) continue;
      take.push(i);
      ids.add(id);
    }
    retriever.loadColumns(columns, take);
  }
  for (const row of rows) {
    if (row.v !== LEXICAL_VERSION) continue;
    retriever.upsertRow(row);
    ids.add(row.id);
  }
  return { retriever, ids };
}

/**
 * Drops memories from a loaded lexical index (they changed after the rows were written).
 * @param loaded - the index built at open
 * @param ids - memories that changed
 */
export function forgetLoaded(loaded: LoadedLexical, ids: Iterable<string>): void {
  for (const id of ids) if (loaded.ids.delete(id)) loaded.retriever.remove(id);
}
