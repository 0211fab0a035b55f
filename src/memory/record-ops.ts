// Building and changing memory records. The live write paths and the replay
// of the log (rebuild, import) both go through these functions, so a rebuilt
// store is the same, byte for byte, as the one written live.
import type { MemoryPatch, MemoryRecord } from '../store/records';
import type { Memory, Metadata, Scope } from '../types';
import { DEFAULT_SOURCE } from '../govern/write-tag';

/** Strength of a new memory, in days (MemoryBank starts at 1). */
export const DEFAULT_STRENGTH = 1;

/** What a new memory is made of. */
export interface NewMemory {
  id: string;
  text: string;
  metadata: Metadata;
  scope: Scope;
  role?: string;
  /** The speaker's name (a chat message's `name`). */
  name?: string;
  /** Where the text came from (stored when not `'user'`). */
  source?: string;
  /** Event time (validFrom). */
  validFrom: number;
  slot: number;
  strength: number;
}

/** A new version-1 record (fields always in the same order). */
export function newRecord(m: NewMemory, now: number): MemoryRecord {
  const r = { id: m.id, text: m.text, metadata: m.metadata } as MemoryRecord;
  if (m.scope.userId !== undefined) r.userId = m.scope.userId;
  if (m.scope.agentId !== undefined) r.agentId = m.scope.agentId;
  if (m.scope.runId !== undefined) r.runId = m.scope.runId;
  if (m.role !== undefined) r.role = m.role;
  if (m.name !== undefined) r.name = m.name;
  if (m.source !== undefined && m.source !== DEFAULT_SOURCE) r.source = m.source;
  r.createdAt = now;
  r.updatedAt = now;
  r.version = 1;
  r.state = 'active';
  r.slot = m.slot;
  r.validFrom = m.validFrom;
  r.recordedAt = now;
  r.strength = m.strength;
  r.lastRecalledAt = now;
  return r;
}

/**
 * A new version replacing `prev`: returns the invalidated old version and the new current one.
 * @param validFrom - event time of the new version (the old one's validTo)
 */
export function nextVersion(
  prev: MemoryRecord,
  change: { text: string; metadata: Metadata; slot: number; validFrom: number },
  now: number,
): { previous: MemoryRecord; memory: MemoryRecord } {
  const previous: MemoryRecord = {
    ...prev,
    validTo: Math.max(prev.validFrom, change.validFrom),
    supersededAt: now,
  };
  const memory: MemoryRecord = {
    ...prev,
    text: change.text,
    metadata: change.metadata,
    updatedAt: now,
    version: prev.version + 1,
    slot: change.slot,
    validFrom: change.validFrom,
    recordedAt: now,
    lastRecalledAt: now,
  };
  return { previous, memory };
}

/** Applies a patch event to the current version (keys keep their order). */
export function applyPatch(rec: MemoryRecord, patch: MemoryPatch): MemoryRecord {
  return { ...rec, ...patch };
}

/**
 * A deep copy of metadata: a spread when every value is a string, number, boolean or null (the
 * common case, and `{}`: several times cheaper than `structuredClone`, which every search result
 * paid), else `structuredClone`.
 */
function copyMetadata(m: Metadata): Metadata {
  for (const k in m) {
    const v = m[k];
    if (v !== null && typeof v === 'object') return structuredClone(m);
  }
  return { ...m };
}

/** The public view of a record. */
export function toMemory(r: MemoryRecord): Memory {
  const m: Memory = {
    id: r.id,
    memory: r.text,
    // A copy: a caller in the page (worker: false) may change what it gets back.
    metadata: copyMetadata(r.metadata),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    version: r.version,
    state: r.state,
    validFrom: r.validFrom,
    recordedAt: r.recordedAt,
    strength: r.strength,
    lastRecalledAt: r.lastRecalledAt,
  };
  if (r.userId !== undefined) m.userId = r.userId;
  if (r.agentId !== undefined) m.agentId = r.agentId;
  if (r.runId !== undefined) m.runId = r.runId;
  if (r.role !== undefined) m.role = r.role;
  if (r.name !== undefined) m.name = r.name;
  if (r.source !== undefined) m.source = r.source;
  if (r.pendingFor !== undefined) m.pendingFor = { ...r.pendingFor };
  if (r.validTo !== undefined) m.validTo = r.validTo;
  if (r.supersededAt !== undefined) m.supersededAt = r.supersededAt;
  return m;
}

/** Float32 bytes of a vector as a fresh ArrayBuffer (for event payloads). */
export function vectorBytes(v: Float32Array): ArrayBuffer {
  return v.slice().buffer as ArrayBuffer;
}
