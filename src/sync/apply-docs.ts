// Events from other devices into this store: each document is checked against
// its hashes, logged once (an event already in the log is skipped, so a
// document seen twice changes nothing) with its `origin`, and the derived
// stores brought to what replaying the log in merge order gives — the same
// state on every replica holding the same events. An event about a memory
// erased here arrives erased; a `memory.erased` event from elsewhere erases here too.
//
// Cost: the first batch of a session reads the log once and replays it all (a
// `Replayer` kept for the next ones). A batch whose events all go after every
// event applied so far in merge order (the usual case: events arriving in
// order) is applied from there on: it costs what the batch and the memories it
// touches cost, not the log. A batch holding an event that goes earlier (a
// device that was offline, a clock behind) is merged by replaying everything.
import type { EngineCore } from '../engine/core';
import { canonicalJson, originMatches, sha256Hex, type NewEvent } from '../store/event-log';
import { isTombstone, type EventRecord, type Tombstone } from '../store/records';
import type { ChangeSet } from '../store/memory-store';
import { Replayer } from '../memory/replay';
import { eventName, mergeOrder } from './merge-order';
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

/** What this engine knows of its log between batches (valid up to `seq`). */
interface Known {
  seq: number;
  hash: string;
  /** `meta.derivedEpoch` when the derived stores last matched `fold`. */
  epoch: number;
  /** Names of the events logged. */
  names: Set<string>;
  /** Erased memories: when, and the seq of their erasure here. */
  erased: Map<string, { at: number; seq: number }>;
  /** The merge-order replay of the log up to `seq`; the derived stores hold what it holds. */
  fold: Replayer | undefined;
  /** The last event of the fold in merge order, and the last seq of each device in it. */
  lastAt: number;
  lastName: string;
  lastOf: Map<string, number>;
}
const knownOf = new WeakMap<EngineCore, Known>();

const deviceOf = (e: EventRecord) => e.origin?.device ?? '';
const originSeq = (e: EventRecord) => e.origin?.seq ?? e.seq;

/** Takes logged events into `k` (names, erasures, position). */
function note(k: Known, events: readonly EventRecord[]): void {
  for (const e of events) {
    k.names.add(eventName(e));
    if (e.type === 'memory.erased') k.erased.set(e.memoryId, { at: e.at, seq: e.seq });
  }
  const last = events[events.length - 1];
  if (last) [k.seq, k.hash] = [last.seq, last.hash];
}

/** Folds events (in merge order) into `k.fold` and moves its last position. */
function fold(k: Known, ordered: readonly EventRecord[]): void {
  for (const e of ordered) {
    k.fold!.apply(e);
    [k.lastAt, k.lastName] = [e.at, eventName(e)];
    k.lastOf.set(deviceOf(e), originSeq(e));
  }
}

/** True when every event goes after all that `k.fold` holds (so the fold can go on). */
function inOrder(k: Known, events: readonly EventRecord[]): boolean {
  return events.every(
    (e) =>
      originSeq(e) > (k.lastOf.get(deviceOf(e)) ?? 0) &&
      (e.at > k.lastAt || (e.at === k.lastAt && eventName(e) > k.lastName)),
  );
}

