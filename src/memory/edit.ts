// Mem0's update and delete: a new version of a memory, or a soft delete.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import type { UpdateOptions } from '../engine/options';
import {
  checkId,
  checkMetadata,
  checkOptionNames,
  checkScope,
  checkText,
  checkTime,
  inScope,
} from '../engine/validate';
import { DELETE_OPTIONS, SCOPE_OPTIONS, UPDATE_OPTIONS } from '../engine/option-names';
import { admitContext, admitOne } from '../govern/admission';
import { checkWriteTag, tagFields, type WriteTag, type WriteTagOptions } from '../govern/write-tag';
import type { MemoryRecord } from '../store/records';
import type { NewEvent } from '../store/event-log';
import { changeEvidence, currentTrust, holdChange, isHeld } from '../govern/pending';
import type { Memory, Scope } from '../types';
import { applyPatch, nextVersion, toMemory, vectorBytes } from './record-ops';

/** The current, active record of `id`. @throws `NotFound` */
export function activeRecord(core: EngineCore, id: string): MemoryRecord {
  checkId(id);
  const rec = core.state.records.get(id);
  if (!rec || rec.state !== 'active') {
    throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
  }
  return rec;
}

/**
 * Replaces a memory's text: a new version; the old one is invalidated
 * (validTo, supersededAt), kept in history and reachable by `asOf`.
 * @throws `NotFound`, `EmptyText`, `TextTooLarge`, `InvalidArgument`
 */
export async function update(
  core: EngineCore,
  id: string,
  text: string,
  options: UpdateOptions = {},
): Promise<Memory> {
  checkOptionNames(options, UPDATE_OPTIONS, 'update');
  const t = checkText(text, core.settings.maxTextLength);
  const o = options ?? {};
  const metadata = o.metadata === undefined ? undefined : checkMetadata(o.metadata);
  const eventTime = o.eventTime === undefined ? undefined : checkTime(o.eventTime, 'eventTime');
  const tag = checkWriteTag(o);
  // Whether `id` exists is decided under the write lock, after catching up: it may have
  // been written by another tab whose announcement has not arrived yet.
  checkId(id);
  const ctx = { ...admitContext('update', { scope: {}, metadata: metadata ?? {}, tag }), id };
  const a = await admitOne(core.settings.admit, t, ctx, core.settings.maxTextLength);
  if ('rejected' in a)
    throw new EngramError('Rejected', `the admit hook rejected the text: ${a.rejected}`, {
      details: { reason: a.rejected, id },
    });
  const text2 = a.text;
  const [vector] = await core.embed([text2]);
  let updated: MemoryRecord | undefined;
  await core.write(async () => {
    const prev = activeRecord(core, id);
    const now = core.settings.clock();
    const slot = core.store.reserveSlots(1);
    const trust = currentTrust(core);
    if (isHeld(trust, tag.source, prev)) {
      // A lower-trust source: the new text waits for accept() or reject().
      const held = holdChange(
        prev,
        {
          op: 'UPDATE',
          text: text2,
          vector: vector!,
          metadata: metadata ?? {},
          scope: scopeOf(prev),
          tag,
          validFrom: eventTime ?? now,
        },
        slot,
        core.settings.initialStrength,
        now,
        'api',
      );
      updated = held.rec;
      return core.commit({
        memories: [held.rec],
        vectors: [{ slot, vector: vector! }],
        events: [held.event],
      });
    }
    const next = nextVersion(
      prev,
      { text: text2, metadata: metadata ?? prev.metadata, slot, validFrom: eventTime ?? now },
      now,
    );
    updated = next.memory;
    return core.commit({
      memories: [next.memory],
      versions: [next.previous],
      vectors: [{ slot, vector: vector! }],
      events: [
        {
          type: 'memory.updated',
          memoryId: id,
          at: now,
          actor: 'api',
          payload: {
            ...next,
            vector: vectorBytes(vector!),
            ...tagFields(tag),
            ...changeEvidence(trust, tag.source, prev),
          },
        },
      ],
    });
  });
  return toMemory(updated!);
}

