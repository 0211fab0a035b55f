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
  /** The ids it indexed, each once (an array, not a set: at 100k a set cost ≈ 30 ms of the open). */
  ids: readonly string[];
  /**
   * Of each of `ids`, its row in the checkpoint's memories where the checkpoint says (else -1):
   * its record is found there without a look-up by id (`RecordLookup.loadedRowOf`).
   */
  memoryRows?: readonly number[];
  /** Those of them forgotten since (no longer in the retriever). */
  forgotten: Set<string>;
}

/**
 * Indexes stored lexical rows of the analysis in use (rows of another version are left out:
 * their memories are analysed anew by the first search). Of rows in columns that name one
 * memory twice (a damaged checkpoint; the engine writes one row per memory), the first is taken.
 * @param rows - the lexical rows the store (or its checkpoint) holds as objects
 * @param columns - rows a checkpoint holds in columns (indexed from there, in bulk)
 */
export function retrieverFromRows(
  rows: readonly LexicalRow[],
  columns?: LexicalColumns,
): LoadedLexical {
  let retriever = new Retriever();
  let ids: string[] = [];
  let memoryRows: number[] | undefined;
  if (columns) {
    let take: number[] = [];
    for (let i = 0; i < columns.n; i++) if (columns.v[i] === LEXICAL_VERSION) take.push(i);
    retriever.loadColumns(columns, take);
    // Fewer memories indexed than rows taken: an id came twice. Again with the first of each.
    if (retriever.size !== take.length) {
      const seen = new Set<string>();
      take = take.filter((i) => !seen.has(columns.ids[i]!) && !!seen.add(columns.ids[i]!));
      retriever = new Retriever();
      retriever.loadColumns(columns, take);
    }
    ids = take.map((i) => columns.ids[i]!);
    const at = columns.memoryAt;
    if (at) memoryRows = take.map((i) => (at[i] === 0xffffffff ? -1 : at[i]!));
  }
  for (const row of rows) {
    if (row.v !== LEXICAL_VERSION) continue;
    const had = retriever.has(row.id);
    retriever.upsertRow(row);
    if (!had) {
      ids.push(row.id);
      memoryRows?.push(-1);
    }
  }
  return { retriever, ids, ...(memoryRows ? { memoryRows } : {}), forgotten: new Set() };
}

/**
 * Drops memories from a loaded lexical index (they changed after the rows were written).
 * @param loaded - the index built at open
 * @param ids - memories that changed
 */
export function forgetLoaded(loaded: LoadedLexical, ids: Iterable<string>): void {
  for (const id of ids)
    if (loaded.retriever.has(id)) {
      loaded.retriever.remove(id);
      loaded.forgotten.add(id);
    }
}
