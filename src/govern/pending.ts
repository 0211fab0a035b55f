// Pending changes: a lower-trust source's UPDATE or DELETE of a higher-trust memory is not
// applied; it is held as a `pending` memory (its own id, text and vector, out of every search)
// that names the memory it would change. `pending()` lists them, `accept(id)` applies the
// change (the log gets the UPDATE or DELETE it would have been), `reject(id)` drops it. Each
// step is an event (`memory.pending`, `memory.accepted`, `memory.rejected`), so `history` and
// `audit` show it, and each carries trust evidence about the sources involved.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { PENDING_OPTIONS } from '../engine/option-names';
import { checkId, checkLimit, checkOptionNames, checkScope, inScope } from '../engine/validate';
import type { NewEvent } from '../store/event-log';
import type { MemoryRecord, TrustEvidence } from '../store/records';
import type { Memory, Metadata, Scope } from '../types';
import { applyPatch, newRecord, nextVersion, toMemory, vectorBytes } from '../memory/record-ops';
import { sourceOf, trustTable } from './trust';
import { tagFields, type WriteTag } from './write-tag';

/** Options of `pending`. */
export interface PendingOptions extends Scope {
  /** Most results, oldest first (default 1000). */
  limit?: number;
}

/** What `accept` did. */
export interface AcceptResult {
  /**
   * `UPDATE`: the memory it was held for now has its text; `DELETE`: that memory was
   * invalidated; `ADD`: that memory was gone, so the fact became a memory of its own;
   * `NOOP`: a held delete of a memory already gone.
   */
  event: 'UPDATE' | 'DELETE' | 'ADD' | 'NOOP';
  /** The memory as it is now (the one changed, or the new one). */
  memory: Memory;
}

/** The trust of each source as of the current evidence (build it under the write lock). */
export function currentTrust(core: EngineCore): (source: string | undefined) => number {
  return trustTable(core.settings.trust, core.store.meta.trust);
}

/** True when a write from `source` may not change `target`: its source is trusted more. */
export function isHeld(
  trust: (source: string | undefined) => number,
  source: string,
  target: MemoryRecord,
): boolean {
  return trust(source) < trust(sourceOf(target));
}

/**
 * Evidence of a change applied to `target` by `source`: when a more trusted source changes a
 * less trusted source's memory, the latter was contradicted.
 */
export function changeEvidence(
  trust: (source: string | undefined) => number,
  source: string,
  target: MemoryRecord,
): { evidence?: TrustEvidence[] } {
  const of = sourceOf(target);
  return of !== source && trust(source) > trust(of)
    ? { evidence: [{ source: of, outcome: 'contradicted' }] }
    : {};
}

/** Evidence of a fact from `source` that restates `target`: another source confirms it. */
export function restateEvidence(
  source: string,
  target: MemoryRecord,
): { evidence?: TrustEvidence[] } {
  const of = sourceOf(target);
  return of !== source ? { evidence: [{ source: of, outcome: 'confirmed' }] } : {};
}

/** A held change: the pending record and its event (the writer's trust is contradicted). */
export function holdChange(
  target: MemoryRecord,
  change: {
    op: 'UPDATE' | 'DELETE';
    text: string;
    vector: Float32Array;
    metadata: Metadata;
    scope: Scope;
    tag: WriteTag;
    validFrom: number;
  },
  slot: number,
  strength: number,
  now: number,
  actor: string,
): { rec: MemoryRecord; event: NewEvent } {
  const rec: MemoryRecord = {
    ...newRecord(
      {
        id: crypto.randomUUID(),
        text: change.text,
        metadata: change.metadata,
        scope: change.scope,
        source: change.tag.source,
        validFrom: change.validFrom,
        slot,
        strength,
      },
      now,
    ),
    state: 'pending',
    pendingFor: { id: target.id, op: change.op },
  };
  const event: NewEvent = {
    type: 'memory.pending',
    memoryId: rec.id,
    at: now,
    actor,
    payload: {
      memory: rec,
      vector: vectorBytes(change.vector),
      ...tagFields(change.tag),
      evidence: [{ source: change.tag.source, outcome: 'contradicted' }],
    },
  };
  return { rec, event };
}

/** The pending record of `id`. @throws `NotFound` */
function pendingRecord(
  core: EngineCore,
  id: string,
): MemoryRecord & Required<Pick<MemoryRecord, 'pendingFor'>> {
  const rec = core.state.records.get(id);
  if (!rec || rec.state !== 'pending' || !rec.pendingFor)
    throw new EngramError('NotFound', `No pending memory with id ${id}`, { details: { id } });
  return rec as MemoryRecord & Required<Pick<MemoryRecord, 'pendingFor'>>;
}