/** The scope fields of a record. */
function scopeOf(r: MemoryRecord): Scope {
  const s: Scope = {};
  if (r.userId !== undefined) s.userId = r.userId;
  if (r.agentId !== undefined) s.agentId = r.agentId;
  if (r.runId !== undefined) s.runId = r.runId;
  return s;
}

/**
 * Soft-deletes one memory; from a lower-trust source than the memory's, the delete is held
 * as a pending memory instead. @throws `NotFound`
 */
export async function deleteOne(
  core: EngineCore,
  id: string,
  options?: WriteTagOptions,
): Promise<{ held: boolean }> {
  checkOptionNames(options, DELETE_OPTIONS, 'delete');
  const tag = checkWriteTag(options);
  checkId(id); // existence is checked under the write lock (see `update`)
  const { held } = await deleteWhere(core, (r) => r.id === id, tag, id);
  return { held: held > 0 };
}

/** Soft-deletes every memory of a scope (at least one scope field). @returns how many */
export async function deleteScope(core: EngineCore, scope: Scope): Promise<number> {
  checkOptionNames(scope, SCOPE_OPTIONS, 'deleteAll');
  const s = checkScope(scope);
  if (Object.keys(s).length === 0) {
    throw new EngramError(
      'InvalidArgument',
      'deleteAll needs userId, agentId or runId; use reset() to delete everything',
    );
  }
  // Pending changes held for the scope's memories go with them.
  const tag = checkWriteTag(undefined);
  return (await deleteWhere(core, (r) => inScope(r, s), tag, undefined, true)).deleted;
}

async function deleteWhere(
  core: EngineCore,
  pred: (r: MemoryRecord) => boolean,
  tag: WriteTag,
  /** The id that must exist (NotFound otherwise). */
  mustExist?: string,
  /** Also delete pending memories (deleteAll). */
  withPending = false,
): Promise<{ deleted: number; held: number }> {
  let n = 0;
  let kept = 0;
  await core.write(async () => {
    const now = core.settings.clock();
    const targets = [...core.state.records.values()].filter(
      (r) => (r.state === 'active' || (withPending && r.state === 'pending')) && pred(r),
    );
    if (targets.length === 0) {
      if (mustExist !== undefined)
        throw new EngramError('NotFound', `No memory with id ${mustExist}`, {
          details: { id: mustExist },
        });
      return [];
    }
    const patch = { state: 'deleted' as const, updatedAt: now };
    n = targets.length;
    const trust = currentTrust(core);
    // A lower-trust source's delete of a higher-trust memory waits for accept() or reject().
    const held = targets.filter((r) => isHeld(trust, tag.source, r));
    kept = held.length;
    let slot = core.store.reserveSlots(held.length);
    const holds = held.map((r) => {
      const vector = new Float32Array(core.embedder.dim);
      const h = holdChange(
        r,
        {
          op: 'DELETE',
          text: r.text,
          vector,
          metadata: {},
          scope: scopeOf(r),
          tag,
          validFrom: now,
        },
        slot++,
        core.settings.initialStrength,
        now,
        'api',
      );
      return { ...h, vector };
    });
    const applied = targets.filter((r) => !isHeld(trust, tag.source, r));
    return core.commit({
      memories: [...applied.map((r) => applyPatch(r, patch)), ...holds.map((h) => h.rec)],
      vectors: holds.map((h) => ({ slot: h.rec.slot, vector: h.vector })),
      events: [
        ...applied.map((r): NewEvent => ({
          type: 'memory.deleted',
          memoryId: r.id,
          at: now,
          actor: 'api',
          payload: { patch, ...tagFields(tag), ...changeEvidence(trust, tag.source, r) },
        })),
        ...holds.map((h) => h.event),
      ],
    });
  });
  return { deleted: n - kept, held: kept };
}
