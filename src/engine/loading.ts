// Bringing the in-memory state level with the store: at open (from a recent
// checkpoint plus the events after it, or everything) and after other tabs wrote.
import type { MemoryStore } from '../store/memory-store';
import type { MemoryState } from './memory-state';
import { retrieverFromRows, type LoadedLexical } from '../retrieval/loaded-lexical';
import { LEXICAL_VERSION } from '../retrieval/lexical-row';
import type { CheckpointSettings } from './options';
import { IvfIndex } from '../search/ivf-index';

/** Where a load left the state. */
export interface Loaded {
  /** Last event applied, and its hash (unknown when only a checkpoint's position is known). */
  appliedSeq: number;
  appliedHash: string | undefined;
  /** Log position of the stored checkpoint (-1: none). */
  checkpointSeq: number;
  /** Whether the checkpoint was used. */
  fromCheckpoint: boolean;
  /** Whether the index's trained layout was restored from the store (no retraining). */
  layoutRestored: boolean;
  /** Milliseconds per phase of the load (phases overlap where reads run in parallel). */
  phases: Record<string, number>;
}

/** Times the phases of a load; `lap(name)` ends one that started at the last lap (or `since`). */
function phaseClock(): {
  phases: Record<string, number>;
  time: <T>(name: string, p: Promise<T>) => Promise<T>;
  run: <T>(name: string, f: () => T) => T;
  lap: (name: string) => void;
} {
  const phases: Record<string, number> = {};
  const t0 = performance.now();
  let last = t0;
  return {
    phases,
    time: async (name, p) => {
      const start = performance.now();
      const v = await p;
      phases[name] = Math.round(performance.now() - start);
      return v;
    },
    run: (name, f) => {
      const start = performance.now();
      const v = f();
      phases[name] = Math.round(performance.now() - start);
      return v;
    },
    lap: (name) => {
      const now = performance.now();
      phases[name] = Math.round(now - last);
      last = now;
    },
  };
}

/**
 * Loads a store into an empty state. With `checkpointing`, a checkpoint at most
 * `maxLag` events old is read (while the vectors stream into the index) and the
 * events after it are applied; otherwise every record is read.
 */
