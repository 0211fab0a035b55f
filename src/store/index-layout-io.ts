// The vector index's trained layout (IVF centroids and lists), kept beside the checkpoint so a
// reopened store neither retrains nor re-assigns 100k rows at its first search. It is a hint
// about where rows sit, not data: scores are always computed from the vectors themselves, so a
// layout that no longer fits costs recall until the next training, never a wrong answer. It is
// bound to a log position by that event's hash (a reset and refilled log does not match), lives
// in the `checkpoints` store (so erasure, reset and rebuild drop it with the checkpoint) and is
// not kept for an encrypted store (centroids are averages of the vectors).
import type { IDBPDatabase } from 'idb';
import { EngramError } from '../errors';
import type { EngramDB } from './schema';
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
 * Stores a layout at the log's current position (replacing the one stored).
 * @param db - the open database
 * @param layout - the index's trained lists
 */
export async function writeIndexLayout(
  db: IDBPDatabase<EngramDB>,
  layout: IndexLayout,
): Promise<void> {
  const tx = db.transaction(['meta', 'checkpoints'], 'readwrite');
  try {
    const meta = await tx.objectStore('meta').get('meta');
    if (!meta) throw new EngramError('CorruptStore', 'meta record vanished');
    const record: StoredIndexLayout = {
      kind: 'ivf',
      seq: meta.lastSeq,
      hash: meta.lastHash,
      layout,
    };
    await Promise.all([tx.objectStore('checkpoints').put(record, LAYOUT_KEY), tx.done]);
  } catch (e) {
    abortQuietly(tx);
    throw storeError(e);
  }
}
