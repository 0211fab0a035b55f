// Links between memories (A-MEM): made on insert to the nearest neighbours in
// the same scope, stored in both directions, logged as `memory.linked`.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import type { MemoryState } from '../engine/memory-state';
import { checkId, checkLimit, checkOptionNames } from '../engine/validate';
import { RELATED_OPTIONS } from '../engine/option-names';
import type { NewEvent } from '../store/event-log';
import type { LinkRecord } from '../store/records';
import type { Memory, Scope } from '../types';
import { toMemory } from './record-ops';

/**
 * The nearest current, active memories of a new memory's vector in its scope, best first, as
 * found while its `add` was planned; valid while `state` is the engine's state and its
 * `writes` count is unchanged (nothing written since).
 */
export interface PlannedNeighbours {
  state: MemoryState;
  writes: number;
  hits: { to: string; score: number }[];
}

/** A new memory about to be linked. */
export interface LinkSource {
  id: string;
  vector: Float32Array;
  scope: Scope;
  /** Its neighbours found while planning: no second pass over the index when still valid. */
  near?: PlannedNeighbours;
}

/** A memory reached by `related`, with how far and how strongly. */
export interface RelatedMemory extends Memory {
  /** Hops from the start (1 = a direct link). */
  depth: number;
  /** Similarity of the link it was reached by. */
  linkScore: number;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Links for new memories: each to its `maxLinks` nearest current, active
 * memories in its scope (stored ones, and earlier ones of the same batch) at
 * or above `linkThreshold`. Returns link records (both directions) and events.
 */
export async function planLinks(
  core: EngineCore,
  sources: readonly LinkSource[],
  now: number,
): Promise<{ links: LinkRecord[]; events: NewEvent[] }> {
  const { linkThreshold, maxLinks } = core.settings;
  const links: LinkRecord[] = [];
  const events: NewEvent[] = [];
  if (maxLinks === 0 || sources.length === 0) return { links, events };
  const state = core.state;
  const byScope = new Map<string, number[]>();
  sources.forEach((s, i) => {
    const key = JSON.stringify([s.scope.userId, s.scope.agentId, s.scope.runId]);
    byScope.set(key, [...(byScope.get(key) ?? []), i]);
  });
  const found: { to: string; score: number }[][] = sources.map(() => []);
  const planned = (s: LinkSource): boolean =>
    s.near !== undefined && s.near.state === state && s.near.writes === state.writes;
  for (const members of byScope.values()) {
    for (const m of members) if (planned(sources[m]!)) found[m]!.push(...sources[m]!.near!.hits);
    const scan = members.filter((m) => !planned(sources[m]!));
    const scope = sources[members[0]!]!.scope;
    const { allow, any } = scan.length ? state.scopeMask(scope) : { allow: undefined, any: false };
    if (any && state.index.size > 0) {
      const dim = core.embedder.dim;
      const q = new Float32Array(scan.length * dim);
      scan.forEach((m, j) => q.set(sources[m]!.vector, j * dim));
      const hits = await state.index.search(q, maxLinks, allow);
      scan.forEach((m, j) => {
        const h = hits[j];
        h?.slots.forEach((slot, i) => {
          const rec = state.recordAt(slot);
          if (rec) found[m]!.push({ to: rec.id, score: h.scores[i]! });
        });
      });
    }
    members.forEach((m, j) => {
      for (const earlier of members.slice(0, j))
        found[m]!.push({
          to: sources[earlier]!.id,
          score: dot(sources[m]!.vector, sources[earlier]!.vector),
        });
    });
  }
  sources.forEach((s, i) => {
    const best = found[i]!.filter((f) => f.score >= linkThreshold && f.to !== s.id)
      .sort((a, b) => b.score - a.score || (a.to < b.to ? -1 : 1))
      .slice(0, maxLinks);
    if (!best.length) return;
    const pairs = best.map((b) => ({ from: s.id, to: b.to, score: b.score }));
    for (const p of pairs) {
      links.push({ from: p.from, to: p.to, score: p.score, at: now });
      links.push({ from: p.to, to: p.from, score: p.score, at: now });
    }
    events.push({
      type: 'memory.linked',
      memoryId: s.id,
      at: now,
      actor: 'linker',
      payload: { links: pairs },
    });
  });
  return { links, events };
}

/**
 * Memories linked to `id`, breadth-first up to `depth` hops (default 1, at
 * most 5), through active memories only; nearest hops first, then by link score.
 * @throws `NotFound` when `id` is no active memory
 */
export async function related(
  core: EngineCore,
  id: string,
  options: { depth?: number; limit?: number } = {},
): Promise<{ results: RelatedMemory[] }> {
  checkId(id);
  checkOptionNames(options, RELATED_OPTIONS, 'related');
  const depth = checkLimit(options?.depth, 1, 5);
  const limit = checkLimit(options?.limit, 100);
  await core.ready();
  const state = core.state;
  if (state.records.get(id)?.state !== 'active')
    throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
  const seen = new Set([id]);
  const out: RelatedMemory[] = [];
  let frontier = [id];
  for (let d = 1; d <= depth && frontier.length; d++) {
    const next: { id: string; score: number }[] = [];
    for (const from of frontier)
      for (const [to, score] of state.links.get(from) ?? [])
        if (!seen.has(to) && state.records.get(to)?.state === 'active') {
          seen.add(to);
          next.push({ id: to, score });
        }
    next.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    for (const n of next)
      out.push({ ...toMemory(state.records.get(n.id)!), depth: d, linkScore: n.score });
    frontier = next.map((n) => n.id);
  }
  return { results: out.slice(0, limit) };
}

/**
 * The link graph around some memories, for a retrieval stage (e.g. personalised
 * PageRank): for each given id, its links to active memories, strongest first.
 * Ids that are not active memories map to an empty list.
 * @param state - the engine's in-memory state
 * @param ids - memories of interest
 */
export function adjacency(
  state: MemoryState,
  ids: readonly string[],
): Record<string, { id: string; score: number }[]> {
  const out: Record<string, { id: string; score: number }[]> = {};
  for (const id of ids) {
    out[id] =
      state.records.get(id)?.state === 'active'
        ? [...(state.links.get(id) ?? [])]
            .filter(([to]) => state.records.get(to)?.state === 'active')
            .map(([to, score]) => ({ id: to, score }))
            .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        : [];
  }
  return out;
}
