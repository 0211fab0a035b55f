// Verifiable erasure (GDPR Art. 17): the text, metadata and vectors of a
// memory leave every object store — current and past versions, vector rows
// (zeroed in sealed blocks), links, and the payload of every event about it,
// which becomes a tombstone. Each event keeps its payloadHash, so the hash
// chain still verifies; the receipt says what was erased and how the log ends.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { checkId, checkOptionNames, checkScope, inScope } from '../engine/validate';
import { SCOPE_OPTIONS } from '../engine/option-names';
import { verifyChain, type LogVerification } from '../store/event-log';
import { isTombstone } from '../store/records';
import type { Scope } from '../types';

/** What `erase` returns: proof of what was removed, checkable against the log. */
export interface ErasureReceipt {
  /** Memories erased. */
  ids: string[];
  /** When (ms since epoch). */
  erasedAt: number;
  /** Seq of the `memory.erased` event of each erased memory (same order as `ids`). */
  erasureSeqs: number[];
  /** Events whose payload is now a tombstone: seq and the payload hash they keep. */
  tombstoned: { seq: number; memoryId: string; payloadHash: string }[];
  /** Vector rows zeroed or deleted. */
  vectorSlots: number[];
  /** The log after erasure: its last event, and the check of the whole chain. */
  logHead: { seq: number; hash: string };
  verification: LogVerification;
}

/**
 * Erases one memory (any state) or every memory of a scope.
 * @param target - a memory id, or a scope naming at least one of userId, agentId, runId
 * @throws `NotFound` for an unknown id; `InvalidArgument` for an empty scope
 */
export async function erase(core: EngineCore, target: string | Scope): Promise<ErasureReceipt> {
  let pick: (id: string) => boolean;
  if (typeof target === 'string') {
    const id = checkId(target);
    pick = (x) => x === id;
  } else {
    checkOptionNames(target, SCOPE_OPTIONS, 'erase');
    const scope = checkScope(target);
    if (Object.keys(scope).length === 0)
      throw new EngramError(
        'InvalidArgument',
        'erase needs an id or a scope with userId, agentId or runId',
      );
    pick = (x) => {
      const r = core.state.records.get(x);
      return r !== undefined && inScope(r, scope);
    };
  }
  await core.ready();
  let receipt: Omit<ErasureReceipt, 'logHead' | 'verification'> | undefined;
  await core.write(async () => {
    const ids = [...core.state.records.keys()].filter(pick);
    if (typeof target === 'string' && ids.length === 0)
      throw new EngramError('NotFound', `No memory with id ${target}`, { details: { id: target } });
    const now = core.settings.clock();
    const slots = ids.flatMap((id) => core.state.versionsOf(id).map((v) => v.slot));
    const tombstoned: ErasureReceipt['tombstoned'] = [];
    for (const id of ids)
      for (const e of await core.store.eventsFor(id))
        if (!isTombstone(e.payload))
          tombstoned.push({ seq: e.seq, memoryId: id, payloadHash: e.payloadHash });
    if (ids.length === 0) {
      receipt = { ids, erasedAt: now, erasureSeqs: [], tombstoned, vectorSlots: [] };
      return [];
    }
    const events = await core.commit({
      events: ids.map((id) => ({
        type: 'memory.erased',
        memoryId: id,
        at: now,
        actor: 'api',
        payload: { slots: core.state.versionsOf(id).map((v) => v.slot) },
      })),
      erase: { ids, slots, tombstoneSeqs: tombstoned.map((t) => t.seq), erasedAt: now },
    });
    // The in-memory index keeps masked rows: overwrite them with zeros too.
    const zero = new Float32Array(core.embedder.dim);
    for (const s of slots) if (s < core.state.index.size) await core.state.index.write(s, zero);
    receipt = {
      ids,
      erasedAt: now,
      erasureSeqs: events.map((e) => e.seq),
      tombstoned,
      vectorSlots: slots.sort((a, b) => a - b),
    };
    return events;
  });
  const meta = await core.store.refreshMeta();
  const verification = verifyChain(await core.store.eventsSince(0, true));
  return {
    ...receipt!,
    logHead: { seq: meta.lastSeq, hash: meta.lastHash },
    verification: await verification,
  };
}
