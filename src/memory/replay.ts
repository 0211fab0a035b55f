// The derived stores from the log alone: replaying every event through the
// same record functions as the live writes gives the same records, byte for
// byte (rebuild, and import into an empty store).
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { verifyChain } from '../store/event-log';
import type { DerivedState } from '../store/store-ops';
import {
  isTombstone,
  type EventRecord,
  type LinkRecord,
  type MemoryRecord,
} from '../store/records';
import { applyPatch } from './record-ops';
import { mergeOrder } from '../sync/merge-order';

/**
 * Replays a log into memories, versions, links and vectors. A log holding
 * synced events is replayed in merge order (`mergeOrder`) with vector slots
 * given afresh (each device numbered its own; this store's own slots are kept
 * where they are free), and concurrent updates of one memory resolved by
 * {@link placeVersion}.
 * @param events - the whole log, oldest first
 * @returns the derived state and the next free vector slot
 */
export function replay(events: readonly EventRecord[]): { state: DerivedState; nextSlot: number } {
  const merged = events.some((e) => e.origin);
  const r = new Replayer(merged);
  for (const e of merged ? mergeOrder(events) : events) r.apply(e);
  return { state: r.derived(), nextSlot: r.nextSlot };
}

/** What one stretch of {@link Replayer.apply} calls changed (see `Replayer.changes`). */
export interface ReplayChanges {
  /** Memories whose record, versions or links may have changed. */
  ids: Set<string>;
  /** Past versions removed (rollbacks), as [id, version]. */
  droppedVersions: [string, number][];
  /** Vectors given a slot in this stretch (erased ones removed). */
  vectors: Map<number, Float32Array>;
  /** Links put in this stretch (both directions). */
  links: LinkRecord[];
}

/**
 * The fold behind {@link replay}, one event at a time: events applied in merge order give
 * the state `replay` gives for them, so a caller holding one may go on applying events that
 * come after all it has seen (`src/sync/apply-docs.ts`), and read what changed meanwhile.
 */
export class Replayer {
  readonly memories = new Map<string, MemoryRecord>();
  /** Past versions by memory id, then version. */
  readonly versions = new Map<string, Map<number, MemoryRecord>>();
  readonly links = new Map<string, LinkRecord>();
  readonly vectors = new Map<number, Float32Array>();
  /** Merged logs: slot given to each (device, slot) a payload names, and slots of each memory. */
  private readonly slotOf = new Map<string, number>();
  private readonly slotsOfId = new Map<string, number[]>();
  nextSlot = 0;
  /**
   * Least slot given afresh (default 0): a caller going on from a stored state sets it to the
   * store's next free slot, so no new vector lands on a row already stored.
   */
  floor = 0;
  private changed: ReplayChanges = emptyChanges();

  /** @param merged - the log holds synced events (slots are given afresh, versions placed) */
  constructor(readonly merged: boolean) {}

  /** What changed since the last call (or since the start), and starts a new stretch. */
  changes(): ReplayChanges {
    const out = this.changed;
    this.changed = emptyChanges();
    return out;
  }

  /** The derived state as stores hold it. */
  derived(): DerivedState {
    return {
      memories: [...this.memories.values()],
      versions: [...this.versions.values()].flatMap((m) => [...m.values()]),
      links: [...this.links.values()],
      vectors: [...this.vectors].map(([slot, vector]) => ({ slot, vector })),
    };
  }

  private useSlot(s: number): void {
    this.nextSlot = Math.max(this.nextSlot, s + 1);
  }

  private localSlot(e: EventRecord, r: MemoryRecord): MemoryRecord {
    if (!this.merged) return r;
    const key = `${e.origin?.device ?? ''}:${r.slot}`;
    let slot = this.slotOf.get(key);
    if (slot === undefined) {
      // This store's own slot where it is free (its vector is stored there); a fresh one else.
      slot = !e.origin && r.slot >= this.nextSlot ? r.slot : Math.max(this.nextSlot, this.floor);
      this.useSlot(slot);
      this.slotOf.set(key, slot);
      this.slotsOfId.set(r.id, [...(this.slotsOfId.get(r.id) ?? []), slot]);
    }
    return { ...r, slot };
  }

  private putVersion(v: MemoryRecord): void {
    let m = this.versions.get(v.id);
    if (!m) this.versions.set(v.id, (m = new Map()));
    m.set(v.version, v);
  }

  private putLink(l: LinkRecord): void {
    this.links.set(`${l.from}\u0000${l.to}`, l);
    this.changed.links.push(l);
  }

