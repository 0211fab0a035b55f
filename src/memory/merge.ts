// Merging near-duplicates (the "merge" of EMS evict-then-merge): clusters of
// active memories in one scope whose vectors lie within a cosine threshold of
// a representative keep only the representative; the others are archived by
// `memory.merged` events that name it, leave the index (freeing budget) and
// come back, byte for byte, with `unmerge`.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import {
  checkBoolean,
  checkId,
  checkNumber,
  checkOptionNames,
  checkScope,
  inScope,
} from '../engine/validate';
import { MERGE_OPTIONS } from '../engine/option-names';
import type { NewEvent } from '../store/event-log';
import {
  isTombstone,
  type EventRecord,
  type MemoryPatch,
  type MemoryRecord,
} from '../store/records';
import type { Scope } from '../types';
import { retention } from './forgetting';
import { importance } from './memory-value';
import { currentTrust } from '../govern/pending';
import { applyPatch } from './record-ops';

/** Default least cosine similarity of a duplicate to its representative. */
export const DEFAULT_MERGE_THRESHOLD = 0.97;

/** Neighbours asked of the index per memory at first (doubled while all of them match). */
const FIRST_K = 16;
/** Queries per index search. */
const BATCH = 64;

/** Options of `merge`. */
export interface MergeOptions extends Scope {
  /**
   * Least cosine similarity between a duplicate and its representative,
   * 0 < threshold ≤ 1 (default `DEFAULT_MERGE_THRESHOLD`, 0.97).
   */
  threshold?: number;
  /** Find the clusters but write nothing (default false). */
  dryRun?: boolean;
}

/** One cluster of near-duplicates. */
export interface MergeCluster {
  /** The memory kept: the most valuable (retention × importance), ties → the oldest. */
  representative: string;
  /** The memories archived into it, most similar first. */
  merged: string[];
}

