// The forgetting curve (MemoryBank, after Ebbinghaus): each memory has a
// strength S (days) and a last-recall time; its retention is R = exp(-Δt / S).
// A recall (being returned by a search) or an explicit reinforce() adds
// `strengthIncrement` to S and restarts Δt. Recalls are buffered (recall-buffer.ts)
// and written as one coalesced event per memory, so searches never write;
// reinforce() writes at once. forget() archives memories whose retention fell
// below a bound: out of the index, kept in the log, restorable.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { checkNumber, checkOptionNames, checkScope, inScope, checkId } from '../engine/validate';
import { FORGET_OPTIONS } from '../engine/option-names';
import type { NewEvent } from '../store/event-log';
import type { MemoryRecord } from '../store/records';
import type { Scope } from '../types';
import { applyPatch } from './record-ops';

const DAY_MS = 86_400_000;

/**
 * Retention exp(-Δt / S) of a memory at `now`, Δt in days since its last recall.
 * @param rec - the memory version
 * @param now - ms since epoch
 */
export function retention(rec: { strength: number; lastRecalledAt: number }, now: number): number {
  const days = Math.max(0, now - rec.lastRecalledAt) / DAY_MS;
  return Math.exp(-days / Math.max(rec.strength, 1e-9));
}

/** Options of `forget`. */
export interface ForgetOptions extends Scope {
  /** Archive active memories whose retention is below this (0 < b ≤ 1). Required. */
  belowRetention: number;
}

/**
 * Coalesced recall events, one `memory.accessed` per memory still active: `count` recalls
 * give strength + count·increment and move the last recall to the latest one, exactly what
 * `count` recalls written one by one would have given; `payload.recalls` = count. Memories
 * no longer active (deleted, archived, erased since) are left out.
 * @param recalls - memory id → how many recalls and when the last one was
 * @param now - the event time (when the recalls are written)
 */
export function recallEvents(
  core: EngineCore,
  recalls: ReadonlyMap<string, { count: number; lastAt: number }>,
  now: number,
): { events: NewEvent[]; memories: MemoryRecord[] } {
  const events: NewEvent[] = [];
  const memories: MemoryRecord[] = [];
  for (const [id, { count, lastAt }] of recalls) {
    const rec = core.state.records.get(id);
    if (!rec || rec.state !== 'active' || count < 1) continue;
    const patch = {
      strength: rec.strength + count * core.settings.strengthIncrement,
      lastRecalledAt: Math.max(rec.lastRecalledAt, lastAt),
    };
    events.push({
      type: 'memory.accessed',
      memoryId: id,
      at: now,
      actor: 'search',
      payload: { patch, recalls: count },
    });
    memories.push(applyPatch(rec, patch));
  }
  return { events, memories };
}

/**
 * Reinforces one active memory at once (a `memory.reinforced` event, written before this
 * returns): strength + `strengthIncrement`, forgetting clock restarted. Recalls by search
 * are not written this way: they are buffered and written in the background (see
 * `RecallBuffer`). @throws `NotFound`
 */
export async function reinforce(core: EngineCore, id: string): Promise<MemoryRecord> {
  checkId(id);
  await core.ready();
  let out: MemoryRecord | undefined;
  await core.write(async () => {
    const rec = core.state.records.get(id);
    if (!rec || rec.state !== 'active')
      throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    const now = core.settings.clock();
    const patch = { strength: rec.strength + core.settings.strengthIncrement, lastRecalledAt: now };
    out = applyPatch(rec, patch);
    return core.commit({
      memories: [out],
      events: [
        { type: 'memory.reinforced', memoryId: id, at: now, actor: 'api', payload: { patch } },
      ],
    });
  });
  return out!;
}

/** Archives active memories (in a scope) whose retention is below the bound. */
export async function forget(
  core: EngineCore,
  options: ForgetOptions,
): Promise<{ archived: string[] }> {
  if (!options || typeof options !== 'object')
    throw new EngramError('InvalidArgument', 'forget needs { belowRetention }');
  checkOptionNames(options, FORGET_OPTIONS, 'forget');
  if (options.belowRetention === undefined)
    throw new EngramError('InvalidArgument', 'belowRetention is required');
  const bound = checkNumber(options.belowRetention, 'belowRetention', 0, Number.MIN_VALUE, 1);
  const scope = checkScope(options);
  await core.ready();
  const archived: string[] = [];
  await core.write(async () => {
    const now = core.settings.clock();
    const targets = [...core.state.records.values()].filter(
      (r) => r.state === 'active' && inScope(r, scope) && retention(r, now) < bound,
    );
    if (!targets.length) return [];
    const patch = { state: 'archived' as const, updatedAt: now };
    const memories = targets.map((r) => applyPatch(r, patch));
    archived.push(...targets.map((r) => r.id));
    return core.commit({
      memories,
      events: targets.map((r) => ({
        type: 'memory.archived',
        memoryId: r.id,
        at: now,
        actor: 'forget',
        payload: { patch },
      })),
    });
  });
  return { archived };
}

/** Brings an archived memory back into the index, with its recall clock restarted. @throws `NotFound` */
export async function restore(core: EngineCore, id: string): Promise<MemoryRecord> {
  checkId(id);
  await core.ready();
  let out: MemoryRecord | undefined;
  await core.write(async () => {
    const rec = core.state.records.get(id);
    if (!rec || rec.state !== 'archived')
      throw new EngramError('NotFound', `No archived memory with id ${id}`, { details: { id } });
    const now = core.settings.clock();
    const patch = { state: 'active' as const, updatedAt: now, lastRecalledAt: now };
    out = applyPatch(rec, patch);
    return core.commit({
      memories: [out],
      events: [
        { type: 'memory.restored', memoryId: id, at: now, actor: 'api', payload: { patch } },
      ],
    });
  });
  return out!;
}
