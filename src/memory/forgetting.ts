// The forgetting curve (MemoryBank, after Ebbinghaus): each memory has a
// strength S (days) and a last-recall time; its retention is R = exp(-Δt / S).
// A recall (being returned by a search) or an explicit reinforce() adds
// `strengthIncrement` to S and restarts Δt. forget() archives memories whose
// retention fell below a bound: out of the index, kept in the log, restorable.
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
export function retention(
  rec: Pick<MemoryRecord, 'strength' | 'lastRecalledAt'>,
  now: number,
): number {
  const days = Math.max(0, now - rec.lastRecalledAt) / DAY_MS;
  return Math.exp(-days / Math.max(rec.strength, 1e-9));
}

/** Options of `forget`. */
export interface ForgetOptions extends Scope {
  /** Archive active memories whose retention is below this (0 < b ≤ 1). Required. */
  belowRetention: number;
}

/**
 * Reinforcement events for memories: strength + increment, last recall = now.
 * @param type - `'memory.accessed'` for search hits, `'memory.reinforced'` otherwise
 */
export function reinforceEvents(
  core: EngineCore,
  ids: readonly string[],
  type: 'memory.accessed' | 'memory.reinforced',
  actor: string,
  now: number,
): { events: NewEvent[]; memories: MemoryRecord[] } {
  const events: NewEvent[] = [];
  const memories: MemoryRecord[] = [];
  for (const id of new Set(ids)) {
    const rec = core.state.records.get(id);
    if (!rec || rec.state !== 'active') continue;
    const patch = {
      strength: rec.strength + core.settings.strengthIncrement,
      lastRecalledAt: now,
    };
    events.push({ type, memoryId: id, at: now, actor, payload: { patch } });
    memories.push(applyPatch(rec, patch));
  }
  return { events, memories };
}

/** Reinforces search hits in one transaction; a failure is logged, never thrown. */
export async function reinforceHits(core: EngineCore, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    await core.write(async () => {
      const { events, memories } = reinforceEvents(
        core,
        ids,
        'memory.accessed',
        'search',
        core.settings.clock(),
      );
      return events.length ? core.commit({ memories, events }) : [];
    });
  } catch (e) {
    core.settings.log(`engram: reinforcing search hits failed: ${String(e)}`);
  }
}

/** Reinforces one active memory. @throws `NotFound` */
export async function reinforce(core: EngineCore, id: string): Promise<MemoryRecord> {
  checkId(id);
  await core.ready();
  let out: MemoryRecord | undefined;
  await core.write(async () => {
    const { events, memories } = reinforceEvents(
      core,
      [id],
      'memory.reinforced',
      'api',
      core.settings.clock(),
    );
    if (!events.length)
      throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    out = memories[0];
    return core.commit({ memories, events });
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
