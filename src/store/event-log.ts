import type { EventRecord } from './records';

/** An event before the log gives it a sequence number and hashes. */
export type NewEvent = Omit<EventRecord, 'seq' | 'prevHash' | 'hash'>;

/** JSON with object keys sorted and `undefined` fields dropped: the bytes that get hashed. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** SHA-256 of a string as lowercase hex (WebCrypto; works in browsers, workers and Node). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hash of an event: SHA-256 of its canonical JSON without the `hash` field. */
export async function hashEvent(event: Omit<EventRecord, 'hash'>): Promise<string> {
  return sha256Hex(canonicalJson(event));
}

/**
 * Gives `events` consecutive sequence numbers after `lastSeq` and chains
 * their hashes from `lastHash`.
 */
export async function chainEvents(
  events: NewEvent[],
  lastSeq: number,
  lastHash: string,
): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  let prevHash = lastHash;
  let seq = lastSeq;
  for (const e of events) {
    const unhashed = { ...e, seq: ++seq, prevHash };
    const hash = await hashEvent(unhashed);
    out.push({ ...unhashed, hash });
    prevHash = hash;
  }
  return out;
}

/** Result of {@link verifyChain}. */
export interface LogVerification {
  /** True when every event's hash matches its content and links to the previous one. */
  ok: boolean;
  /** Number of events checked. */
  events: number;
  /** Sequence number of the first bad event, if any. */
  brokenAt?: number;
  /** Why it is bad. */
  reason?: string;
}

/** Checks a log (oldest first): sequence without gaps, each hash right, each link to the previous hash. */
export async function verifyChain(events: readonly EventRecord[]): Promise<LogVerification> {
  let prevHash = '';
  let prevSeq = 0;
  for (const e of events) {
    if (e.seq !== prevSeq + 1)
      return {
        ok: false,
        events: events.length,
        brokenAt: e.seq,
        reason: `gap after seq ${prevSeq}`,
      };
    if (e.prevHash !== prevHash)
      return {
        ok: false,
        events: events.length,
        brokenAt: e.seq,
        reason: 'prevHash does not match the previous event',
      };
    const { hash, ...rest } = e;
    if ((await hashEvent(rest)) !== hash)
      return {
        ok: false,
        events: events.length,
        brokenAt: e.seq,
        reason: 'content does not match its hash',
      };
    prevHash = hash;
    prevSeq = e.seq;
  }
  return { ok: true, events: events.length };
}