/** What `merge` did (or, with `dryRun`, would do). */
export interface MergeResult {
  /** Clusters of two or more memories, most valuable representative first. */
  clusters: MergeCluster[];
  /** Memories archived (the sum of every cluster's `merged`). */
  merged: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Checks merge options; returns the threshold, scope and dry-run flag. */
export function checkMergeOptions(options: MergeOptions | undefined): {
  threshold: number;
  scope: Scope;
  dryRun: boolean;
} {
  if (options === null || (options !== undefined && typeof options !== 'object'))
    throw new EngramError('InvalidArgument', 'merge options must be an object');
  const threshold = checkNumber(
    options?.threshold,
    'threshold',
    DEFAULT_MERGE_THRESHOLD,
    Number.MIN_VALUE,
    1,
  );
  return {
    threshold,
    scope: checkScope(options),
    dryRun: checkBoolean(options?.dryRun, 'dryRun', false),
  };
}

/**
 * Greedy leader clustering of one scope's active memories: in order of source trust, then
 * value (highest first, ties → oldest), each memory not yet taken becomes a
 * representative and takes every untaken memory at or above the threshold of
 * it. Candidates come from the engine's vector index (k nearest, k doubled
 * while all k match); the threshold is checked on the stored vectors exactly.
 */
async function clusterGroup(
  core: EngineCore,
  members: MemoryRecord[],
  threshold: number,
  now: number,
): Promise<MergeCluster[]> {
  const { index } = core.state;
  const value = new Map(members.map((r) => [r.id, retention(r, now) * importance(r)]));
  // More trusted sources lead first: a memory is never archived into a less trusted one.
  const trust = currentTrust(core);
  members.sort(
    (a, b) =>
      trust(b.source) - trust(a.source) ||
      value.get(b.id)! - value.get(a.id)! ||
      a.createdAt - b.createdAt ||
      a.slot - b.slot,
  );
  const vectors = await core.store.readVectors(members.map((r) => r.slot));
  const bySlot = new Map(members.map((r) => [r.slot, r]));
  const free = new Uint8Array(index.size);
  for (const r of members) free[r.slot] = 1;
  const out: MergeCluster[] = [];
  const dim = index.dim;
  for (let start = 0; start < members.length; start += BATCH) {
    const batch = members.slice(start, start + BATCH).filter((r) => free[r.slot]);
    if (!batch.length) continue;
    let k = Math.min(FIRST_K, members.length);
    let pending = batch;
    const found = new Map<string, { rec: MemoryRecord; score: number }[]>();
    while (pending.length) {
      const q = new Float32Array(pending.length * dim);
      pending.forEach((r, i) => q.set(vectors.get(r.slot)!, i * dim));
      const hits = await index.search(q, k, free);
      const again: MemoryRecord[] = [];
      pending.forEach((r, i) => {
        const v = vectors.get(r.slot)!;
        const near: { rec: MemoryRecord; score: number }[] = [];
        for (const slot of hits[i]!.slots) {
          const other = bySlot.get(slot);
          if (!other || other === r) continue;
          const score = dot(v, vectors.get(slot)!);
          if (score >= threshold) near.push({ rec: other, score });
        }
        if (hits[i]!.slots.length === k && near.length >= k - 1 && k < members.length)
          again.push(r);
        else found.set(r.id, near);
      });
      pending = again;
      k = Math.min(k * 2, members.length);
    }
    // In value order: a leader still free takes its free neighbours.
    for (const r of batch) {
      if (!free[r.slot]) continue;
      free[r.slot] = 0;
      const taken = found
        .get(r.id)!
        .filter((n) => free[n.rec.slot])
        .sort((a, b) => b.score - a.score || a.rec.slot - b.rec.slot);
      for (const n of taken) free[n.rec.slot] = 0;
      if (taken.length) out.push({ representative: r.id, merged: taken.map((n) => n.rec.id) });
    }
  }
  return out;
}

/**
 * Finds clusters of near-duplicate active memories (same userId, agentId and
 * runId; cosine ≥ threshold to the representative) and archives all but the
 * representative of each, in one transaction: one `memory.merged` event per
 * archived memory (`mergedInto`: the representative, and a patch to state
 * `'archived'`) and one on the representative (`mergedFrom`).
 * @param core - the engine
 * @param options - threshold, scope to look in, dry run
 * @throws EngramError `InvalidArgument` for a bad threshold or scope
 */
export async function merge(core: EngineCore, options?: MergeOptions): Promise<MergeResult> {
  checkOptionNames(options, MERGE_OPTIONS, 'merge');
  const { threshold, scope, dryRun } = checkMergeOptions(options);
  await core.ready();
  let result: MergeResult = { clusters: [], merged: 0 };
  const find = async (now: number) => {
    const groups = new Map<string, MemoryRecord[]>();
    for (const r of core.state.records.values()) {
      if (r.state !== 'active' || !inScope(r, scope)) continue;
      const key = JSON.stringify([r.userId, r.agentId, r.runId]);
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    const clusters: MergeCluster[] = [];
    for (const members of groups.values())
      if (members.length > 1) clusters.push(...(await clusterGroup(core, members, threshold, now)));
    return { clusters, merged: clusters.reduce((n, c) => n + c.merged.length, 0) };
  };
  if (dryRun) return find(core.settings.clock());
  await core.write(async () => {
    const now = core.settings.clock();
    result = await find(now);
    if (!result.merged) return [];
    const patch: MemoryPatch = { state: 'archived' };
    const memories: MemoryRecord[] = [];
    const events: NewEvent[] = [];
    for (const c of result.clusters) {
      events.push({
        type: 'memory.merged',
        memoryId: c.representative,
        at: now,
        actor: 'merge',
        payload: { mergedFrom: c.merged },
      });
      for (const id of c.merged) {
        memories.push(applyPatch(core.state.records.get(id)!, patch));
        events.push({
          type: 'memory.merged',
          memoryId: id,
          at: now,
          actor: 'merge',
          payload: { patch, mergedInto: c.representative },
        });
      }
    }
    return core.commit({ memories, events });
  });
  return result;
}

/** The representative a memory is merged into now, from its events (undefined if none). */
function mergedIntoOf(events: readonly EventRecord[]): string | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const p = events[i]!.payload;
    if (isTombstone(p) || !p.patch?.state) continue;
    return events[i]!.type === 'memory.merged' ? p.mergedInto : undefined;
  }
  return undefined;
}

/**
 * Reverses merges exactly: a merged memory given by id, or every memory still
 * merged into a representative given by id, is active again with the record
 * it had before the merge (one `memory.restored` event each, actor `'unmerge'`).
 * @param core - the engine
 * @param id - a merged memory, or a representative
 * @returns the memories brought back
 * @throws EngramError `NotFound` when nothing is merged into or as `id`
 */
export async function unmerge(core: EngineCore, id: string): Promise<MemoryRecord[]> {
  checkId(id);
  await core.ready();
  const out: MemoryRecord[] = [];
  await core.write(async () => {
    const own = await core.store.eventsFor(id);
    const candidates = new Set<string>();
    const rec = core.state.records.get(id);
    if (rec?.state === 'archived' && mergedIntoOf(own) !== undefined) candidates.add(id);
    else
      for (const e of own)
        if (e.type === 'memory.merged' && !isTombstone(e.payload))
          for (const m of e.payload.mergedFrom ?? []) candidates.add(m);
    const patch: MemoryPatch = { state: 'active' };
    const events: NewEvent[] = [];
    const now = core.settings.clock();
    for (const m of candidates) {
      const r = core.state.records.get(m);
      if (r?.state !== 'archived') continue;
      const into = m === id ? mergedIntoOf(own) : mergedIntoOf(await core.store.eventsFor(m));
      if (into === undefined || (m !== id && into !== id)) continue;
      out.push(applyPatch(r, patch));
      events.push({
        type: 'memory.restored',
        memoryId: m,
        at: now,
        actor: 'unmerge',
        payload: { patch, mergedInto: into },
      });
    }
    if (!events.length)
      throw new EngramError('NotFound', `No memory merged into or as ${id}`, { details: { id } });
    return core.commit({ memories: out, events });
  });
  return out;
}
