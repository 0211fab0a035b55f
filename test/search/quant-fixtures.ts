// Data with structure for the quantization tests and the quant bench:
// unit vectors drawn from a Gaussian mixture (clustered, like embeddings).
import type { SearchHits } from '../../src/search/vector-index';
import { rng } from './fixtures';

/**
 * Unit rows around `clusters` random centres: `normalise(centre + spread·g/√dim)`
 * with standard normal `g`. Spread 1 puts a row about as far from its centre
 * as the centre's own length.
 * @param rows - row count
 * @param dim - row length
 * @param seed - PRNG seed
 * @param clusters - mixture components (default 64)
 * @param spread - noise scale (default 0.8)
 */
export function clusteredRows(
  rows: number,
  dim: number,
  seed: number,
  clusters = 64,
  spread = 0.8,
): Float32Array {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = new Float64Array(clusters * dim).map(gauss);
  for (let c = 0; c < clusters; c++) {
    let n = 0;
    for (let i = 0; i < dim; i++) n += centres[c * dim + i]! ** 2;
    for (let i = 0; i < dim; i++) centres[c * dim + i]! /= Math.sqrt(n);
  }
  const out = new Float32Array(rows * dim);
  const s = spread / Math.sqrt(dim);
  for (let row = 0; row < rows; row++) {
    const c = Math.floor(r() * clusters);
    let n = 0;
    for (let i = 0; i < dim; i++) {
      const v = centres[c * dim + i]! + s * gauss();
      out[row * dim + i] = v;
      n += v * v;
    }
    for (let i = 0; i < dim; i++) out[row * dim + i]! /= Math.sqrt(n);
  }
  return out;
}

/**
 * Mean recall@k of `got` against `truth`: the share of each query's true
 * top-k slots found among its returned top-k.
 * @param got - hits to judge
 * @param truth - exact hits
 * @param k - cut-off
 */
export function recallAt(got: SearchHits[], truth: SearchHits[], k: number): number {
  let found = 0;
  let total = 0;
  truth.forEach((t, q) => {
    const want = new Set(Array.from(t.slots.subarray(0, k)));
    const have = got[q]!.slots.subarray(0, k);
    for (const s of have) if (want.has(s)) found++;
    total += want.size;
  });
  return total ? found / total : 1;
}
