// rollback(changeSet): undoes every write of a change set by appending compensating
// `memory.rolledBack` events (the log stays append-only and hash-chained). Each memory the
// change set touched gets back the exact record it had before the change set's first event
// (replayed from its own earlier events); one the change set added is marked deleted. The
// past versions the change set made are removed from `versions`, so getAll, get, asOf and
// includeSuperseded searches answer as before it.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import type { NewEvent } from '../store/event-log';
import { isTombstone, type EventRecord, type EventType, type MemoryRecord } from '../store/records';
import { replay } from '../memory/replay';
import { applyPatch } from '../memory/record-ops';
import { checkWriteTag } from './write-tag';

/** Event types that change no memory content: later ones never block a rollback. */
const HARMLESS: ReadonlySet<EventType> = new Set(['memory.accessed', 'memory.linked']);

/** What `rollback` did. */
export interface RollbackResult {
  /** The change set undone. */
  changeSet: string;
  /** Memories given back the record they had before it. */
  restored: string[];
  /** Memories it had added, now deleted. */
  removed: string[];
}

/**
 * Undoes a change set. Refused with `Conflict` (nothing written) when a later event other
 * than a recall or a link touched one of its memories — an update, delete, merge, forget,
 * erasure or another change set — naming those memories and events; recalls by search
 * after it are undone with it.
 * @throws `NotFound` (no such change set), `Conflict`, `InvalidArgument`
 */
export async function rollback(core: EngineCore, changeSet: string): Promise<RollbackResult> {
  const { changeSet: id } = checkWriteTag({ changeSet });
  await core.ready();
  let result: RollbackResult = { changeSet: id!, restored: [], removed: [] };
  await core.write(async () => {
    const log = await core.store.eventsSince(0);
    const mine: EventRecord[] = [];
    for (const e of log) {
      if (isTombstone(e.payload)) continue;
      if (e.payload.rolledBack === id)
        throw new EngramError('Conflict', `change set ${id} was already rolled back`, {
          details: { changeSet: id, ids: [e.memoryId], seqs: [e.seq] },
        });
      if (e.payload.changeSet === id) mine.push(e);
    }
    if (mine.length === 0)
      throw new EngramError('NotFound', `No change set ${id}`, { details: { changeSet: id } });
    const first = mine[0]!.seq;
    const last = mine[mine.length - 1]!.seq;
    const ids = [...new Set(mine.filter((e) => !HARMLESS.has(e.type)).map((e) => e.memoryId))];
    const touched = new Set(ids);
    const later = log.filter(
      (e) =>
        e.seq > first &&
        touched.has(e.memoryId) &&
        !HARMLESS.has(e.type) &&
        (e.seq > last || isTombstone(e.payload) || e.payload.changeSet !== id),
    );
    if (later.length)
      throw new EngramError(
        'Conflict',
        `later writes changed ${[...new Set(later.map((e) => e.memoryId))].join(', ')}: change set ${id} not rolled back`,
        {
          details: {
            changeSet: id,
            ids: [...new Set(later.map((e) => e.memoryId))],
            seqs: later.map((e) => e.seq),
          },
        },
      );
    const now = core.settings.clock();
    const memories: MemoryRecord[] = [];
    const dropVersions: [string, number][] = [];
    const events: NewEvent[] = [];
    result = { changeSet: id!, restored: [], removed: [] };
    for (const m of ids) {
      const current = core.state.records.get(m);
      if (!current) continue;
      const before = replay(log.filter((e) => e.memoryId === m && e.seq < first)).state;
      const prior = before.memories.find((r) => r.id === m);
      const drop = core.state
        .versionsOf(m)
        .filter((v) => v.version !== current.version && (!prior || v.version >= prior.version))
        .map((v) => v.version);
      const record = prior ?? applyPatch(current, { state: 'deleted', updatedAt: now });
      memories.push(record);
      for (const v of drop) dropVersions.push([m, v]);
      (prior ? result.restored : result.removed).push(m);
      events.push({
        type: 'memory.rolledBack',
        memoryId: m,
        at: now,
        actor: 'rollback',
        payload: { memory: record, rolledBack: id!, dropVersions: drop },
      });
    }
    if (!events.length) return [];
    return core.commit({ memories, dropVersions, events });
  });
  return result;
}
