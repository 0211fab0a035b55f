// The vector index's trained layout (IVF centroids and lists), kept beside the checkpoint so a
// reopened store neither retrains nor re-assigns 100k rows at its first search. It is a hint
// about where rows sit, not data: scores are always computed from the vectors themselves, so a
// layout that no longer fits costs recall until the next training, never a wrong answer. It is
// bound to a log position by that event's hash (a reset and refilled log does not match), lives
// in the `checkpoints` store (so erasure, reset and rebuild drop it with the checkpoint) and is
// not kept for an encrypted store (centroids are averages of the vectors). Beside the lists, the
// index's int8 codes (a Blob: 52 MB at 100k × 512) let an open search before the fp32 rows are
// read (`IvfIndex.stageLayout`); they are a hint too (the rows rescore every answer) and are
// checked by their xxHash32 before use.
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import { xxh32 } from './checksum';
import type { EngramDB } from './schema';
import { bytesOf, storedBytes } from './stored-bytes';
import { abortQuietly, storeError } from './tx';

/** Key of the layout in the `checkpoints` store (the checkpoint's head is -1, its chunks 0..). */
export const LAYOUT_KEY = -2;

/** Trained lists of an IVF index, as stored (see `search/ivf-index.ts`, `IvfLayout`). */
export interface IndexLayout {
  dim: number;
  trainedAt: number;
  centroids: Float32Array;
  listStart: Int32Array;
  posSlot: Int32Array;
  /** The index's int8 codes of these lists, when it had them (layouts stored before: none). */
  codes?: StoredCodes;
}

/** An index's int8 codes as stored (see `search/ivf-staged.ts`, `IvfCodes`). */
export interface StoredCodes {
  bytes: Blob;
  /** Byte length and xxHash32 of the bytes. */
  length: number;
  xxh32: number;
  /** The largest row norm the index had seen. */
  maxNorm: number;
}

/** Codes to store: bytes (read at once, before anything is awaited) and the largest row norm. */
export interface CodesToStore {
  bytes: Uint8Array<ArrayBuffer>;
  maxNorm: number;
}

/** The stored record: the layout and the log position it was taken at. */
export interface StoredIndexLayout {
  kind: 'ivf';
  /** Log position (`meta.lastSeq`) when it was written, and that event's hash. */
  seq: number;
  hash: string;
  layout: IndexLayout;
}

/** Whether a stored value has the record's shape (its contents are checked by the index). */
function isStoredLayout(v: unknown): v is StoredIndexLayout {
  const r = v as Partial<StoredIndexLayout> | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    r.kind === 'ivf' &&
    typeof r.seq === 'number' &&
    typeof r.hash === 'string' &&
    typeof r.layout === 'object' &&
    r.layout !== null
  );
}

/**
 * The stored layout when it belongs to this log (the event at its seq has its hash), else
 * undefined (none, unreadable, or from a log since reset); `onUnusable` hears why.
 * @param db - the open database
 */
export async function readIndexLayout(
  db: IDBPDatabase<EngramDB>,
  onUnusable?: (reason: string) => void,
): Promise<IndexLayout | undefined> {
  try {
    const stored: unknown = await db.get('checkpoints', LAYOUT_KEY);
    if (stored === undefined) return undefined;
    if (!isStoredLayout(stored)) return void onUnusable?.('the stored index layout is unreadable');
    const event = stored.seq > 0 ? await db.get('events', stored.seq) : undefined;
    const hash = stored.seq === 0 ? '' : event?.hash;
    if (hash !== stored.hash)
      return void onUnusable?.(`the stored index layout is of another log (seq ${stored.seq})`);
    return stored.layout;
  } catch (e) {
    throw storeError(e);
  }
}

/**
 * The bytes of stored codes when they are whole (length and xxHash32 as stored), else
 * undefined (unreadable, damaged, or of another shape); `onUnusable` hears why.
 * @param codes - as {@link readIndexLayout} gave them
 */
export async function readLayoutCodes(
  codes: StoredCodes,
  onUnusable?: (reason: string) => void,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const value = await bytesOf(codes.bytes);
  const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : undefined;
  if (!bytes || bytes.length !== codes.length || xxh32(bytes) !== codes.xxh32)
    return void onUnusable?.('the stored index codes are damaged');
  return bytes;
}

/** Whether stored codes have their record's shape (their bytes are checked when read). */
export function hasCodes(layout: IndexLayout): layout is IndexLayout & { codes: StoredCodes } {
  const c = layout.codes as Partial<StoredCodes> | undefined;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.bytes instanceof Blob &&
    typeof c.length === 'number' &&
    typeof c.xxh32 === 'number' &&
    typeof c.maxNorm === 'number'
  );
}

/**
 * Stores a layout at the log's current position (replacing the one stored).
 * @param db - the open database
 * @param layout - the index's trained lists
 * @param codes - their int8 codes, copied into a Blob before this first awaits
 */
export async function writeIndexLayout(
  db: IDBPDatabase<EngramDB>,
  layout: IndexLayout,
  codes?: CodesToStore,
): Promise<void> {
  const stored: StoredCodes | undefined = codes && {
    bytes: storedBytes(codes.bytes),
    length: codes.bytes.length,
    xxh32: xxh32(codes.bytes),
    maxNorm: codes.maxNorm,
  };
  const tx = db.transaction(['meta', 'checkpoints'], 'readwrite');
  try {
    const meta = await tx.objectStore('meta').get('meta');
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    const record: StoredIndexLayout = {
      kind: 'ivf',
      seq: meta.lastSeq,
      hash: meta.lastHash,
      layout: { ...layout, ...(stored ? { codes: stored } : {}) },
    };
    await Promise.all([tx.objectStore('checkpoints').put(record, LAYOUT_KEY), tx.done]);
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}