/** What this engine knows, read afresh from the log when the store moved under it. */
async function known(core: EngineCore): Promise<{ k: Known; since: EventRecord[] }> {
  const meta = core.store.meta;
  const epoch = meta.derivedEpoch ?? 0;
  const k = knownOf.get(core);
  if (k && k.seq <= meta.lastSeq && k.epoch === epoch) {
    const since = await core.store.eventsSince(k.seq);
    if (!since[0] || since[0].prevHash === k.hash) return { k, since };
  }
  const log = await core.store.eventsSince(0);
  const fresh: Known = {
    seq: 0,
    hash: '',
    epoch,
    names: new Set(),
    erased: new Map(),
    fold: undefined,
    lastAt: -Infinity,
    lastName: '',
    lastOf: new Map(),
  };
  knownOf.set(core, fresh);
  return { k: fresh, since: log };
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
  const { k, since } = await known(core);
  // Events logged since the last batch (own writes, or all of the log the first time).
  const before = k.names.size === 0 ? since : [];
  note(k, since);
  const fresh: EventRecord[] = [];
  const seen = new Set<string>();
  for (const d of docs) {
    if (d.device === device || k.names.has(d._id) || seen.has(d._id)) continue;
    seen.add(d._id);
    const e = candidate(d);
    if (await checks(e)) fresh.push(e);
    else core.settings.log(`engram: sync: event ${d._id} does not match its hash: skipped`);
  }
  const incremental = k.fold !== undefined && inOrder(k, [...since, ...fresh]);
  if (!fresh.length) {
    // Nothing to log: the fold takes in what was written here meanwhile, or is dropped.
    if (incremental) fold(k, mergeOrder(since));
    else k.fold = undefined;
    return [];
  }

  // Each erasure among them gets the seq it is logged with; their memories' events, here and
  // in the batch, become tombstones naming it.
  const firstSeq = core.store.meta.lastSeq + 1;
  const erasedNow = new Map<string, { at: number; seq: number }>();
  fresh.forEach((e, i) => {
    if (e.type === 'memory.erased' && !k.erased.has(e.memoryId))
      erasedNow.set(e.memoryId, { at: e.at, seq: firstSeq + i });
  });
  const events: NewEvent[] = fresh.map((e) => {
    const gone = e.type !== 'memory.erased' ? tombstoneOf(k, erasedNow, e.memoryId) : undefined;
    return {
      type: e.type,
      memoryId: e.memoryId,
      at: e.at,
      actor: e.actor,
      payload: gone ?? e.payload,
      payloadHash: e.payloadHash,
      origin: e.origin!,
    };
  });
  // Erasures from elsewhere tombstone what this log holds of those memories, in the same write.
  const ids = [...erasedNow.keys()];
  const tombstoneSeqs = (await Promise.all(ids.map((id) => core.store.eventsFor(id))))
    .flat()
    .filter((e) => !isTombstone(e.payload))
    .map((e) => e.seq);
  const erase: ChangeSet['erase'] = ids.length
    ? {
        ids,
        slots: ids.flatMap((id) => core.state.versionsOf(id).map((v) => v.slot)),
        tombstoneSeqs,
        erasedAt: erasedNow.get(ids[0]!)!.at,
        each: new Map([...erasedNow].map(([id, g]) => [id, { erasedAt: g.at, erasureSeq: g.seq }])),
      }
    : undefined;

  if (incremental) {
    // The batch goes after everything applied: go on from the fold, write what it changed.
    const f = k.fold!;
    f.floor = core.store.meta.nextSlot;
    f.changes();
    const batch = fresh.map((e, i) => ({ ...e, payload: events[i]!.payload }) as EventRecord);
    fold(k, mergeOrder([...since, ...batch]));
    const ch = f.changes();
    // Slots the fold gave without a vector stay taken (the next write here starts after them).
    const gap = f.nextSlot - core.store.meta.nextSlot;
    if (gap > 0) core.store.reserveSlots(gap);
    const touched = [...ch.ids].filter((id) => f.memories.has(id));
    const logged = await core.commit({
      events,
      memories: touched.map((id) => f.memories.get(id)!),
      versions: touched.flatMap((id) => [...(f.versions.get(id)?.values() ?? [])]),
      dropVersions: ch.droppedVersions.filter(([id]) => f.memories.has(id)),
      vectors: [...ch.vectors].map(([slot, vector]) => ({ slot, vector })),
      links: ch.links,
      ...(erase ? { erase } : {}),
    });
    note(k, logged);
    return logged;
  }

  // An event that goes earlier than some already applied (or the first batch): replay all.
  const logged = await core.store.commit({ events, ...(erase ? { erase } : {}) });
  const tomb = new Set(tombstoneSeqs);
  const log = [...(before.length ? before : await core.store.eventsSince(0))].map((e) =>
    tomb.has(e.seq) ? { ...e, payload: tombstoneOf(k, erasedNow, e.memoryId)! } : e,
  );
  const all = [...log.filter((e) => e.seq < firstSeq), ...logged];
  const f = new Replayer(all.some((e) => e.origin));
  k.fold = f;
  [k.lastAt, k.lastName] = [-Infinity, ''];
  k.lastOf.clear();
  fold(k, f.merged ? mergeOrder(all) : all);
  f.changes();
  await core.store.replaceDerived(f.derived(), Math.max(f.nextSlot, core.store.meta.nextSlot), {
    newEpoch: true,
  });
  k.epoch = core.store.meta.derivedEpoch ?? 0;
  note(k, logged);
  await core.reload();
  return logged;
}

/** The tombstone an event of `memoryId` holds if that memory is erased here or in this batch. */
function tombstoneOf(
  k: Known,
  now: Map<string, { at: number; seq: number }>,
  memoryId: string,
): Tombstone | undefined {
  const g = k.erased.get(memoryId) ?? now.get(memoryId);
  return g && { tombstone: { erasedAt: g.at, erasureSeq: g.seq } };
}