export async function loadState(
  store: MemoryStore,
  state: MemoryState,
  checkpointing: CheckpointSettings | undefined,
): Promise<Loaded> {
  state.clear();
  const clock = phaseClock();
  // The vectors stream into the index while the checkpoint is read and parsed and its lexical
  // rows are indexed (the block reads are in flight meanwhile). An IVF index's stored lists are
  // read first: the rows then go straight to their places in the lists as they arrive, and the
  // lists are laid out (their int8 codes made) as soon as the last row is in, while the
  // checkpoint is still being read.
  let lexical: LoadedLexical | undefined;
  const ivf = state.index instanceof IvfIndex ? state.index : undefined;
  const layoutRead = checkpointing && ivf ? store.readIndexLayout() : undefined;
  let layoutRestored = false;
  const [cp, meta, layout] = checkpointing
    ? await Promise.all([
        clock.time(
          'checkpoint',
          store.readCheckpoint(clock.phases).then((read) => {
            if (read)
              lexical = clock.run('lexical index', () =>
                retrieverFromRows(read.data.lexical, read.data.lexicalColumns),
              );
            return read;
          }),
        ),
        clock.time(
          'vectors',
          (async () => {
            const stored = await layoutRead;
            // The store's slots now (read after the layout: at least those it placed) bound
            // the slots a stored layout may name.
            const direct =
              ivf !== undefined &&
              stored !== undefined &&
              ivf.expectLayout(stored, (await store.refreshMeta()).nextSlot);
            const read = await store.streamVectors(
              (first, rows) => state.appendVectors(first, rows),
              clock.phases,
            );
            if (direct)
              layoutRestored = clock.run('index layout', () => ivf.settleLayout() === true);
            return read;
          })(),
        ),
        layoutRead,
      ])
    : [undefined, undefined, undefined];
  clock.lap('reads');
  // The IVF lists as they were stored (instead of training at the first search), when they
  // were not laid out as the rows came (an index that already held rows).
  if (ivf !== undefined && layout !== undefined && !layoutRestored && ivf.listCount === 0)
    layoutRestored = clock.run('index layout', () => ivf.restoreLayout(layout));
  const checkpointSeq = cp?.seq ?? -1;
  if (cp && meta && checkpointing) {
    if (cp.seq <= meta.lastSeq && meta.lastSeq - cp.seq <= checkpointing.maxLag) {
      state.apply(cp.data.memories, cp.data.versions);
      state.addLinks(cp.data.links);
      state.loadedLexical = lexical;
      clock.lap('apply');
      // Re-reads what changed after the checkpoint (and drops those lexical rows).
      const caught = await catchUpState(store, state, { seq: cp.seq, hash: undefined });
      clock.lap('catch-up');
      const applied =
        typeof caught === 'object'
          ? { appliedSeq: caught.seq, appliedHash: caught.hash }
          : {
              appliedSeq: cp.seq,
              appliedHash: cp.seq === meta.lastSeq ? meta.lastHash : undefined,
            };
      return {
        ...applied,
        checkpointSeq,
        fromCheckpoint: true,
        layoutRestored,
        phases: clock.phases,
      };
    }
  }
  const snap = await store.load();
  clock.lap('records');
  state.clear();
  await state.appendVectors(0, snap.vectors);
  state.apply(snap.memories, snap.versions);
  state.addLinks(snap.links);
  clock.lap('apply');
  state.loadedLexical = clock.run('lexical index', () => retrieverFromRows(snap.lexical));
  return {
    appliedSeq: snap.meta.lastSeq,
    appliedHash: snap.meta.lastHash,
    checkpointSeq,
    fromCheckpoint: false,
    layoutRestored: false,
    phases: clock.phases,
  };
}

/**
 * Applies the events after `applied.seq` by re-reading the memories they touch.
 * @param applied - the last event applied: its seq, and its hash when known; `epoch`: the
 *   `derivedEpoch` of the stores it was read from
 * @returns the new position and how many memories changed; `'none'` when
 *   nothing is new; `'reset'` when the log is no longer the one applied (reset elsewhere:
 *   it went backwards, or was refilled past `applied.seq`, which the hash chain shows; the
 *   caller reloads everything)
 */
export async function catchUpState(
  store: MemoryStore,
  state: MemoryState,
  applied: { seq: number; hash: string | undefined; epoch?: number },
): Promise<{ seq: number; hash: string; changed: number; erased: boolean } | 'none' | 'reset'> {
  const appliedSeq = applied.seq;
  const known = (hash: string | undefined) => applied.hash === undefined || hash === applied.hash;
  const meta = await store.refreshMeta();
  // The derived stores were replaced wholesale meanwhile (a merged replay of synced events).
  if (applied.epoch !== undefined && (meta.derivedEpoch ?? 0) !== applied.epoch) return 'reset';
  if (meta.lastSeq < appliedSeq) return 'reset';
  if (meta.lastSeq === appliedSeq) return known(meta.lastHash) ? 'none' : 'reset';
  const events = await store.eventsSince(appliedSeq);
  if (events[0] && !known(events[0].prevHash)) return 'reset';
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
  // Their stored lexical rows (written with them): the next search indexes these instead of
  // analysing the texts again (at open, every memory changed since the checkpoint).
  state.noteRows(read.lexical.filter((r) => r.v === LEXICAL_VERSION));
  // Links are symmetric: restore both directions of every link read.
  state.addLinks(read.links.flatMap((l) => [l, { ...l, from: l.to, to: l.from }]));
  const last = events[events.length - 1];
  return {
    seq: last?.seq ?? meta.lastSeq,
    hash: last?.hash ?? meta.lastHash,
    changed: ids.size,
    // An erasure elsewhere: rows this tab's index read before it may still hold the vectors.
    erased: events.some((e) => e.type === 'memory.erased'),
  };
}
