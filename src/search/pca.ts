// Principal components of stored vectors, computed in the engine: covariance
// of a row sample, then subspace iteration for the top-r eigenvectors. Used
// for the low-rank coarse pass of QuantizedIndex (mode 'pca').
import type { Codec, EncodedQuery } from './quant/codec';

/** A fitted projection. */
export interface Pca {
  /** Per-dimension mean of the sample. */
  mean: Float64Array;
  /** `rank × dim` orthonormal rows, largest variance first. */
  components: Float64Array;
  /** Variance along each component. */
  variance: Float64Array;
}

/** Options of {@link fitPca}. */
export interface FitPcaOptions {
  /** Rows used (spread evenly; default 4096). */
  sample?: number;
  /** Subspace iterations (default 24). */
  iterations?: number;
  /** Seed of the start basis (default 1). */
  seed?: number;
}

/**
 * Top-`rank` principal components of `rows`. Deterministic for a seed.
 * @param rows - row-major `n × dim`
 * @param dim - vector length
 * @param rank - components wanted (≤ dim)
 * @param options - see {@link FitPcaOptions}
 * @example
 * const { components } = fitPca(vectors, 384, 64);
 */
export function fitPca(
  rows: Float32Array,
  dim: number,
  rank: number,
  options: FitPcaOptions = {},
): Pca {
  const n = rows.length / dim;
  const take = Math.min(n, options.sample ?? 4096);
  const mean = new Float64Array(dim);
  const picked = Array.from({ length: take }, (_, j) => Math.floor((j * n) / take));
  for (const r of picked) for (let i = 0; i < dim; i++) mean[i]! += rows[r * dim + i]! / take;
  // Covariance (upper triangle, then mirrored).
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (const r of picked) {
    for (let i = 0; i < dim; i++) x[i] = rows[r * dim + i]! - mean[i]!;
    for (let i = 0; i < dim; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      const o = i * dim;
      for (let j = i; j < dim; j++) cov[o + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j]! / Math.max(1, take);
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  // Subspace iteration on V (rank rows of length dim).
  const rand = rng(options.seed ?? 1);
  let v = new Float64Array(rank * dim).map(() => rand() - 0.5);
  orthonormalise(v, rank, dim);
  const w = new Float64Array(rank * dim);
  for (let t = 0; t < (options.iterations ?? 24); t++) {
    w.fill(0);
    for (let c = 0; c < rank; c++) {
      const vo = c * dim;
      for (let i = 0; i < dim; i++) {
        const o = i * dim;
        let a = 0;
        for (let j = 0; j < dim; j++) a += cov[o + j]! * v[vo + j]!;
        w[vo + i] = a;
      }
    }
    v = w.slice();
    orthonormalise(v, rank, dim);
  }
  // Order by Rayleigh quotient.
  const variance = new Float64Array(rank);
  for (let c = 0; c < rank; c++) {
    let a = 0;
    for (let i = 0; i < dim; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += cov[i * dim + j]! * v[c * dim + j]!;
      a += s * v[c * dim + i]!;
    }
    variance[c] = a;
  }
  const order = Array.from({ length: rank }, (_, c) => c).sort(
    (a, b) => variance[b]! - variance[a]!,
  );
  const components = new Float64Array(rank * dim);
  order.forEach((c, j) => components.set(v.subarray(c * dim, (c + 1) * dim), j * dim));
  return { mean, components, variance: Float64Array.from(order, (c) => variance[c]!) };
}

/** Deterministic PRNG (mulberry32) in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Modified Gram–Schmidt on `rank` rows of length `dim`, in place. */
function orthonormalise(v: Float64Array, rank: number, dim: number): void {
  for (let c = 0; c < rank; c++) {
    const co = c * dim;
    for (let p = 0; p < c; p++) {
      const po = p * dim;
      let d = 0;
      for (let i = 0; i < dim; i++) d += v[co + i]! * v[po + i]!;
      for (let i = 0; i < dim; i++) v[co + i]! -= d * v[po + i]!;
    }
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += v[co + i]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dim; i++) v[co + i]! /= norm;
  }
}

/**
 * PCA codec: a row is stored as `Pᵀ(x − mean)` (`rank` floats); a query as
 * `Pᵀq`, so the raw score plus `q·mean` estimates `q·x`.
 *
 * @example
 * const codec = new PcaCodec(384, 64);
 * codec.train(vectors);
 */
export class PcaCodec implements Codec {
  /** Always `'pca'`. */
  readonly mode = 'pca' as const;
  /** Learns the projection from data. */
  readonly needsTraining = true;
  /** Floats per code row (= rank). */
  readonly words: number;
  /** The fitted projection (identity on the first `rank` dims until trained). */
  pca: Pca;
  private trained = 0;

  /**
   * @param dim - vector length
   * @param rank - target dims
   */
  constructor(
    readonly dim: number,
    readonly rank: number,
  ) {
    this.words = rank;
    const components = new Float64Array(rank * dim);
    for (let c = 0; c < rank; c++) components[c * dim + c] = 1;
    this.pca = { mean: new Float64Array(dim), components, variance: new Float64Array(rank) };
  }

  /** Rows the projection was fitted on. */
  get trainedOn(): number {
    return this.trained;
  }

  /**
   * Fits the projection.
   * @param rows - row-major `n × dim`
   */
  train(rows: Float32Array): void {
    this.pca = fitPca(rows, this.dim, this.rank);
    this.trained = rows.length / this.dim;
  }

  /**
   * Projects centred rows.
   * @param rows - row-major `n × dim`
   * @param out - float bits, `n × rank` from `at`
   * @param at - first word written
   */
  encode(rows: Float32Array, out: Uint32Array, at: number): void {
    this.project(rows, new Float32Array(out.buffer, out.byteOffset + at * 4), true);
  }

  /**
   * Projects the (uncentred) query.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery {
    const out = new Float32Array(this.rank);
    this.project(query, out, false);
    let bias = 0;
    for (let i = 0; i < this.dim; i++) bias += query[i]! * this.pca.mean[i]!;
    return { words: new Uint32Array(out.buffer), estimate: (raw) => raw + bias };
  }

  private project(rows: Float32Array, out: Float32Array, centre: boolean): void {
    const { dim, rank } = this;
    const { mean, components: p } = this.pca;
    const x = new Float64Array(dim);
    for (let r = 0; r < rows.length / dim; r++) {
      for (let i = 0; i < dim; i++) x[i] = rows[r * dim + i]! - (centre ? mean[i]! : 0);
      for (let c = 0; c < rank; c++) {
        let a = 0;
        for (let i = 0; i < dim; i++) a += p[c * dim + i]! * x[i]!;
        out[r * rank + c] = a;
      }
    }
  }
}
