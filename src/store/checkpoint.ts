// A checkpoint is a copy of the derived records (memories, past versions, links,
// lexical rows) as of one log position. Opening a store reads it in a handful of requests
// instead of one structured-clone per record (measured in Chromium at 100k memories: getAll of
// the records ≈ 1.8 s), then applies the events after it. Format 3 (written since the columnar
// checkpoint) keeps the records in columns (`checkpoint-columns.ts`) as a few byte chunks,
// stored as Blobs (`stored-bytes.ts`; ArrayBuffers in stores written before); format 2 (JSON text chunks) is still read, so a store written before opens from its
// checkpoint and gets a format-3 one at its next checkpoint. It is derived data: deleted
// whenever a write could leave erased text in it. The head carries a checksum of the content
// (format 3: xxHash32 of the bytes, `checksum.ts`; written before, and format 2: SHA-256):
// damaged bytes in a chunk or the head make the checkpoint unreadable, and opening falls back
// to the records (format 1, without the hash, is no longer read).
import { runInSlices } from '../util/tasks';
import { xxh32 } from './checksum';
import { sha256Hex } from './event-log';
import type { CheckpointData } from './checkpoint-io';
import {
  decodeColumns,
  encodeColumns,
  encodeColumnSteps,
  COLUMNS_LAYOUT,
  type ColumnsLayout,
  type DecodedCheckpoint,
} from './checkpoint-columns';

/** The head record of a checkpoint; its chunks follow under keys 0..chunks-1. */
export interface CheckpointHead {
  /** Format of the chunks: 2, JSON text; 3, columns as bytes. */
  format: 2 | 3;
  /** Log position the checkpoint reflects (`meta.lastSeq` when it was taken). */
  seq: number;
  /** Number of chunk records. */
  chunks: number;
  /** Characters (format 2) or bytes (format 3) in all chunks, to detect a torn write. */
  length: number;
  /**
   * Format 3 as written since the checksum (one of this and {@link CheckpointHead.sha256}):
   * xxHash32 of the bytes (which hold the seq).
   */
  xxh32?: number;
  /**
   * SHA-256 (hex): format 2, of `${seq}:${json}`; format 3 as written before the checksum, of
   * the bytes.
   */
  sha256?: string;
}

/** Largest chunk, in characters (format 2). */
export const CHECKPOINT_CHUNK_CHARS = 4_000_000;

/** Largest chunk, in bytes (format 3; IndexedDB keeps large values as files). */
export const CHECKPOINT_CHUNK_BYTES = 32 * 1024 * 1024;

/** What the head's hash covers (format 2). */
function hashed(seq: number, json: string): Promise<string> {
  return sha256Hex(`${seq}:${json}`);
}

