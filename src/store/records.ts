import type { Metadata, MemoryState } from '../types';
import type { EncryptionHeader } from './data-key';

/**
 * One version of a memory as stored: the current one in `memories`, past ones
 * in `versions`. Bi-temporal: `validFrom`/`validTo` is when the fact held in
 * the world (event time), `recordedAt`/`supersededAt` when Engram held this
 * version as current (transaction time). Optional fields are left out, never
 * stored as `undefined`.
 */
export interface MemoryRecord {
  id: string;
  text: string;
  metadata: Metadata;
  userId?: string;
  agentId?: string;
  runId?: string;
  /** Who said it (`'user'`, `'assistant'`, …) when it came from a chat message. */
  role?: string;
  /** Where the text came from when not `'user'` (`add(…, { source })`); absent: `'user'`. */
  source?: string;
  /** A `pending` memory: the change it holds for a higher-trust memory. */
  pendingFor?: { id: string; op: 'UPDATE' | 'DELETE' };
  /** The speaker's name (a chat message's `name`), when given. */
  name?: string;
  createdAt: number;
  updatedAt: number;
  version: number;
  state: MemoryState;
  /** Row of this version's vector; slots are never reused. */
  slot: number;
  /** Event time: since when the fact holds (ms since epoch). */
  validFrom: number;
  /** Event time: until when it held; absent while it still holds. */
  validTo?: number;
  /** Transaction time: when this version was written. */
  recordedAt: number;
  /** Transaction time: when a newer version replaced it; absent for the current version. */
  supersededAt?: number;
  /** Forgetting curve: strength S in days (retention R = exp(-Δt/S)). */
  strength: number;
  /** When the memory was last stored, recalled or reinforced (ms since epoch). */
  lastRecalledAt: number;
}

/** Fields a patch event may change on the current version of a memory. */
export type MemoryPatch = Partial<
  Pick<MemoryRecord, 'state' | 'updatedAt' | 'validTo' | 'strength' | 'lastRecalledAt'>
>;

/** A link between two memories (stored once per direction, keyed [from, to]). */
export interface LinkRecord {
  from: string;
  to: string;
  /** Cosine similarity when the link was made. */
  score: number;
  /** When it was made (ms since epoch). */
  at: number;
}

/** Kinds of events in the append-only log. */
export type EventType =
  | 'memory.added'
  | 'memory.updated'
  | 'memory.invalidated'
  | 'memory.deleted'
  | 'memory.accessed'
  | 'memory.reinforced'
  | 'memory.archived'
  | 'memory.restored'
  | 'memory.linked'
  | 'memory.erased'
  | 'memory.imported'
  | 'memory.merged'
  | 'memory.rolledBack'
  | 'memory.pending'
  | 'memory.accepted'
  | 'memory.rejected'
  | 'memory.feedback';

/** One piece of evidence about a source's trust, carried by the event that found it. */
export interface TrustEvidence {
  /** The source the evidence is about. */
  source: string;
  /**
   * `confirmed`: another source stated a consistent fact, `accept` took its pending fact or
   * `feedback(id, 'correct')`; `contradicted`: it contradicted a higher-trust memory (or one
   * contradicted it), `reject` or `feedback(id, 'wrong')`.
   */
  outcome: 'confirmed' | 'contradicted';
}

/** Evidence counts of one source (the Beta posterior's data; see `src/govern/trust.ts`). */
export interface TrustTally {
  source: string;
  confirmed: number;
  contradicted: number;
}

/**
 * What an event says. Which fields are set depends on the type:
 * `added`/`imported`: `memory` + `vector`; `updated`: `previous` (the old
 * version, invalidated) + `memory` + `vector`; `invalidated`, `deleted`,
 * `accessed`, `reinforced`, `archived`, `restored`: `patch`; `linked`: `links`;
 * `erased`: `slots` (of every version); `merged`: on a merged memory `patch`
 * + `mergedInto`, on its representative `mergedFrom`; `rolledBack`: `memory` (the
 * record as it was before the change set, or the last one marked deleted when the change
 * set added it) + `rolledBack` + `dropVersions`. Writes through the API also carry `source`
 * and, in a change set, `changeSet`. `pending`: `memory` (state `pending`, with `pendingFor`) +
 * `vector`; `accepted` / `rejected`: `memory` (the pending memory, now deleted); `feedback`:
 * `feedback`. Any event may carry trust `evidence`. After erasure a payload is a {@link Tombstone}.
 */
export interface EventPayload {
  memory?: MemoryRecord;
  previous?: MemoryRecord;
  /** Float32 bytes of the new version's vector (stored once, in this event). */
  vector?: ArrayBuffer;
  patch?: MemoryPatch;
  links?: { from: string; to: string; score: number }[];
  slots?: number[];
  /** `merged` (and `restored` by unmerge): the representative the memory was merged into. */
  mergedInto?: string;
  /** `merged`, on the representative: the memories merged into it. */
  mergedFrom?: string[];
  /** `accessed`: how many recalls by search this one coalesced event stands for. */
  recalls?: number;
  /** Where the written text came from (`add(…, { source })`, default `'user'`). */
  source?: string;
  /** The change set the write belongs to (`batch`, or the `changeSet` option). */
  changeSet?: string;
  /** `rolledBack`: the change set this event undoes. */
  rolledBack?: string;
  /** `rolledBack`: past versions of the memory that the change set made, removed again. */
  dropVersions?: number[];
  /** Trust evidence this event found (summed into `MetaRecord.trust` as it is committed). */
  evidence?: TrustEvidence[];
  /** `feedback`: what the caller said of the memory. */
  feedback?: 'correct' | 'wrong';
  /**
   * Encrypted stores only: 128 random bits (base64), so that the payload hash kept in clear
   * cannot confirm a guessed text (see `cipher.ts`).
   */
  nonce?: string;
}

