// Bringing the in-memory state level with the store: at open (from a recent
// checkpoint plus the events after it, or everything) and after other tabs wrote.
import type { MemoryStore } from '../store/memory-store';
import type { RecordColumns } from '../store/checkpoint-columns';
import type { MemoryRecord } from '../store/records';
import type { MemoryState } from './memory-state';
import { retrieverFromRows, type LoadedLexical } from '../retrieval/loaded-lexical';
import { LEXICAL_VERSION } from '../retrieval/lexical-row';
import type { CheckpointSettings } from './options';
import { IvfIndex } from '../search/ivf-index';
import { hasCodes, type IndexLayout } from '../store/index-layout-io';
import { runsOf } from '../util/runs';

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
  /** Whether the stored layout came with its int8 codes (else they are stored at the next save). */
  layoutCodes: boolean;
  /**
   * Whether the IVF index was staged from its stored lists and codes (`IvfIndex.stageLayout`),
   * its fp32 rows not read: the caller reads them ({@link readStagedRows}) once the first
   * searches are answered.
   */
  staged: boolean;
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
  // checkpoint is still being read. With the lists' int8 codes stored too, the rows are not read
  // at all before the first result: the index is staged from the codes (52 MB at 100k × 512
  // instead of 205 MB, and no copy of the rows into their lists) and searches read the rows they
  // rescore. The codes are read first, then the checkpoint's bytes: read side by side, each
  // slowed the other 2–5×; read after the checkpoint's bytes, the codes waited for its check,
  // decode and lexical index (a Blob's bytes arrive in tasks on this thread, and those are one
  // long task) and came 0.3 s after them at 100k.
  let lexical: LoadedLexical | undefined;
  const ivf = state.index instanceof IvfIndex ? state.index : undefined;
  const layoutRead = checkpointing && ivf ? store.readIndexLayout() : undefined;
  let layoutRestored = false;
  let layoutCodes = false;
  let staged = false;
  let codesRead = () => {};
  const codesFirst = new Promise<void>((resolve) => (codesRead = resolve));
  const [cp, meta, layout] = checkpointing
    ? await Promise.all([
        clock.time(
          'checkpoint',
          store.readCheckpoint(clock.phases, codesFirst).then((read) => {
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
            layoutCodes = stored !== undefined && hasCodes(stored);
            if (!layoutCodes) codesRead();
            // The store's slots now (read after the layout: at least those it placed) bound
            // the slots a stored layout may name.
            const meta = ivf && stored ? await store.refreshMeta() : undefined;
            if (
              ivf &&
              stored &&
              meta &&
              (await stage(store, state, ivf, stored, meta, clock, codesRead))
            ) {
              layoutRestored = staged = true;
              return meta;
            }
            const direct =
              ivf !== undefined &&
              stored !== undefined &&
              meta !== undefined &&
              ivf.expectLayout(listsOf(stored), meta.nextSlot);
            codesRead();
            const read = await store.streamVectors(
              (first, rows) => state.appendVectors(first, rows),
              clock.phases,
            );
            if (direct)
              layoutRestored = clock.run('index layout', () => ivf.settleLayout() === true);
            return read;
          })().finally(codesRead),
        ),
        layoutRead,
      ])
    : [undefined, undefined, undefined];
  clock.lap('reads');
  // The IVF lists as they were stored (instead of training at the first search), when they
  // were not laid out as the rows came (an index that already held rows).
  if (ivf !== undefined && layout !== undefined && !layoutRestored && ivf.listCount === 0)
    layoutRestored = clock.run('index layout', () => ivf.restoreLayout(listsOf(layout)));
  const checkpointSeq = cp?.seq ?? -1;
  if (cp && meta && checkpointing) {
    if (cp.seq <= meta.lastSeq && meta.lastSeq - cp.seq <= checkpointing.maxLag) {
      // The memories left in the checkpoint's columns are taken as they are (made when read).
      const cols = cp.data.memoryColumns;
      if (!cols || !state.load(cols, cp.data.versions))
        state.apply(cols ? memoriesOf(cols) : cp.data.memories, cp.data.versions);
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
        layoutCodes,
        staged,
        phases: clock.phases,
      };
    }
  }
  const snap = await store.load();
  clock.lap('records');
  state.clear();
  // A staged index holds codes, not rows: it starts again from the rows read here.
  if (staged) ivf?.dispose();
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
    layoutCodes,
    staged: false,
    phases: clock.phases,
  };
}

/**
 * Reads every row of a staged index into its lists (all at once, as an open reads them), then
 * ends the staging. Stopped by `stop` (the blocks still in flight are taken and dropped).
 * @returns whether the rows are in (false: stopped, or the index was replaced meanwhile)
 */
export async function readStagedRows(
  store: MemoryStore,
  ivf: IvfIndex,
  stop?: AbortSignal,
): Promise<boolean> {
  if (stop?.aborted) return false;
  await store.streamRows((first, rows) => {
    if (!stop?.aborted) ivf.fillStaged(first, rows);
  });
  return !stop?.aborted && (await ivf.settleStaged());
}

/** A stored layout's lists, without its codes. */
function listsOf(stored: IndexLayout): Omit<IndexLayout, 'codes'> {
  const { codes: _codes, ...lists } = stored;
  return lists;
}

/**
 * Stages an IVF index from a stored layout and its codes (see {@link loadState}; `codesRead`
 * is called once they are read, or when they will not be), then writes the rows the layout does
 * not place (read now: every search scans them in full).
 * @returns whether it was staged (false: no usable codes, or a layout that does not fit; then
 *   the index and state are as they were)
 */
async function stage(
  store: MemoryStore,
  state: MemoryState,
  ivf: IvfIndex,
  stored: IndexLayout,
  meta: { nextSlot: number },
  clock: ReturnType<typeof phaseClock>,
  codesRead: () => void,
): Promise<boolean> {
  if (!hasCodes(stored)) return false;
  const bytes = await clock
    .time('index codes', store.readLayoutCodes(stored.codes))
    .finally(codesRead);
  if (!bytes) return false;
  const codes = { bytes, maxNorm: stored.codes.maxNorm };
  const read = (slots: readonly number[]) => store.readVectors(slots);
  if (!ivf.stageLayout(listsOf(stored), codes, meta.nextSlot, read)) return false;
  state.stageVectors(meta.nextSlot);
  const unplaced = ivf.unplacedSlots();
  const rows = await clock.time('unplaced rows', store.readVectors(unplaced));
  const dim = ivf.dim;
  // A write per run of consecutive slots (a slot stored nowhere: a zero row, as a load pads it).
  for (const [first, n] of runsOf(unplaced)) {
    const buf = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) {
      const row = rows.get(first + r);
      if (row) buf.set(row, r * dim);
    }
    await state.appendVectors(first, buf);
  }
  return true;
}

/** Every record of columns, made. */
function memoriesOf(cols: RecordColumns): MemoryRecord[] {
  return Array.from({ length: cols.n }, (_, i) => cols.make(i));
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
