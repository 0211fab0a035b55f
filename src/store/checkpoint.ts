// A checkpoint is a copy of the derived records (memories, past versions, links,
// lexical rows) as of one log position, kept as a few large JSON chunks. Opening a
// store reads it in a handful of requests instead of one structured-clone per record
// (measured in Chromium at 100k memories: getAll of the records ≈ 1.8 s, the
// checkpoint ≈ 0.14 s to read + 0.25 s to parse), then applies the events after it.
// It is derived data: deleted whenever a write could leave erased text in it.
// The head carries a SHA-256 of its log position and the JSON: damaged bytes in a
// chunk or the head make the checkpoint unreadable, and opening falls back to the
// records (format 1, without the hash, is no longer read: the next close writes a new one).
import { sha256Hex } from './event-log';

/** The head record of a checkpoint; its chunks follow under keys 0..chunks-1. */
export interface CheckpointHead {
  /** Format of the chunks. */
  format: 2;
  /** Log position the checkpoint reflects (`meta.lastSeq` when it was taken). */
  seq: number;
  /** Number of chunk records. */
  chunks: number;
  /** Characters in all chunks, to detect a torn write. */
  length: number;
  /** SHA-256 (hex) of `${seq}:${json}`, to detect damaged bytes. */
  sha256: string;
}

/** Largest chunk, in characters (IndexedDB handles a few MB per record well). */
export const CHECKPOINT_CHUNK_CHARS = 4_000_000;

/** What the head's hash covers. */
function hashed(seq: number, json: string): Promise<string> {
  return sha256Hex(`${seq}:${json}`);
}

/** Splits a value's JSON into a head and chunks. */
export async function encodeCheckpoint<T>(
  seq: number,
  value: T,
): Promise<{ head: CheckpointHead; chunks: string[] }> {
  const json = JSON.stringify(value);
  const chunks: string[] = [];
  for (let i = 0; i < json.length; i += CHECKPOINT_CHUNK_CHARS) {
    chunks.push(json.slice(i, i + CHECKPOINT_CHUNK_CHARS));
  }
  const head: CheckpointHead = {
    format: 2,
    seq,
    chunks: chunks.length,
    length: json.length,
    sha256: await hashed(seq, json),
  };
  return { head, chunks };
}

/**
 * Joins, checks and parses chunks.
 * @returns the value, or why it cannot be read (torn, damaged, foreign or of an older format)
 */
export async function decodeCheckpoint<T>(
  head: unknown,
  chunks: readonly unknown[],
  phases?: Record<string, number>,
): Promise<{ value: T } | { reason: string }> {
  const h = head as Partial<CheckpointHead> | undefined;
  if (!h || typeof h !== 'object') return { reason: 'no checkpoint head' };
  if (h.format !== 2) return { reason: `checkpoint format ${String(h.format)} is not read` };
  if (typeof h.seq !== 'number' || typeof h.sha256 !== 'string')
    return { reason: 'checkpoint head is unreadable' };
  if (chunks.length !== h.chunks)
    return { reason: `checkpoint has ${chunks.length} chunks, its head says ${h.chunks}` };
  if (!chunks.every((c): c is string => typeof c === 'string'))
    return { reason: 'a checkpoint chunk is not text' };
  const json = chunks.join('');
  if (json.length !== h.length) return { reason: 'checkpoint is torn (length differs)' };
  // The hash runs in WebCrypto (off this thread) while the JSON is parsed; the parsed value
  // is handed out only when the hash matches.
  const t0 = performance.now();
  const hash = hashed(h.seq, json);
  let value: T;
  try {
    value = JSON.parse(json) as T;
  } catch {
    const matches = (await hash) === h.sha256;
    return { reason: matches ? 'checkpoint is not JSON' : 'checkpoint does not match its hash' };
  }
  const t1 = performance.now();
  if ((await hash) !== h.sha256) return { reason: 'checkpoint does not match its hash' };
  if (phases) {
    phases['checkpoint parse'] = Math.round(t1 - t0);
    phases['checkpoint hash wait'] = Math.round(performance.now() - t1);
  }
  return { value };
}
