// Records in the form a transaction writes them: as they are in an unencrypted store, sealed
// (`cipher.ts`) in an encrypted one. Made before the write transaction opens, since sealing
// waits on WebCrypto. The schema's types name the plaintext records; a sealed record stands
// in for one (cast here, and only here: every reader opens it again before use).
import { toBase64 } from './bytes';
import type { RecordCipher } from './cipher';
import type { NewEvent } from './event-log';
import type { EventRecord, LexicalRow, LinkRecord, MemoryRecord } from './records';
import { toBuffer, type StoredRow } from './vector-blocks';

/** Records to write, each as the store keeps it. */
export interface StoredRecords {
  memories: MemoryRecord[];
  versions: MemoryRecord[];
  links: LinkRecord[];
  lexical: LexicalRow[];
  vectors: StoredRow[];
}

/** What {@link storedForm} takes: any of the records a write puts. */
export interface PlainRecords {
  memories?: readonly MemoryRecord[];
  versions?: readonly MemoryRecord[];
  links?: readonly LinkRecord[];
  lexical?: readonly LexicalRow[];
  vectors?: readonly { slot: number; vector: Float32Array }[];
}

/**
 * Records as the store keeps them: unchanged without a cipher (vectors as float32 bytes),
 * sealed with one.
 */
export async function storedForm(
  cipher: RecordCipher | undefined,
  r: PlainRecords,
): Promise<StoredRecords> {
  const vectors = r.vectors ?? [];
  if (!cipher)
    return {
      memories: [...(r.memories ?? [])],
      versions: [...(r.versions ?? [])],
      links: [...(r.links ?? [])],
      lexical: [...(r.lexical ?? [])],
      vectors: vectors.map(({ slot, vector }) => ({ slot, bytes: toBuffer(vector) })),
    };
  const all = <T, U>(xs: readonly T[] | undefined, f: (x: T) => Promise<U>) =>
    Promise.all((xs ?? []).map(f));
  const [memories, versions, links, lexical, rows] = await Promise.all([
    all(r.memories, (m) => cipher.sealMemory(m)),
    all(r.versions, (m) => cipher.sealVersion(m)),
    all(r.links, (l) => cipher.sealLink(l)),
    all(r.lexical, (x) => cipher.sealRow(x)),
    all(vectors, async ({ slot, vector }) => ({
      slot,
      bytes: await cipher.sealVector(slot, vector),
    })),
  ]);
  return {
    memories: memories as unknown as MemoryRecord[],
    versions: versions as unknown as MemoryRecord[],
    links: links as unknown as LinkRecord[],
    lexical: lexical as unknown as LexicalRow[],
    vectors: rows,
  };
}

/**
 * New events of an encrypted store get a random nonce in their payload before they are
 * hashed, so the payload hash (kept in clear) confirms no guessed text.
 */
export function withNonces(cipher: RecordCipher | undefined, events: NewEvent[]): NewEvent[] {
  if (!cipher) return events;
  const nonce = () => toBase64(crypto.getRandomValues(new Uint8Array(16)).buffer);
  // A synced event keeps the payload (and nonce) it was first logged with.
  return events.map((e) => (e.origin ? e : { ...e, payload: { ...e.payload, nonce: nonce() } }));
}

/** Events as stored: payloads sealed with a cipher, as they are without. */
export function storedEvents(
  cipher: RecordCipher | undefined,
  events: EventRecord[],
): Promise<EventRecord[]> | EventRecord[] {
  return cipher ? Promise.all(events.map((e) => cipher.sealEvent(e))) : events;
}