/** SHA-256 (hex) of bytes. */
async function bytesHash(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Splits records in columns (format 3) into a head and byte chunks.
 * @param chunkBytes - largest chunk (default {@link CHECKPOINT_CHUNK_BYTES})
 * @param pace - encode `slice` records per task (`runInSlices`), calling `between()` before each
 *   but the first (it may throw to stop); default: in one go
 * @param layout - of the columns: 3 (the default), 1 or 2 (as written before: tests)
 */
export async function encodeCheckpoint(
  seq: number,
  value: CheckpointData,
  chunkBytes = CHECKPOINT_CHUNK_BYTES,
  pace?: { slice: number; between: () => void },
  layout: ColumnsLayout = COLUMNS_LAYOUT,
): Promise<{ head: CheckpointHead; chunks: Uint8Array<ArrayBuffer>[] }> {
  const bytes = pace
    ? await runInSlices(encodeColumnSteps(seq, value, pace.slice, layout), {
        sliceMs: 0,
        between: pace.between,
      })
    : encodeColumns(seq, value, layout);
  // Views of the bytes, not copies: whoever stores a chunk copies it (into a Blob, or sealed).
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  const head: CheckpointHead = {
    format: 3,
    seq,
    chunks: chunks.length,
    length: bytes.length,
    xxh32: xxh32(bytes),
  };
  return { head, chunks };
}

/**
 * The records as JSON text chunks (format 2, written before the columnar checkpoint; kept to
 * test that such a store still opens).
 */
export async function encodeJsonCheckpoint(
  seq: number,
  value: CheckpointData,
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
 * Joins, checks and decodes chunks (format 2 or 3).
 * @param lazy - format 3: leave the lexical rows and the memories in columns (see `decodeColumns`)
 * @returns the records, or why they cannot be read (torn, damaged, foreign or of an older format)
 */
export async function decodeCheckpoint(
  head: unknown,
  chunks: readonly unknown[],
  phases?: Record<string, number>,
  lazy = false,
): Promise<{ value: DecodedCheckpoint } | { reason: string }> {
  const h = head as Partial<CheckpointHead> | undefined;
  if (!h || typeof h !== 'object') return { reason: 'no checkpoint head' };
  if (h.format !== 2 && h.format !== 3)
    return { reason: `checkpoint format ${String(h.format)} is not read` };
  const checked = typeof h.sha256 === 'string' || (h.format === 3 && typeof h.xxh32 === 'number');
  if (typeof h.seq !== 'number' || !checked) return { reason: 'checkpoint head is unreadable' };
  if (chunks.length !== h.chunks)
    return { reason: `checkpoint has ${chunks.length} chunks, its head says ${h.chunks}` };
  if (h.format === 3) return decodeBytes(h as CheckpointHead, chunks, phases, lazy);
  if (!chunks.every((c): c is string => typeof c === 'string'))
    return { reason: 'a checkpoint chunk is not text' };
  const json = chunks.join('');
  if (json.length !== h.length) return { reason: 'checkpoint is torn (length differs)' };
  // The hash runs in WebCrypto (off this thread) while the JSON is parsed; the parsed value
  // is handed out only when the hash matches.
  const t0 = performance.now();
  const hash = hashed(h.seq, json);
  let value: CheckpointData;
  try {
    value = JSON.parse(json) as CheckpointData;
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

/**
 * Whether `parts` (at least one) are views of one ArrayBuffer, each starting where the one
 * before ends.
 */
function adjacent(parts: readonly ArrayBufferView[]): boolean {
  const buffer = parts[0]?.buffer;
  if (!(buffer instanceof ArrayBuffer)) return false;
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1]!;
    if (parts[i]!.buffer !== buffer || parts[i]!.byteOffset !== prev.byteOffset + prev.byteLength)
      return false;
  }
  return true;
}

/** Format 3: joins the byte chunks, checks length and hash, decodes the columns. */
async function decodeBytes(
  h: CheckpointHead,
  chunks: readonly unknown[],
  phases: Record<string, number> | undefined,
  lazy: boolean,
): Promise<{ value: DecodedCheckpoint } | { reason: string }> {
  const parts = chunks.map((c) =>
    c instanceof ArrayBuffer ? new Uint8Array(c) : ArrayBuffer.isView(c) ? c : undefined,
  );
  if (!parts.every((p) => p !== undefined)) return { reason: 'a checkpoint chunk is not bytes' };
  const length = parts.reduce((s, p) => s + p.byteLength, 0);
  if (length !== h.length) return { reason: 'checkpoint is torn (length differs)' };
  let bytes: Uint8Array<ArrayBuffer>;
  if (adjacent(parts))
    // One chunk, or views of one buffer one after the other (chunks read as one:
    // `checkpoint-io.ts`): decoded where they are, no copy.
    bytes = new Uint8Array(parts[0]!.buffer as ArrayBuffer, parts[0]!.byteOffset, length);
  else {
    bytes = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      bytes.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
  }
  // Checked before the columns are decoded: damaged bytes are never parsed.
  const t0 = performance.now();
  const matches =
    h.xxh32 !== undefined ? xxh32(bytes) === h.xxh32 : (await bytesHash(bytes)) === h.sha256;
  if (!matches) return { reason: 'checkpoint does not match its hash' };
  const t1 = performance.now();
  let read: ReturnType<typeof decodeColumns>;
  try {
    read = decodeColumns(bytes, lazy, lazy);
  } catch (e) {
    return {
      reason: `checkpoint columns are unreadable (${e instanceof Error ? e.message : String(e)})`,
    };
  }
  if (read.seq !== h.seq) return { reason: 'checkpoint is of another log position than its head' };
  if (phases) {
    phases['checkpoint check'] = Math.round(t1 - t0);
    phases['checkpoint decode'] = Math.round(performance.now() - t1);
  }
  return { value: read.data };
}