/** Pending memories in a scope, oldest first. A read. @throws `InvalidArgument` */
export async function listPending(
  core: EngineCore,
  options: PendingOptions = {},
): Promise<{ results: Memory[] }> {
  checkOptionNames(options, PENDING_OPTIONS, 'pending');
  const scope = checkScope(options);
  const limit = checkLimit(options?.limit, 1000, Number.MAX_SAFE_INTEGER);
  await core.ready();
  const out = [...core.state.records.values()]
    .filter((r) => r.state === 'pending' && inScope(r, scope))
    .sort((a, b) => a.createdAt - b.createdAt || a.slot - b.slot)
    .slice(0, limit);
  return { results: out.map(toMemory) };
}

/**
 * Applies a pending change: the UPDATE or DELETE it holds, written now (actor `'accept'`,
 * source the pending memory's); the pending memory is closed (`memory.accepted`, state
 * `deleted`) and its source confirmed. @throws `NotFound` (no pending memory with that id)
 */
export async function accept(core: EngineCore, id: string): Promise<AcceptResult> {
  checkId(id);
  let result: AcceptResult | undefined;
  await core.write(async () => {
    const p = pendingRecord(core, id);
    const now = core.settings.clock();
    const source = sourceOf(p);
    const tag = { source };
    const cur = core.state.records.get(p.pendingFor.id);
    const target = cur?.state === 'active' ? cur : undefined;
    const events: NewEvent[] = [];
    const memories: MemoryRecord[] = [];
    const versions: MemoryRecord[] = [];
    const vectors: { slot: number; vector: Float32Array }[] = [];
    const confirmed: TrustEvidence[] = [{ source, outcome: 'confirmed' }];
    const { pendingFor: _was, ...plain } = p;
    if (!target && p.pendingFor.op === 'UPDATE') {
      // The memory it would have updated is gone: the fact stands on its own.
      const own: MemoryRecord = { ...plain, state: 'active', updatedAt: now };
      memories.push(own);
      events.push(closing(own, 'memory.accepted', now, tag, confirmed));
      result = { event: 'ADD', memory: toMemory(own) };
    } else {
      const closed = applyPatch(p, { state: 'deleted', updatedAt: now });
      memories.push(closed);
      events.push(closing(closed, 'memory.accepted', now, tag, confirmed));
      if (!target) result = { event: 'NOOP', memory: toMemory(closed) };
      else if (p.pendingFor.op === 'UPDATE') {
        const vector = (await core.store.readVectors([p.slot])).get(p.slot);
        if (!vector)
          throw new EngramError('CorruptStore', `the vector of pending memory ${id} is missing`);
        const slot = core.store.reserveSlots(1);
        const next = nextVersion(
          target,
          {
            text: p.text,
            metadata: { ...target.metadata, ...p.metadata },
            slot,
            validFrom: p.validFrom,
          },
          now,
        );
        memories.push(next.memory);
        versions.push(next.previous);
        vectors.push({ slot, vector });
        events.push({
          type: 'memory.updated',
          memoryId: target.id,
          at: now,
          actor: 'accept',
          payload: { ...next, vector: vectorBytes(vector), ...tagFields(tag) },
        });
        result = { event: 'UPDATE', memory: toMemory(next.memory) };
      } else {
        const patch = {
          state: 'invalidated' as const,
          updatedAt: now,
          validTo: Math.max(target.validFrom, p.validFrom),
        };
        const gone = applyPatch(target, patch);
        memories.push(gone);
        events.push({
          type: 'memory.invalidated',
          memoryId: target.id,
          at: now,
          actor: 'accept',
          payload: { patch, ...tagFields(tag) },
        });
        result = { event: 'DELETE', memory: toMemory(gone) };
      }
    }
    return core.commit({ memories, versions, vectors, events });
  });
  return result!;
}

/**
 * Drops a pending change: the pending memory is closed (`memory.rejected`, state `deleted`)
 * and its source contradicted; the memory it was held for is untouched.
 * @returns the pending memory as closed. @throws `NotFound` (no pending memory with that id)
 */
export async function reject(core: EngineCore, id: string): Promise<Memory> {
  checkId(id);
  let out: Memory | undefined;
  await core.write(async () => {
    const p = pendingRecord(core, id);
    const now = core.settings.clock();
    const closed = applyPatch(p, { state: 'deleted', updatedAt: now });
    out = toMemory(closed);
    const source = sourceOf(p);
    return core.commit({
      memories: [closed],
      events: [
        closing(closed, 'memory.rejected', now, { source }, [{ source, outcome: 'contradicted' }]),
      ],
    });
  });
  return out!;
}

/** The event that closes a pending memory (it carries the record as it is after). */
function closing(
  rec: MemoryRecord,
  type: 'memory.accepted' | 'memory.rejected',
  now: number,
  tag: WriteTag,
  evidence: TrustEvidence[],
): NewEvent {
  return {
    type,
    memoryId: rec.id,
    at: now,
    actor: type === 'memory.accepted' ? 'accept' : 'reject',
    payload: { memory: rec, ...tagFields(tag), evidence },
  };
}
