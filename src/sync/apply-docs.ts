// Events from other devices into this store: each document is checked against
// its hashes, logged once (an event already in the log is skipped, so a
// document seen twice changes nothing) with its `origin`, and the derived
// stores are rebuilt by replaying the log in merge order — the same state on
// every replica holding the same events. An event about a memory erased here
// arrives erased; a `memory.erased` event from elsewhere erases here too.
import type { EngineCore } from '../engine/core';
import { canonicalJson, originMatches, sha256Hex, type NewEvent } from '../store/event-log';
import { isTombstone, type EventRecord, type Tombstone } from '../store/records';
import { replay } from '../memory/replay';
import { eventName } from './merge-order';
import { payloadFromJson, type SyncDoc } from './sync-doc';

/** A document's event as it would be logged here (seq and prevHash as in its device's log). */
function candidate(d: SyncDoc): EventRecord {
  return {
    seq: d.seq,
    type: d.type,
    memoryId: d.memoryId,
    at: d.at,
    actor: d.actor,
    payload: d.erased
      ? { tombstone: { erasedAt: d.at, erasureSeq: 0 } }
      : payloadFromJson(d.payload),
    payloadHash: d.payloadHash,
    prevHash: d.prevHash,
    hash: '',
    origin: { device: d.device, seq: d.seq, prevHash: d.prevHash, hash: d._id },
  };
}

/** True when the document's payload and hash are what its name says. */
async function checks(e: EventRecord): Promise<boolean> {
  if (!(await originMatches(e))) return false;
  return isTombstone(e.payload) || (await sha256Hex(canonicalJson(e.payload))) === e.payloadHash;
}

/**
 * Logs and applies documents from other devices. Call inside `core.write`.
 * @param docs - documents as received (any order; duplicates and own ones are skipped)
 * @param device - this device's id
 * @returns the events logged
 */
export async function applySyncDocs(
  core: EngineCore,
  docs: readonly SyncDoc[],
  device: string,
): Promise<EventRecord[]> {
  const log = await core.store.eventsSince(0);
  const known = new Set(log.map(eventName));
  const erasedAt = new Map<string, { at: number; seq: number }>();
  for (const e of log) if (e.type === 'memory.erased') erasedAt.set(e.memoryId, e);
  const fresh: EventRecord[] = [];
  for (const d of docs) {
    if (d.device === device || known.has(d._id)) continue;
    known.add(d._id);
    const e = candidate(d);
    if (await checks(e)) fresh.push(e);
    else core.settings.log(`engram: sync: event ${d._id} does not match its hash: skipped`);
  }
  if (!fresh.length) return [];
  const firstSeq = core.store.meta.lastSeq + 1;
  const newErasures = fresh.filter((e) => e.type === 'memory.erased');
  for (const e of newErasures) erasedAt.set(e.memoryId, { at: e.at, seq: firstSeq });
  const events: NewEvent[] = fresh.map((e) => {
    const gone = e.type !== 'memory.erased' ? erasedAt.get(e.memoryId) : undefined;
    const payload: NewEvent['payload'] = gone
      ? ({ tombstone: { erasedAt: gone.at, erasureSeq: gone.seq } } satisfies Tombstone)
      : e.payload;
    return {
      type: e.type,
      memoryId: e.memoryId,
      at: e.at,
      actor: e.actor,
      payload,
      payloadHash: e.payloadHash,
      origin: e.origin!,
    };
  });
  // Erasures from elsewhere tombstone what this log holds of those memories, in the same write.
  const ids = [...new Set(newErasures.map((e) => e.memoryId))];
  const tombstoneSeqs = log
    .filter((e) => ids.includes(e.memoryId) && !isTombstone(e.payload))
    .map((e) => e.seq);
  const logged = await core.store.commit({
    events,
    ...(ids.length
      ? {
          erase: {
            ids,
            slots: ids.flatMap((id) => core.state.versionsOf(id).map((v) => v.slot)),
            tombstoneSeqs,
            erasedAt: newErasures[0]!.at,
          },
        }
      : {}),
  });
  const { state, nextSlot } = replay(await core.store.eventsSince(0));
  await core.store.replaceDerived(state, Math.max(nextSlot, core.store.meta.nextSlot));
  await core.reload();
  return logged;
}