  /** Applies one event (in merge order, for a merged log). */
  apply(e: EventRecord): void {
    const p = e.payload;
    if (isTombstone(p)) return;
    const ch = this.changed;
    ch.ids.add(e.memoryId);
    let memory = p.memory && this.localSlot(e, p.memory);
    const previous = p.previous && this.localSlot(e, p.previous);
    if (this.merged && memory) {
      const cur = this.memories.get(memory.id);
      memory = placeVersion(cur, memory, previous, (v) => this.putVersion(v), e.at);
    } else if (previous) this.putVersion(previous);
    // A rollback removes the past versions its change set made.
    for (const v of p.dropVersions ?? []) {
      this.versions.get(e.memoryId)?.delete(v);
      ch.droppedVersions.push([e.memoryId, v]);
    }
    if (memory) {
      ch.ids.add(memory.id);
      this.memories.set(memory.id, memory);
      if (p.vector) {
        const v = new Float32Array(p.vector.slice(0));
        this.vectors.set(memory.slot, v);
        // An own event's vector kept at its own slot is stored there already.
        if (e.origin || memory.slot !== p.memory!.slot) ch.vectors.set(memory.slot, v);
      }
      this.useSlot(memory.slot);
    }
    if (p.patch) {
      const cur = this.memories.get(e.memoryId);
      if (cur) this.memories.set(e.memoryId, applyPatch(cur, p.patch));
    }
    for (const l of p.links ?? []) {
      ch.ids.add(l.to);
      this.putLink({ from: l.from, to: l.to, score: l.score, at: e.at });
      this.putLink({ from: l.to, to: l.from, score: l.score, at: e.at });
    }
    if (e.type === 'memory.erased') {
      this.memories.delete(e.memoryId);
      this.versions.delete(e.memoryId);
      for (const [k, l] of this.links)
        if (l.from === e.memoryId || l.to === e.memoryId) this.links.delete(k);
      ch.links = ch.links.filter((l) => l.from !== e.memoryId && l.to !== e.memoryId);
      for (const s of this.merged ? (this.slotsOfId.get(e.memoryId) ?? []) : (p.slots ?? [])) {
        this.vectors.delete(s);
        ch.vectors.delete(s);
        this.useSlot(s);
      }
    }
  }
}

function emptyChanges(): ReplayChanges {
  return { ids: new Set(), droppedVersions: [], vectors: new Map(), links: [] };
}

/**
 * Merged logs: where a new version of a memory goes when the current one may
 * come from another device. The rule (the same on every replica, as the order is):
 * the version applied last in merge order is current; the one it replaces is kept
 * as a past version under the current number, and the new one numbered after it
 * (events without `previous` — add, rollback, accept — replace the record as without sync).
 * When the event's `previous` is the current version (same `recordedAt`), that is a
 * plain update and `previous` (invalidated) is what is kept; otherwise the update was
 * concurrent with the current version, which is kept as it was, superseded at `at`.
 * So concurrent updates keep both versions in the history.
 * @returns the new version, renumbered
 */
function placeVersion(
  cur: MemoryRecord | undefined,
  memory: MemoryRecord,
  previous: MemoryRecord | undefined,
  keep: (version: MemoryRecord) => void,
  at: number,
): MemoryRecord {
  if (!cur || !previous) {
    if (previous) keep(previous);
    return memory;
  }
  const kept =
    previous.recordedAt === cur.recordedAt
      ? { ...previous, version: cur.version, slot: cur.slot }
      : { ...cur, state: previous.state, supersededAt: at };
  keep(kept);
  return { ...memory, version: cur.version + 1 };
}

/**
 * Rebuilds every derived store from the log, under the write lock, after
 * checking the chain; then reloads the in-memory state.
 * @throws `CorruptStore` when the log does not verify, or does not end where the meta record says
 */
export async function rebuild(core: EngineCore): Promise<{ events: number; memories: number }> {
  await core.ready();
  let out = { events: 0, memories: 0 };
  await core.write(async () => {
    const events = await core.store.eventsSince(0, true);
    const check = await verifyChain(events);
    if (!check.ok)
      throw new EngramError('CorruptStore', `the log does not verify: ${check.reason}`, {
        details: { ...check },
      });
    // meta anchors the log's end: a log that ends elsewhere lost events (or meta is damaged),
    // and the next write would chain onto the wrong hash. Refuse, as for a broken chain.
    const last = events[events.length - 1];
    const meta = core.store.meta;
    if (meta.lastSeq !== (last?.seq ?? 0) || meta.lastHash !== (last?.hash ?? ''))
      throw new EngramError(
        'CorruptStore',
        `the log ends at seq ${last?.seq ?? 0}, the meta record says ${meta.lastSeq}`,
        { details: { logSeq: last?.seq ?? 0, metaSeq: meta.lastSeq } },
      );
    const { state, nextSlot } = replay(events);
    await core.store.replaceDerived(state, Math.max(nextSlot, core.store.meta.nextSlot));
    await core.reload();
    out = { events: events.length, memories: state.memories.length };
    return [];
  });
  return out;
}
