// history(id): a memory's changes, derived from its events in the log.
import { isTombstone, type EventRecord, type EventType } from '../store/records';
import type { HistoryEntry, HistoryEvent } from '../types';

const SHOWN: Partial<Record<EventType, HistoryEvent>> = {
  'memory.added': 'ADD',
  'memory.imported': 'ADD',
  'memory.updated': 'UPDATE',
  'memory.invalidated': 'DELETE',
  'memory.deleted': 'DELETE',
  'memory.archived': 'ARCHIVE',
  'memory.restored': 'RESTORE',
  'memory.erased': 'ERASE',
  'memory.merged': 'MERGE',
  'memory.rolledBack': 'ROLLBACK',
  'memory.pending': 'PENDING',
  'memory.accepted': 'ACCEPT',
  'memory.rejected': 'REJECT',
  'memory.feedback': 'FEEDBACK',
};

/**
 * History entries of one memory from its events (oldest first). Recalls,
 * reinforcements and links are left out: they change no content.
 * @param id - the memory
 * @param events - its events, oldest first
 */
export function historyFromEvents(id: string, events: readonly EventRecord[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  let text: string | null = null;
  let version = 0;
  for (const e of events) {
    const event = SHOWN[e.type];
    if (!event) continue;
    const entry: HistoryEntry = {
      memoryId: id,
      event,
      previousMemory: text,
      newMemory: text,
      version,
      createdAt: e.at,
      seq: e.seq,
      type: e.type,
      actor: e.actor,
    };
    if (isTombstone(e.payload)) {
      entry.erased = true;
      entry.previousMemory = null;
      entry.newMemory = null;
      text = null;
      if (event === 'ADD') version = 1;
      else if (event === 'UPDATE') version++;
      entry.version = version;
    } else {
      const p = e.payload;
      if (p.memory) {
        entry.newMemory = text = p.memory.text;
        version = entry.version = p.memory.version;
      }
      if (p.previous) entry.previousMemory = p.previous.text;
      if (p.mergedInto !== undefined) entry.mergedInto = p.mergedInto;
      if (p.mergedFrom) entry.mergedFrom = [...p.mergedFrom];
      if (p.source !== undefined) entry.source = p.source;
      if (p.changeSet !== undefined) entry.changeSet = p.changeSet;
      if (p.rolledBack !== undefined) entry.rolledBack = p.rolledBack;
      if (event === 'ADD') entry.previousMemory = null;
      if (p.feedback !== undefined) entry.feedback = p.feedback;
      if (event === 'DELETE' || event === 'ERASE') entry.newMemory = null;
      // A rollback of the change set that added the memory leaves it deleted.
      if (event === 'ROLLBACK' && p.memory?.state !== 'active') entry.newMemory = text = null;
    }
    out.push(entry);
  }
  return out;
}
