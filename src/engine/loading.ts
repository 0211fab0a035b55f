// Bringing the in-memory state level with the store: at open (from a recent
// checkpoint plus the events after it, or everything) and after other tabs wrote.
import type { MemoryStore } from '../store/memory-store';
import type { MemoryState } from './memory-state';
import type { CheckpointOptions } from './options';

/** Where a load left the state. */
export interface Loaded {
  /** Last event applied. */
  appliedSeq: number;
  /** Log position of the stored checkpoint (-1: none). */
  checkpointSeq: number;
  /** Whether the checkpoint was used. */
  fromCheckpoint: boolean;
}

/**
 * Loads a store into an empty state. With `checkpointing`, a checkpoint at most
 * `maxLag` events old is read (while the vectors stream into the index) and the
 * events after it are applied; otherwise every record is read.
 */
export async function loadState(
  store: MemoryStore,
  state: MemoryState,
  checkpointing: Required<CheckpointOptions> | undefined,
): Promise<Loaded> {
  state.clear();
  // The vectors stream into the index while the checkpoint is read and parsed.
  const [cp, meta] = checkpointing
    ? await Promise.all([
        store.readCheckpoint(),
        store.streamVectors((first, rows) => state.appendVectors(first, rows)),
      ])
    : [undefined, undefined];
  const checkpointSeq = cp?.seq ?? -1;
  if (cp && meta && checkpointing) {
    if (cp.seq <= meta.lastSeq && meta.lastSeq - cp.seq <= checkpointing.maxLag) {
      state.apply(cp.data.memories, cp.data.versions);
      state.addLinks(cp.data.links);
      state.loadedLexical = cp.data.lexical;
      // Re-reads what changed after the checkpoint (and drops those lexical rows).
      const caught = await catchUpState(store, state, cp.seq);
      const appliedSeq = typeof caught === 'object' ? caught.seq : cp.seq;
      return { appliedSeq, checkpointSeq, fromCheckpoint: true };
    }
  }
  const snap = await store.load();
  state.clear();
  await state.appendVectors(0, snap.vectors);
  state.apply(snap.memories, snap.versions);
  state.addLinks(snap.links);
  state.loadedLexical = snap.lexical;
  return { appliedSeq: snap.meta.lastSeq, checkpointSeq, fromCheckpoint: false };
}

/**
 * Applies the events after `appliedSeq` by re-reading the memories they touch.
 * @returns the new position and how many memories changed; `'none'` when
 *   nothing is new; `'reset'` when the log went backwards (reset elsewhere:
 *   the caller reloads everything)
 */
export async function catchUpState(
  store: MemoryStore,
  state: MemoryState,
  appliedSeq: number,
): Promise<{ seq: number; changed: number } | 'none' | 'reset'> {
  const meta = await store.refreshMeta();
  if (meta.lastSeq < appliedSeq) return 'reset';
  if (meta.lastSeq === appliedSeq) return 'none';
  const events = await store.eventsSince(appliedSeq);
  const ids = new Set<string>();
  for (const e of events) {
    ids.add(e.memoryId);
    for (const l of 'links' in e.payload ? (e.payload.links ?? []) : []) ids.add(l.to);
  }
  const read = await store.readMemories([...ids]);
  const found = new Set(read.memories.map((m) => m.id));
  const newSlots = [...read.memories, ...read.versions]
    .map((r) => r.slot)
    .filter((s) => s >= state.index.size)
    .sort((a, b) => a - b);
  if (newSlots.length) {
    const rows = await store.readVectors(newSlots);
    const first = newSlots[0]!;
    const dim = state.index.dim;
    const buf = new Float32Array((newSlots[newSlots.length - 1]! - first + 1) * dim);
    for (const [slot, v] of rows) buf.set(v, (slot - first) * dim);
    await state.appendVectors(first, buf);
  }
  state.drop([...ids].filter((id) => !found.has(id)));
  state.drop([...found]); // re-applied below from what is stored
  state.apply(read.memories, read.versions);
  // Links are symmetric: restore both directions of every link read.
  state.addLinks(read.links.flatMap((l) => [l, { ...l, from: l.to, to: l.from }]));
  return { seq: events[events.length - 1]?.seq ?? meta.lastSeq, changed: ids.size };
}
