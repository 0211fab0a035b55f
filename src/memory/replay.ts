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

/**
 * Replays a log (oldest first) into memories, versions, links and vectors.
 * @param events - the whole log
 * @returns the derived state and the next free vector slot
 */
export function replay(events: readonly EventRecord[]): { state: DerivedState; nextSlot: number } {
  const memories = new Map<string, MemoryRecord>();
  const versions = new Map<string, MemoryRecord>();
  const links = new Map<string, LinkRecord>();
  const vectors = new Map<number, Float32Array>();
  let nextSlot = 0;
  const useSlot = (s: number) => (nextSlot = Math.max(nextSlot, s + 1));
  for (const e of events) {
    const p = e.payload;
    if (isTombstone(p)) continue;
    if (p.previous) versions.set(`${p.previous.id}#${p.previous.version}`, p.previous);
    // A rollback removes the past versions its change set made.
    for (const v of p.dropVersions ?? []) versions.delete(`${e.memoryId}#${v}`);
    if (p.memory) {
      memories.set(p.memory.id, p.memory);
      if (p.vector) vectors.set(p.memory.slot, new Float32Array(p.vector.slice(0)));
      useSlot(p.memory.slot);
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
      for (const s of p.slots ?? []) {
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
