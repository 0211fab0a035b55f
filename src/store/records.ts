import type { Metadata, MemoryState } from '../types';

/** A memory as stored in the `memories` object store (current version). */
export interface MemoryRecord {
  id: string;
  text: string;
  metadata: Metadata;
  userId?: string;
  agentId?: string;
  runId?: string;
  createdAt: number;
  updatedAt: number;
  version: number;
  state: MemoryState;
  /** Row of this version's vector; slots are never reused. */
  slot: number;
}

/** Kinds of events in the append-only log. */
export type EventType = 'memory.added' | 'memory.updated' | 'memory.deleted';

/** One entry of the append-only, hash-chained event log. */
export interface EventRecord {
  /** Monotonic sequence number, from 1. */
  seq: number;
  type: EventType;
  memoryId: string;
  /** Milliseconds since epoch. */
  at: number;
  /** Who made the change (e.g. `"api"`, `"import"`). */
  actor: string;
  /** Memory state after the change (absent for deletes). */
  after?: MemoryRecord;
  /** Memory state before the change (absent for adds). */
  before?: MemoryRecord;
  /** Hash of the previous event (hex), '' for the first. */
  prevHash: string;
  /** SHA-256 (hex) of this event's canonical JSON with `hash` left out. */
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
}
