// Schema step 1 → 2, run inside the upgrade transaction. Version 1 stored each
// event with the whole record before and after, hashed over that content (so
// erasing it would break the chain) and without the vector (so the log alone
// could not rebuild the store). Version 2 events carry a payload (with the
// vector) and chain over the payload's hash. The old chain is checked first and
// the verdict kept in meta.migratedFrom; the new chain starts from scratch.
import { canonicalJson } from './event-log';
import type { EventPayload, EventRecord, EventType, MemoryRecord, MetaRecord } from './records';
import type { UpgradeTx } from './schema';
import { sha256HexSync } from './sha256';
import { assembleVectors } from './vector-blocks';

/** A version-1 memory record. */
interface V1Memory {
  id: string;
  text: string;
  metadata: MemoryRecord['metadata'];
  userId?: string;
  agentId?: string;
  runId?: string;
  createdAt: number;
  updatedAt: number;
  version: number;
  state: 'active' | 'deleted';
  slot: number;
}

/** A version-1 event. */
interface V1Event {
  seq: number;
  type: 'memory.added' | 'memory.updated' | 'memory.deleted';
  memoryId: string;
  at: number;
  actor: string;
  after?: V1Memory;
  before?: V1Memory;
  prevHash: string;
  hash: string;
}

/** Strength given to migrated memories (the engine's default for new ones). */
const MIGRATED_STRENGTH = 1;

/** Upgrades memories, versions, events and meta of a version-1 store in `tx`. */
export async function migrateV1toV2(tx: UpgradeTx): Promise<void> {
  const meta = (await tx.objectStore('meta').get('meta')) as MetaRecord | undefined;
  if (!meta) return; // a store created in this same upgrade
  const memories = (await tx.objectStore('memories').getAll()) as unknown as V1Memory[];
  const versions = (await tx.objectStore('versions').getAll()) as unknown as V1Memory[];
  const events = (await tx.objectStore('events').getAll()) as unknown as V1Event[];
  const { vectors } = assembleVectors(
    meta,
    await tx.objectStore('vectorBlocks').getAllKeys(),
    await tx.objectStore('vectorBlocks').getAll(),
    await tx.objectStore('vectorTail').getAllKeys(),
    await tx.objectStore('vectorTail').getAll(),
  );
  const row = (slot: number): ArrayBuffer =>
    vectors.slice(slot * meta.dim, (slot + 1) * meta.dim).buffer as ArrayBuffer;

  // When each version began: its add/update event's time (a v1 delete moved updatedAt).
  const began = new Map<string, number>();
  for (const e of events)
    if (e.after && e.type !== 'memory.deleted')
      began.set(`${e.memoryId}#${e.after.version}`, e.after.updatedAt);
  const start = (r: V1Memory) => began.get(`${r.id}#${r.version}`) ?? r.updatedAt;
  const convert = (r: V1Memory, endedAt?: number): MemoryRecord => {
    const out = { id: r.id, text: r.text, metadata: r.metadata } as MemoryRecord;
    if (r.userId !== undefined) out.userId = r.userId;
    if (r.agentId !== undefined) out.agentId = r.agentId;
    if (r.runId !== undefined) out.runId = r.runId;
    Object.assign(out, {
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      version: r.version,
      state: r.state,
      slot: r.slot,
      validFrom: start(r),
    });
    if (endedAt !== undefined) out.validTo = endedAt;
    out.recordedAt = start(r);
    if (endedAt !== undefined) out.supersededAt = endedAt;
    out.strength = MIGRATED_STRENGTH;
    out.lastRecalledAt = start(r);
    return out;
  };

  // Check the old chain with the old rule before replacing it.
  let prev = '';
  let oldLogVerified = true;
  for (const [i, e] of events.entries()) {
    const { hash, ...rest } = e;
    if (e.seq !== i + 1 || e.prevHash !== prev || sha256HexSync(canonicalJson(rest)) !== hash)
      oldLogVerified = false;
    prev = hash;
  }

  const next: EventRecord[] = [];
  let prevHash = '';
  for (const e of events) {
    let payload: EventPayload;
    if (e.type === 'memory.deleted')
      payload = { patch: { state: 'deleted', updatedAt: e.after?.updatedAt ?? e.at } };
    else if (e.type === 'memory.updated' && e.before && e.after)
      payload = {
        previous: convert(e.before, start(e.after)),
        memory: convert(e.after),
        vector: row(e.after.slot),
      };
    else if (e.after) payload = { memory: convert(e.after), vector: row(e.after.slot) };
    else payload = {};
    const payloadHash = sha256HexSync(canonicalJson(payload));
    const head = {
      seq: e.seq,
      type: e.type as EventType,
      memoryId: e.memoryId,
      at: e.at,
      actor: e.actor,
      payloadHash,
      prevHash,
    };
    const hash = sha256HexSync(canonicalJson(head));
    next.push({ ...head, payload, hash });
    prevHash = hash;
  }

  const nextOf = new Map<string, number>();
  for (const v of [...versions, ...memories]) nextOf.set(`${v.id}#${v.version}`, start(v));
  const writes: Promise<unknown>[] = [];
  for (const m of memories) writes.push(tx.objectStore('memories').put(convert(m)));
  for (const v of versions)
    writes.push(
      tx
        .objectStore('versions')
        .put(convert(v, nextOf.get(`${v.id}#${v.version + 1}`) ?? v.updatedAt)),
    );
  writes.push(tx.objectStore('events').clear());
  await Promise.all(writes);
  await Promise.all(next.map((e) => tx.objectStore('events').put(e)));
  const last = next[next.length - 1];
  await tx.objectStore('meta').put({
    ...meta,
    schemaVersion: 2,
    lastSeq: last?.seq ?? 0,
    lastHash: last?.hash ?? '',
    migratedFrom: { version: 1, at: Date.now(), events: events.length, oldLogVerified },
  });
}
