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
 * given afresh (each device numbered its own), and concurrent updates of one
 * memory resolved by {@link placeVersion}.
 * @param events - the whole log, oldest first
 * @returns the derived state and the next free vector slot
 */
export function replay(events: readonly EventRecord[]): { state: DerivedState; nextSlot: number } {
  const merged = events.some((e) => e.origin);
  const memories = new Map<string, MemoryRecord>();
  const versions = new Map<string, MemoryRecord>();
  const links = new Map<string, LinkRecord>();
  const vectors = new Map<number, Float32Array>();
  /** Merged logs: slot given to each (device, slot) a payload names, and slots of each memory. */
  const slotOf = new Map<string, number>();
  const slotsOfId = new Map<string, number[]>();
  let nextSlot = 0;
  const useSlot = (s: number) => (nextSlot = Math.max(nextSlot, s + 1));
  const localSlot = (e: EventRecord, r: MemoryRecord): MemoryRecord => {
    if (!merged) return r;
    const key = `${e.origin?.device ?? ''}:${r.slot}`;
    let slot = slotOf.get(key);
    if (slot === undefined) {
      slotOf.set(key, (slot = nextSlot++));
      slotsOfId.set(r.id, [...(slotsOfId.get(r.id) ?? []), slot]);
    }
    return { ...r, slot };
  };
  for (const e of merged ? mergeOrder(events) : events) {
    const p = e.payload;
    if (isTombstone(p)) continue;
    let memory = p.memory && localSlot(e, p.memory);
    const previous = p.previous && localSlot(e, p.previous);
    if (merged && memory)
      memory = placeVersion(memories.get(memory.id), memory, previous, versions, e.at);
    else if (previous) versions.set(`${previous.id}#${previous.version}`, previous);
    // A rollback removes the past versions its change set made.
    for (const v of p.dropVersions ?? []) versions.delete(`${e.memoryId}#${v}`);
    if (memory) {
      memories.set(memory.id, memory);
      if (p.vector) vectors.set(memory.slot, new Float32Array(p.vector.slice(0)));
      useSlot(memory.slot);
    }
    if (p.patch) {
      const cur = memories.get(e.memoryId);
      if (cur) memories.set(e.memoryId, applyPatch(cur, p.patch));
    }
    for (const l of p.links ?? []) {
      links.set(`${l.from}\u0000${l.to}`, { from: l.from, to: l.to, score: l.score, at: e.at });
      links.set(`${l.to}\u0000${l.from}`, { from: l.to, to: l.from, score: l.score, at: e.at });
    }
    if (e.type === 'memory.erased') {
      memories.delete(e.memoryId);
      for (const [k, v] of versions) if (v.id === e.memoryId) versions.delete(k);
      for (const [k, l] of links) if (l.from === e.memoryId || l.to === e.memoryId) links.delete(k);
      for (const s of merged ? (slotsOfId.get(e.memoryId) ?? []) : (p.slots ?? [])) {
        vectors.delete(s);
        useSlot(s);
      }
    }
  }
  return {
    state: {
      memories: [...memories.values()],
      versions: [...versions.values()],
      links: [...links.values()],
      vectors: [...vectors].map(([slot, vector]) => ({ slot, vector })),
    },
    nextSlot,
  };
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
  versions: Map<string, MemoryRecord>,
  at: number,
): MemoryRecord {
  if (!cur || !previous) {
    if (previous) versions.set(`${previous.id}#${previous.version}`, previous);
    return memory;
  }
  const kept =
    previous.recordedAt === cur.recordedAt
      ? { ...previous, version: cur.version, slot: cur.slot }
      : { ...cur, state: previous.state, supersededAt: at };
  versions.set(`${cur.id}#${cur.version}`, kept);
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
