import { toBase64 } from './bytes';
import { sha256HexSync } from './sha256';
import { isTombstone, type EventPayload, type EventRecord, type Tombstone } from './records';

/** An event before the log gives it a sequence number and hashes. */
export type NewEvent = Omit<
  EventRecord,
  'seq' | 'prevHash' | 'hash' | 'payloadHash' | 'payload'
> & {
  payload: EventPayload | Tombstone;
  /** A synced event arriving already erased keeps the payload hash it was logged with. */
  payloadHash?: string;
};

/**
 * JSON with object keys sorted, `undefined` fields dropped and ArrayBuffers
 * written as `{"$bytes": base64}`: the bytes that get hashed.
 * @param value - any JSON-like value
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof ArrayBuffer) return { $bytes: toBase64(v) };
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * SHA-256 of a string as lowercase hex (WebCrypto; works in browsers, workers and Node).
 * @param text - hashed as UTF-8
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Texts up to this many characters are hashed in JS ({@link sha256HexSync}: tens of µs per KB),
 * longer ones by WebCrypto: each WebCrypto digest is a hop to another thread and back (about
 * 1 ms in a loaded Worker, measured by bench/add-phases.mjs), and the chain hashes one event
 * after another. A `memory.added` payload holds its vector (base64: 1.4 KB at 256-d, 4 KB at
 * 768-d), so every added memory's payload hash took that hop while this was 1 KB.
 */
const SYNC_HASH_CHARS = 16 * 1024;

/** {@link sha256Hex}, in JS for short texts (the same digest). */
async function quickSha256Hex(text: string): Promise<string> {
  return text.length <= SYNC_HASH_CHARS ? sha256HexSync(text) : sha256Hex(text);
}

/** The part of an event its `hash` covers: everything but the payload itself (its hash stands in). */
export function chainedPart(e: Omit<EventRecord, 'hash'>): string {
  const { seq, type, memoryId, at, actor, payloadHash, prevHash, origin } = e;
  // `origin` is undefined (so left out) on every event logged here: their hashes are unchanged.
  return canonicalJson({ seq, type, memoryId, at, actor, payloadHash, prevHash, origin });
}

/** True when a synced event's `origin.hash` matches its content in its device's chain. */
export async function originMatches(e: EventRecord): Promise<boolean> {
  const o = e.origin;
  if (!o) return true;
  const { hash: _h, origin: _o, ...rest } = e;
  return (await sha256Hex(chainedPart({ ...rest, seq: o.seq, prevHash: o.prevHash }))) === o.hash;
}

/**
 * Gives `events` consecutive sequence numbers after `lastSeq`, hashes their
 * payloads and chains their hashes from `lastHash`.
 * @param events - new events, in order
 * @param lastSeq - seq of the log's last event (0 when empty)
 * @param lastHash - hash of the log's last event ('' when empty)
 */
export async function chainEvents(
  events: NewEvent[],
  lastSeq: number,
  lastHash: string,
): Promise<EventRecord[]> {
  const payloadHashes = await Promise.all(
    events.map((e) => e.payloadHash ?? quickSha256Hex(canonicalJson(e.payload))),
  );
  const out: EventRecord[] = [];
  let prevHash = lastHash;
  let seq = lastSeq;
  for (const [i, e] of events.entries()) {
    const unhashed: Omit<EventRecord, 'hash'> = {
      seq: ++seq,
      type: e.type,
      memoryId: e.memoryId,
      at: e.at,
      actor: e.actor,
      payload: e.payload,
      payloadHash: payloadHashes[i]!,
      prevHash,
      ...(e.origin ? { origin: e.origin } : {}),
    };
    const hash = await quickSha256Hex(chainedPart(unhashed));
    out.push({ ...unhashed, hash });
    prevHash = hash;
  }
  return out;
}

/** Result of `verifyLog()` (the hash-chain check, `verifyChain`). */
export interface LogVerification {
  /** True when every event's hash matches its content and links to the previous one. */
  ok: boolean;
  /** Number of events checked. */
  events: number;
  /** Events whose payload was erased (their payload hash is kept and still chained). */
  erased?: number;
  /** Sequence number of the first bad event, if any. */
  brokenAt?: number;
  /** Why it is bad. */
  reason?: string;
}

/**
 * Checks a log (oldest first): sequence without gaps, each payload matching
 * its `payloadHash` (erased payloads excepted), each hash right, each link to
 * the previous hash.
 * @param events - the whole log, oldest first
 */
export async function verifyChain(events: readonly EventRecord[]): Promise<LogVerification> {
  let prevHash = '';
  let prevSeq = 0;
  let erased = 0;
  const n = events.length;
  const bad = (e: EventRecord, reason: string): LogVerification => ({
    ok: false,
    events: n,
    brokenAt: e.seq,
    reason,
  });
  for (const e of events) {
    if (e.seq !== prevSeq + 1) return bad(e, `gap after seq ${prevSeq}`);
    if (e.prevHash !== prevHash) return bad(e, 'prevHash does not match the previous event');
    const { hash, ...rest } = e;
    if ((await sha256Hex(chainedPart(rest))) !== hash)
      return bad(e, 'event does not match its hash');
    if (!(await originMatches(e))) return bad(e, 'synced event does not match its origin hash');
    if (isTombstone(e.payload)) erased++;
    else if ((await sha256Hex(canonicalJson(e.payload))) !== e.payloadHash)
      return bad(e, 'payload does not match its hash');
    prevHash = hash;
    prevSeq = e.seq;
  }
  return erased ? { ok: true, events: n, erased } : { ok: true, events: n };
}
