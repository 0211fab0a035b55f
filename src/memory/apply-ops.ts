// Turns planned operations into records and events, committed in ONE
// transaction under the write lock (so a failed add writes nothing).
import type { EngineCore } from '../engine/core';
import type { NewEvent } from '../store/event-log';
import type { MemoryRecord } from '../store/records';
import type { AddResultItem, CheckedAdd } from './ingest';
import { planLinks, type LinkSource, type PlannedNeighbours } from './links';
import { applyPatch, newRecord, nextVersion, vectorBytes } from './record-ops';
import { tagFields } from '../govern/write-tag';
import {
  changeEvidence,
  currentTrust,
  holdChange,
  isHeld,
  restateEvidence,
} from '../govern/pending';

/** One planned operation on memory. */
export type Op =
  | {
      kind: 'ADD';
      text: string;
      vector: Float32Array;
      role?: string;
      name?: string;
      validFrom?: number;
      /** Its nearest memories in scope, found while planning (reused for its links). */
      near?: PlannedNeighbours;
    }
  | { kind: 'UPDATE'; id: string; text: string; vector: Float32Array; validFrom?: number }
  | { kind: 'DELETE'; id: string; validTo?: number; text?: string; vector?: Float32Array }
  | { kind: 'NOOP'; id: string };

/**
 * Commits operations in order. A target that stopped being active since the
 * plan (another tab) turns an UPDATE into an ADD and drops a DELETE or NOOP.
 * @param actor - recorded on the events (`'api'`, `'consolidator'`, `'llm'`)
 */
export async function commitOps(
  core: EngineCore,
  entries: { op: Op; o: CheckedAdd }[],
  actor: string,
): Promise<AddResultItem[]> {
  let results: AddResultItem[] = [];
  if (entries.length === 0) return results;
  // Everything below comes from the state and `entries`: it may run twice (see `core.write`).
  const write = async () => {
    results = [];
    const now = core.settings.clock();
    const state = core.state;
    const changed = new Map<string, MemoryRecord>();
    const current = (id: string) => {
      const r = changed.get(id) ?? state.records.get(id);
      return r?.state === 'active' ? r : undefined;
    };
    const trust = currentTrust(core);
    // A lower-trust source never changes a higher-trust memory: its change is held pending.
    const held = (target: MemoryRecord | undefined, o: CheckedAdd): target is MemoryRecord =>
      target !== undefined && isHeld(trust, o.tag.source, target);
    const fresh = entries.filter(
      (e) =>
        e.op.kind === 'ADD' ||
        e.op.kind === 'UPDATE' ||
        (e.op.kind === 'DELETE' && held(current(e.op.id), e.o)),
    ).length;
    let slot = core.store.reserveSlots(fresh);
    const versions: MemoryRecord[] = [];
    const vectors: { slot: number; vector: Float32Array }[] = [];
    const events: NewEvent[] = [];
    const sources: LinkSource[] = [];
    for (const { op, o } of entries) {
      const target = op.kind === 'ADD' ? undefined : current(op.id);
      if ((op.kind === 'UPDATE' || op.kind === 'DELETE') && held(target, o)) {
        const { rec, event } = holdChange(
          target,
          {
            op: op.kind,
            text: op.text ?? target.text,
            vector: op.vector ?? new Float32Array(core.embedder.dim),
            metadata: o.metadata,
            scope: o.scope,
            tag: o.tag,
            validFrom:
              op.kind === 'UPDATE' ? (op.validFrom ?? o.eventTime ?? now) : (op.validTo ?? now),
          },
          slot++,
          core.settings.initialStrength,
          now,
          actor,
        );
        changed.set(rec.id, rec);
        vectors.push({ slot: rec.slot, vector: op.vector ?? new Float32Array(core.embedder.dim) });
        events.push(event);
        results.push({ id: rec.id, memory: rec.text, event: 'PENDING', target: target.id });
        continue;
      }
      if (op.kind === 'ADD' || (op.kind === 'UPDATE' && !target)) {
        const rec = newRecord(
          {
            id: crypto.randomUUID(),
            text: op.text,
            metadata: o.metadata,
            scope: o.scope,
            source: o.tag.source,
            ...(op.kind === 'ADD' && op.role !== undefined ? { role: op.role } : {}),
            ...(op.kind === 'ADD' && op.name !== undefined ? { name: op.name } : {}),
            validFrom: op.validFrom ?? o.eventTime ?? now,
            slot: slot++,
            strength: core.settings.initialStrength,
          },
          now,
        );
        changed.set(rec.id, rec);
        vectors.push({ slot: rec.slot, vector: op.vector });
        events.push({
          type: 'memory.added',
          memoryId: rec.id,
          at: now,
          actor,
          payload: { memory: rec, vector: vectorBytes(op.vector), ...tagFields(o.tag) },
        });
        if (o.link)
          sources.push({
            id: rec.id,
            vector: op.vector,
            scope: o.scope,
            ...(op.kind === 'ADD' && op.near ? { near: op.near } : {}),
          });
        results.push({ id: rec.id, memory: rec.text, event: 'ADD' });
      } else if (!target) {
        continue;
      } else if (op.kind === 'UPDATE') {
        const next = nextVersion(
          target,
          {
            text: op.text,
            metadata: { ...target.metadata, ...o.metadata },
            slot: slot++,
            validFrom: op.validFrom ?? o.eventTime ?? now,
          },
          now,
        );
        changed.set(target.id, next.memory);
        versions.push(next.previous);
        vectors.push({ slot: next.memory.slot, vector: op.vector });
        events.push({
          type: 'memory.updated',
          memoryId: target.id,
          at: now,
          actor,
          payload: {
            ...next,
            vector: vectorBytes(op.vector),
            ...tagFields(o.tag),
            ...changeEvidence(trust, o.tag.source, target),
          },
        });
        results.push({
          id: target.id,
          memory: op.text,
          event: 'UPDATE',
          previousMemory: target.text,
        });
      } else if (op.kind === 'DELETE') {
        const validTo = Math.max(target.validFrom, op.validTo ?? o.eventTime ?? now);
        const patch = { state: 'invalidated' as const, updatedAt: now, validTo };
        changed.set(target.id, applyPatch(target, patch));
        events.push({
          type: 'memory.invalidated',
          memoryId: target.id,
          at: now,
          actor,
          payload: { patch, ...tagFields(o.tag), ...changeEvidence(trust, o.tag.source, target) },
        });
        results.push({ id: target.id, memory: target.text, event: 'DELETE' });
      } else {
        const patch = {
          strength: target.strength + core.settings.strengthIncrement,
          lastRecalledAt: now,
        };
        changed.set(target.id, applyPatch(target, patch));
        events.push({
          type: 'memory.reinforced',
          memoryId: target.id,
          at: now,
          actor,
          payload: { patch, ...tagFields(o.tag), ...restateEvidence(o.tag.source, target) },
        });
        results.push({ id: target.id, memory: target.text, event: 'NOOP' });
      }
    }
    const linked = await planLinks(core, sources, now);
    // Links belong to the write that made them (one tag per call: `add` has one set of options).
    const tag = tagFields(entries[0]!.o.tag);
    events.push(...linked.events.map((e) => ({ ...e, payload: { ...e.payload, ...tag } })));
    if (!events.length) return [];
    return core.commit({
      memories: [...changed.values()],
      versions,
      vectors,
      links: linked.links,
      events,
    });
  };
  await core.write(write, { rerun: true });
  return results;
}
