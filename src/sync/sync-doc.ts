// One event as a CouchDB document: `_id` is the event's name (the hash it was
// first logged with), so replicating is a union of sets and a document written
// twice is the same document. Vector bytes travel as base64.
import { fromBase64, toBase64 } from '../store/bytes';
import { isTombstone, type EventRecord, type EventType, type Tombstone } from '../store/records';
import type { EventPayload } from '../store/records';

/** An event as stored on the sync server (and in the local PouchDB). */
export interface SyncDoc {
  _id: string;
  _rev?: string;
  /** The device (store) that logged the event. */
  device: string;
  /** Its seq and prevHash in that device's log. */
  seq: number;
  prevHash: string;
  type: EventType;
  memoryId: string;
  at: number;
  actor: string;
  payloadHash: string;
  /** The payload, vectors as `{"$bytes": base64}`; absent when `erased`. */
  payload?: unknown;
  /** The payload was erased: nothing of it is kept. */
  erased?: true;
}

/** Payload as JSON: ArrayBuffers become `{"$bytes": base64}`. */
export function payloadToJson(payload: EventPayload): unknown {
  return JSON.parse(
    JSON.stringify(payload, (_k, v: unknown) =>
      v instanceof ArrayBuffer ? { $bytes: toBase64(v) } : v,
    ),
  );
}

/** Inverse of {@link payloadToJson}. */
export function payloadFromJson(json: unknown): EventPayload {
  return JSON.parse(JSON.stringify(json), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $bytes?: unknown }).$bytes === 'string'
      ? fromBase64((v as { $bytes: string }).$bytes)
      : v,
  ) as EventPayload;
}

/**
 * The document of one of this store's own events (no `origin`), or of a synced one (an
 * encrypted store seals it whole before storing it: see `doc-codec.ts`).
 */
export function toSyncDoc(e: EventRecord, device: string): SyncDoc {
  const o = e.origin;
  const doc: SyncDoc = {
    _id: o?.hash ?? e.hash,
    device: o?.device ?? device,
    seq: o?.seq ?? e.seq,
    prevHash: o?.prevHash ?? e.prevHash,
    type: e.type,
    memoryId: e.memoryId,
    at: e.at,
    actor: e.actor,
    payloadHash: e.payloadHash,
  };
  if (isTombstone(e.payload)) doc.erased = true;
  else doc.payload = payloadToJson(e.payload);
  return doc;
}

/** True when `v` has the fields of a {@link SyncDoc} (anything else on the server is ignored). */
export function isSyncDoc(v: unknown): v is SyncDoc {
  const d = v as Partial<SyncDoc> | null;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d._id === 'string' &&
    !d._id.startsWith('_') &&
    typeof d.device === 'string' &&
    typeof d.seq === 'number' &&
    typeof d.prevHash === 'string' &&
    typeof d.type === 'string' &&
    typeof d.memoryId === 'string' &&
    typeof d.at === 'number' &&
    typeof d.actor === 'string' &&
    typeof d.payloadHash === 'string'
  );
}

/** A tombstone for a synced event that arrives already erased. */
export function arrivedErased(at: number): Tombstone {
  return { tombstone: { erasedAt: at, erasureSeq: 0 } };
}
