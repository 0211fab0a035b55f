// The benches' vector sets: seeded random unit rows, and real embeddings
// repeated with noise to a large N (the "real" sets of bench/engines.mjs and
// the IVF recall floor in test/search/ivf-real.test.ts).

/** Small LCG, normal-ish via sums (fast enough for 51M numbers). */
export function gauss(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = 0;
    for (let i = 0; i < 4; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      t += s / 2 ** 32;
    }
    return (t - 2) * 1.732;
  };
}

/** Scales each `dim`-row of `v` to unit length, in place. */
export function normalise(v: Float32Array, dim: number): Float32Array {
  for (let o = 0; o < v.length; o += dim) {
    let n = 0;
    for (let i = 0; i < dim; i++) n += v[o + i]! * v[o + i]!;
    const inv = 1 / Math.sqrt(n || 1);
    for (let i = 0; i < dim; i++) v[o + i]! *= inv;
  }
  return v;
}

/** `rows` seeded random unit vectors. */
export function randomRows(rows: number, dim: number, seed: number): Float32Array {
  const g = gauss(seed);
  return normalise(
    new Float32Array(rows * dim).map(() => g()),
    dim,
  );
}

/** Base vectors repeated to `rows`, each copy moved by noise of norm ≈ `noise`, renormalised. */
export function noisy(base: Float32Array, dim: number, rows: number, noise: number, seed: number) {
  const m = base.length / dim;
  const out = new Float32Array(rows * dim);
  const sigma = noise / Math.sqrt(dim);
  // gauss(seed) inlined: the same numbers, 2.5× faster than a call per number (100k × 512).
  let s = seed >>> 0;
  for (let r = 0; r < rows; r++) {
    const b = (r % m) * dim;
    for (let i = 0; i < dim; i++) {
      let t = 0;
      for (let k = 0; k < 4; k++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        t += s / 2 ** 32;
      }
      out[r * dim + i] = base[b + i]! + sigma * ((t - 2) * 1.732);
    }
  }
  return normalise(out, dim);
}
