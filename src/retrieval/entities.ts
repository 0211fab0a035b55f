// Query decomposition by entity: a question naming several people or places ("What do Jon and
// Gina have in common?") is answered by memories about each of them. The ranking is split into
// one list per named entity and merged round-robin, so no entity's memories crowd out another's.

/** Options of the entity stage. */
export interface EntityStageOptions {
  /** Candidates of the overall ranking that are redistributed (default max(30, 3 · limit)). */
  pool?: number;
  /** Whether the overall ranking takes a turn in the round-robin too (default true). */
  keepOverall?: boolean;
}

/**
 * Round-robin merge of per-entity rankings. Each entity's list is the overall ranking restricted
 * to the memories about that entity; entities with no memory in the ranking are left out, and
 * with fewer than two left the ranking is returned as it is.
 * @param ranking - the overall ranking, best first
 * @param entities - the entities the query names
 * @param about - whether a memory is about an entity
 * @param limit - how many to return
 * @param options - keep the overall list in the rotation
 * @returns the merged ranking (each memory once, with its overall score)
 * @example
 * entityRoundRobin(ranked, ['jon', 'gina'], (id, e) => speakerOf(id) === e, 10)
 */
export function entityRoundRobin<T extends { id: string }>(
  ranking: readonly T[],
  entities: readonly string[],
  about: (id: string, entity: string) => boolean,
  limit: number,
  options: EntityStageOptions = {},
): T[] {
  const lists = entities
    .map((e) => ranking.filter((h) => about(h.id, e)))
    .filter((l) => l.length > 0);
  if (lists.length < 2) return ranking.slice(0, limit);
  if (options.keepOverall ?? true) lists.unshift([...ranking]);
  const out: T[] = [];
  const taken = new Set<string>();
  const at = lists.map(() => 0);
  while (out.length < limit) {
    let moved = false;
    lists.forEach((l, i) => {
      while (at[i]! < l.length && taken.has(l[at[i]!]!.id)) at[i]!++;
      const h = l[at[i]!];
      if (h && out.length < limit) {
        out.push(h);
        taken.add(h.id);
        moved = true;
      }
    });
    if (!moved) break;
  }
  for (const h of ranking) {
    if (out.length >= limit) break;
    if (!taken.has(h.id)) (out.push(h), taken.add(h.id));
  }
  return out;
}
