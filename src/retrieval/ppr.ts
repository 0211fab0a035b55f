// Personalized PageRank (HippoRAG): from the first-stage hits, walk the memory links so that
// memories tied to several hits — the other halves of a multi-hop answer — rise.
import type { Scores } from './fusion';

/** One weighted link out of a memory. */
export interface Link {
  id: string;
  weight: number;
}

/** Options of {@link personalizedPageRank}. */
export interface PprOptions {
  /** Probability of following a link rather than jumping back to a seed (default 0.5). */
  damping?: number;
  /** Power iterations (default 20). */
  iterations?: number;
}

/**
 * Personalized PageRank over a sparse graph given by `links`, restarting at `seeds`
 * in proportion to their scores. Dangling mass returns to the seeds.
 * @param seeds - restart distribution (any positive scores; normalised here)
 * @param links - outgoing links of a memory
 * @param options - damping and iterations
 * @returns stationary probability by id (sums to 1 over the reached ids)
 * @example
 * personalizedPageRank(new Map([['a', 1]]), (id) => graph[id] ?? [])
 */
export function personalizedPageRank(
  seeds: Scores,
  links: (id: string) => readonly Link[],
  options: PprOptions = {},
): Scores {
  const d = options.damping ?? 0.5;
  const iterations = options.iterations ?? 20;
  let total = 0;
  for (const s of seeds.values()) total += Math.max(0, s);
  const restart: Scores = new Map();
  if (total <= 0) return restart;
  for (const [id, s] of seeds) if (s > 0) restart.set(id, s / total);
  // Each memory's links as given (no copy, no object per link) and the sum of the weights of
  // those kept (weight > 0, not to itself), summed in order; made once per memory.
  const edges = new Map<string, { links: readonly Link[]; sum: number }>();
  const edgesOf = (id: string): { links: readonly Link[]; sum: number } => {
    let e = edges.get(id);
    if (!e) {
      const ls = links(id);
      let sum = 0;
      for (const l of ls) if (l.weight > 0 && l.id !== id) sum += l.weight;
      edges.set(id, (e = { links: ls, sum }));
    }
    return e;
  };
  // (`restart` is only read: the first iteration starts from it.)
  let rank: Scores = restart;
  for (let it = 0; it < iterations; it++) {
    const next: Scores = new Map();
    let dangling = 0;
    for (const [id, r] of rank) {
      const { links: ls, sum } = edgesOf(id);
      let kept = 0;
      for (const l of ls)
        if (l.weight > 0 && l.id !== id) {
          kept++;
          next.set(l.id, (next.get(l.id) ?? 0) + d * r * (l.weight / sum));
        }
      if (kept === 0) dangling += d * r;
    }
    for (const [id, p] of restart) next.set(id, (next.get(id) ?? 0) + (1 - d + dangling) * p);
    rank = next;
  }
  return rank;
}
