import type { ScoreExplanation } from './retrieval/explain';

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

/**
 * Lifecycle state of a memory: `active` (current); `invalidated` (the fact
 * stopped holding, e.g. "I no longer …": its `validTo` is set, it is found only
 * by `asOf`/`includeSuperseded` searches); `deleted` (withdrawn by `delete`:
 * found by no search, history kept); `archived` (forgotten by `forget`, out of
 * the index until `restore`); `pending` (a lower-trust source's change to a
 * higher-trust memory, held out of search until `accept` or `reject`).
 */
export type MemoryState = 'active' | 'invalidated' | 'deleted' | 'archived' | 'pending';

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
  /** Lifecycle state (`'active'` for everything `get`/`getAll` return). */
  state: MemoryState;
  /** Who said it, when it came from a chat message (`'user'`, `'assistant'`, …). */
  role?: string;
  /** The speaker's name, when the chat message gave one (Mem0's `{ role, name, content }`). */
  name?: string;
  /** Event time: since when the fact holds (the caller's `eventTime`, or when it was stored). */
  validFrom: number;
  /** Event time: until when it held; absent while it holds. */
  validTo?: number;
  /** Transaction time: when this version was recorded. */
  recordedAt: number;
  /** Transaction time: when a newer version replaced it; absent for current versions. */
  supersededAt?: number;
  /** Forgetting curve: strength S in days; retention is exp(-Δt / S). */
  strength: number;
  /** Last time it was stored, returned by a search or reinforced (ms since epoch). */
  lastRecalledAt: number;
  /** Where the text came from, when not `'user'` (the `source` option of `add`). */
  source?: string;
  /** A `pending` memory (see `pending()`): the memory it would change, and how. */
  pendingFor?: { id: string; op: 'UPDATE' | 'DELETE' };
}

/** One search hit. */
export interface SearchResult extends Memory {
  /**
   * Ranking score, higher is better. By default (the retrieval pipeline) a relative score of
   * this search: fused BM25 (best match 1) and dense (best candidate 0.7) shares, times the
   * stages' boosts, so 1.7 is a memory best on both before boosts; compare it only within one
   * search. With `asOf`, `recordedAsOf`, `includeSuperseded` or `retrieval: false`: the cosine
   * similarity, blended with retention when `retentionWeight` > 0. `explain: true` breaks it
   * down (see {@link ScoreExplanation}).
   */
  score: number;
  /** Cosine similarity of the query and this version's vector. */
  similarity: number;
  /** Retention exp(-Δt / S) at search time, in [0, 1]. */
  retention: number;
  /** Set when the hit is not the memory's current, active version (only with `asOf` or `includeSuperseded`). */
  superseded?: true;
  /** Each stage's contribution to `score` (only with `explain: true`). */
  explanation?: ScoreExplanation;
}

/**
 * Mem0-style event names of a memory's history (plus Engram's lifecycle events). `PENDING`:
 * a lower-trust source's change held for review; `ACCEPT` / `REJECT`: its review; `FEEDBACK`:
 * `feedback(id, …)` on the memory.
 */
export type HistoryEvent =
  | 'ADD'
  | 'UPDATE'
  | 'DELETE'
  | 'ARCHIVE'
  | 'RESTORE'
  | 'ERASE'
  | 'MERGE'
  | 'ROLLBACK'
  | 'PENDING'
  | 'ACCEPT'
  | 'REJECT'
  | 'FEEDBACK';

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
  /** The log's event type (e.g. `'memory.invalidated'` for a retraction shown as DELETE). */
  type: string;
  /** Who made the change (`'api'`, `'consolidator'`, `'llm'`, `'forget'`, `'import'`, …). */
  actor: string;
  /** True when the event's content was erased (texts are then null). */
  erased?: true;
  /** MERGE of a duplicate (and RESTORE by unmerge): the representative it was merged into. */
  mergedInto?: string;
  /** MERGE on a representative: the memories merged into it. */
  mergedFrom?: string[];
  /** Where the written text came from (`add(…, { source })`), when the event says. */
  source?: string;
  /** The change set the event belongs to (`batch`), when it has one. */
  changeSet?: string;
  /** ROLLBACK: the change set it undid. */
  rolledBack?: string;
  /** FEEDBACK: what was said of the memory. */
  feedback?: 'correct' | 'wrong';
}
