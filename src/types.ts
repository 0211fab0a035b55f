/** Metadata values a memory may carry (JSON-like, flat or nested). */
export type MetadataValue =
  string | number | boolean | null | MetadataValue[] | { [k: string]: MetadataValue };

/** Free-form metadata of a memory, filterable in `search` and `getAll`. */
export type Metadata = Record<string, MetadataValue>;

/**
 * Who a memory belongs to (Mem0's scopes). A call that names a field only
 * sees memories with that exact value; a field left out is not constrained.
 */
export interface Scope {
  /** The end user the memory is about. */
  userId?: string;
  /** The agent (assistant persona) that holds it. */
  agentId?: string;
  /** One run / session / conversation. */
  runId?: string;
}

/** Lifecycle state of a memory. */
export type MemoryState = 'active' | 'deleted';

/** A memory as returned by `get`, `getAll` and `search`. */
export interface Memory extends Scope {
  /** Stable id (a UUID unless the caller gave one). */
  id: string;
  /** The remembered text. */
  memory: string;
  /** Caller's metadata. */
  metadata: Metadata;
  /** When the memory was first stored (ms since epoch). */
  createdAt: number;
  /** When its text last changed (ms since epoch). */
  updatedAt: number;
  /** 1 for a new memory, +1 for every update. */
  version: number;
}

/** One search hit. */
export interface SearchResult extends Memory {
  /** Relevance; higher is better (cosine similarity for dense search). */
  score: number;
}

/** Mem0-style event names of a memory's history. */
export type HistoryEvent = 'ADD' | 'UPDATE' | 'DELETE';

/** One entry of `history(id)`, oldest first. */
export interface HistoryEntry {
  /** Id of the memory. */
  memoryId: string;
  /** What happened. */
  event: HistoryEvent;
  /** Text before the change (absent for ADD). */
  previousMemory: string | null;
  /** Text after the change (null for DELETE). */
  newMemory: string | null;
  /** Version after the change. */
  version: number;
  /** When it happened (ms since epoch). */
  createdAt: number;
  /** Sequence number of the event in the store's log. */
  seq: number;
}