/** What an erased event keeps of its payload: nothing but when and by which erasure. */
export interface Tombstone {
  tombstone: { erasedAt: number; erasureSeq: number };
}

/** One entry of the append-only, hash-chained event log. */
export interface EventRecord {
  /** Monotonic sequence number, from 1. */
  seq: number;
  type: EventType;
  memoryId: string;
  /** Milliseconds since epoch. */
  at: number;
  /** Who made the change (e.g. `"api"`, `"search"`, `"consolidator"`, `"import"`). */
  actor: string;
  /** The content; replaced by a tombstone on erasure. Not covered by `hash` directly. */
  payload: EventPayload | Tombstone;
  /** SHA-256 (hex) of the payload's canonical JSON (vector bytes included); survives erasure. */
  payloadHash: string;
  /** Hash of the previous event (hex), '' for the first. */
  prevHash: string;
  /** SHA-256 (hex) of {seq, type, memoryId, at, actor, payloadHash, prevHash} (and `origin`, when set). */
  hash: string;
  /**
   * Set on an event that came from another device through sync: where it was first logged.
   * `hash` is its name everywhere (the sync document's `_id`); `seq` and `prevHash` place it
   * in its device's own chain, so that its hash can be checked here (see `verifyChain`).
   */
  origin?: EventOrigin;
}

/** Where a synced event was first logged (see `EventRecord.origin`). */
export interface EventOrigin {
  /** Id of the device (store) that logged it. */
  device: string;
  /** Its seq, prevHash and hash in that device's log. */
  seq: number;
  prevHash: string;
  hash: string;
}

/** The single record of the `meta` store. */
export interface MetaRecord {
  key: 'meta';
  schemaVersion: number;
  embedderId: string;
  dim: number;
  /** Rows per sealed vector block. */
  blockRows: number;
  /** Next free vector slot. */
  nextSlot: number;
  /** Last event's seq and hash (0 and '' for an empty log). */
  lastSeq: number;
  lastHash: string;
  createdAt: number;
  /**
   * Set while the lexical rows are dropped: an erasure on a store over its quota frees space
   * by clearing them (they are a cache: the engine re-analyses memories without a row at open).
   * While set, writes keep the lexical store empty; the engine writes every row back when
   * space allows (`MemoryStore.restoreLexical`), and a rebuild clears it.
   */
  lexicalDropped?: true;
  /**
   * Trust evidence per source, summed from the events' `evidence` in the transaction that
   * logs them (absent: none yet). With the `trust` priors it gives each source's trust.
   */
  trust?: TrustTally[];
  /** Set when the store is encrypted: how its data key is wrapped (see `data-key.ts`). */
  encryption?: EncryptionHeader;
  /**
   * Counts the times a merged replay of synced events replaced the derived stores wholesale
   * (absent: never): a tab whose state was loaded at another count reloads it all, as records
   * of memories no new event names may have changed (their vector slots).
   */
  derivedEpoch?: number;
  /** Set when the store was migrated from an older layout. */
  migratedFrom?: { version: number; at: number; events: number; oldLogVerified: boolean };
}

/** True when an event's payload was erased. */
export function isTombstone(p: EventPayload | Tombstone): p is Tombstone {
  return (p as Tombstone).tombstone !== undefined;
}

/** Per-memory data of the time, context and speaker retrieval stages (part of a {@link LexicalRow}). */
export interface DocInfo {
  /** Event time, ms since epoch. */
  time?: number;
  /** Speaker, lower case. */
  speaker?: string;
  /** Episode (run, session). */
  episode?: string;
  /** Position within the episode. */
  order: number;
  /** Second sort key within the episode. */
  seq: number;
  /** Whether the text itself mentions a time. */
  mentionsTime: boolean;
  /** A standing instruction or preference of the user (recognised in the text; see `standing.ts`). */
  kind?: StandingKind;
  /** Chat role of its author (`'user'`, `'assistant'`, …), where the memory has one. */
  role?: string;
}

/**
 * What a standing memory is: `'instruction'` ("Always format code with syntax highlighting",
 * "Never use semicolons") or `'preference'` ("I prefer minimal dependencies"). Recognised in the
 * user's words when a memory is indexed; such memories are weighed for every request they may
 * govern (`retrieval.standing`).
 */
export type StandingKind = 'instruction' | 'preference';

/**
 * A stored lexical row (object store `lexical`, keyed by memory id): analysed term counts of
 * an active memory. The store only keeps rows; the analysis that makes them lives in
 * the retrieval layer (`lexical-row.ts`) and is handed to the store as a {@link LexicalRowOf}.
 */
export interface LexicalRow {
  id: string;
  /** Version of the analysis it was made with (`LEXICAL_VERSION` in retrieval). */
  v: number;
  /** Term counts of the text, sorted by term. */
  terms: [string, number][];
  /** Term counts of the indexed date words, sorted by term. */
  dates: [string, number][];
  /**
   * Each passage of a long text (more than one passage: see `passages.ts`) as the indices into
   * `terms` of its words, one per occurrence, ascending; absent for a text that is one passage.
   */
  passages?: number[][];
  info: DocInfo;
}

/** The analysis of a memory record into its lexical row (undefined: not searchable). */
export type LexicalRowOf = (rec: MemoryRecord) => LexicalRow | undefined;
