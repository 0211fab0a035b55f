// Test data and a brute-force reference, shared by the Node tests and the
// browser pages (imported there as '/test/search/fixtures.ts').
import type { SearchHits } from '../../src/search/vector-index';

/** Deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Rows whose components are multiples of 1/16 in [-1, 1]: every dot product
 * of two such rows (dim ≤ 640) is a multiple of 1/256 below 2^24/256, so it is
 * exact in f32 whatever the summation order. Few distinct values → many ties.
 * @param rows - row count
 * @param dim - row length
 * @param seed - PRNG seed
 * @param levels - components are m/16 with |m| ≤ levels (default 2: lots of ties)
 */
export function sixteenths(rows: number, dim: number, seed: number, levels = 2): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(rows * dim);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((r() * 2 - 1) * levels) / 16;
  return out;
}

/** Random unit-length rows (normal components, normalised). */
export function unitRows(rows: number, dim: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(rows * dim);
  for (let row = 0; row < rows; row++) {
    let n = 0;
    for (let i = 0; i < dim; i++) {
      const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      out[row * dim + i] = g;
      n += g * g;
    }
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < dim; i++) out[row * dim + i]! *= inv;
  }
  return out;
}

/**
 * Brute-force top-k: f64 dot products rounded to f32, ranked by score desc
 * then slot asc, skipping removed slots and slots the allow mask excludes.
 */
export function bruteForce(
  data: Float32Array,
  dim: number,
  queries: Float32Array,
  k: number,
  removed: ReadonlySet<number> = new Set(),
  allow?: Uint8Array,
): SearchHits[] {
  const n = data.length / dim;
  const out: SearchHits[] = [];
  for (let q = 0; q < queries.length / dim; q++) {
    const hits: { slot: number; score: number }[] = [];
    for (let s = 0; s < n; s++) {
      if (removed.has(s)) continue;
      if (allow && !(s < allow.length && allow[s] !== 0)) continue;
      let acc = 0;
      for (let i = 0; i < dim; i++) acc += data[s * dim + i]! * queries[q * dim + i]!;
      hits.push({ slot: s, score: Math.fround(acc) });
    }
    hits.sort((a, b) => b.score - a.score || a.slot - b.slot);
    const top = hits.slice(0, k);
    out.push({
      slots: Int32Array.from(top, (h) => h.slot),
      scores: Float32Array.from(top, (h) => h.score),
    });
  }
  return out;
}

/** Plain arrays of slots, for readable `toEqual` diffs. */
export function slotLists(hits: SearchHits[]): number[][] {
  return hits.map((h) => Array.from(h.slots));
}

/**
 * Compares two result lists allowing only near-ties to differ: every rank's
 * score must agree within `tol`, and where slots differ the scores at that
 * rank must be within `tol` of each other (a reordering of near-equal hits).
 * Returns a description of the first disagreement, or null.
 */
export function nearTieDiff(a: SearchHits[], b: SearchHits[], tol = 1e-6): string | null {
  if (a.length !== b.length) return `query count ${a.length} vs ${b.length}`;
  for (let q = 0; q < a.length; q++) {
    const x = a[q]!;
    const y = b[q]!;
    if (x.slots.length !== y.slots.length) return `q${q}: ${x.slots.length} vs ${y.slots.length}`;
    for (let r = 0; r < x.slots.length; r++) {
      const ds = Math.abs(x.scores[r]! - y.scores[r]!);
      if (ds > tol) return `q${q} rank ${r}: score ${x.scores[r]} vs ${y.scores[r]}`;
    }
    const xs = Array.from(x.slots).sort();
    const ys = Array.from(y.slots).sort();
    // Slots may differ only at the boundary of a near-tie: every slot present
    // in one list but not the other must score within tol of the last kept.
    const last = x.scores[x.scores.length - 1] ?? 0;
    const onlyX = xs.filter((s) => !ys.includes(s));
    for (const s of onlyX) {
      const score = x.scores[Array.from(x.slots).indexOf(s)]!;
      if (Math.abs(score - last) > tol) return `q${q}: slot ${s} (${score}) missing from other`;
    }
  }
  return null;
}
