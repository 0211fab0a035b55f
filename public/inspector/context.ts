// What the inspector panels share: the store, the memories listed, the one selected, the
// scope chosen and the last search.
import type { Engram, Memory, Scope, SearchResult } from '../../src/index';

/** The playground's state, read by every panel. */
export interface Inspector {
  mem: Engram;
  /** Active memories in the chosen scope, oldest first. */
  memories: Memory[];
  /** The memory the timeline, versions and links panels show. */
  selected?: Memory;
  /** The scope the memory list and searches are limited to (empty: all). */
  scope: Scope;
  /** The last search, explained. */
  lastSearch?: { query: string; results: SearchResult[] };
  /** Reloads the memory list and redraws the open panel. */
  refresh(): Promise<void>;
  /** Reloads the memory list only (the open panel keeps what it shows). */
  reloadList(): Promise<void>;
  /** Selects a memory and redraws the open panel. */
  select(m: Memory): Promise<void>;
  /** Chooses the scope and reloads. */
  setScope(scope: Scope): Promise<void>;
  /** Shows an error under the page. */
  showError(e: unknown): void;
}

/** A panel: draws itself into its element from the inspector's state. */
export type Panel = (ctx: Inspector, el: HTMLElement) => Promise<void>;
