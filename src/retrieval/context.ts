// Context expansion (temporal contiguity): a hit lends a decayed share of its score to the
// memories next to it in the same episode, so an answer that spans turns is found.
import { ranked, type Scores, type TieOrder } from './fusion';

/** Options of the context stage (`expandContext`). */
export interface ContextOptions {
  /** How many positions either side a hit reaches (default 2). */
  radius?: number;
  /** Share of a hit's score given to a later neighbour at distance 1 (default 0.5). */
  weight?: number;
  /** Share given to an earlier neighbour at distance 1 (default: `weight`). */
  backward?: number;
  /** Extra factor per further step (default 0.5: distance 2 gets weight · 0.5). */
  decay?: number;
  /** Only the best `seeds` hits lend (default 50). */
  seeds?: number;
}

/**
 * Adds to every memory the best decayed score among hits within `radius` of it in its episode:
 * `s'(m) = s(m) + max_h w · decay^(|d|−1) · s(h)`, `w` = `weight` for a memory after the hit
 * (d > 0, e.g. the reply to a question), `backward` for one before it.
 * @param scores - first-stage scores (normalised)
 * @param neighbours - the ids within `radius` of a memory in its episode, `distance` signed
 *   (negative: before it)
 * @param options - radius, weight, decay, seeds
 * @param tie - order of equal scores (default by id)
 * @param out - where the scores go (default a copy of `scores`; `scores` itself: in place)
 * @returns `out`: the scores of the input ids and of the neighbours lent to
 */
export function expandContext(
  scores: Scores,
  neighbours: (id: string, radius: number) => { id: string; distance: number }[],
  options: ContextOptions = {},
  tie?: TieOrder,
  out?: Scores,
): Scores {
  const radius = options.radius ?? 2;
  const weight = options.weight ?? 0.5;
  const backward = options.backward ?? weight;
  const decay = options.decay ?? 0.5;
  // Ties broken by `tie`: which hits lend must not depend on the map's insertion order.
  const seeds = ranked(scores, options.seeds ?? 50, tie);
  const lent = new Map<string, number>();
  for (const [id, s] of seeds) {
    for (const n of neighbours(id, radius)) {
      const w = n.distance > 0 ? weight : backward;
      const v = w * Math.pow(decay, Math.abs(n.distance) - 1) * s;
      if (v > (lent.get(n.id) ?? 0)) lent.set(n.id, v);
    }
  }
  const to: Scores = out ?? new Map(scores);
  for (const [id, v] of lent) to.set(id, (to.get(id) ?? 0) + v);
  return to;
}
