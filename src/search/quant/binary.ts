// 1-bit codes: one sign bit per dimension after centring on the per-dimension
// mean of the data; rows are compared by Hamming distance (popcount of XOR).
import { codeWords, type Codec, type EncodedQuery } from './codec';

/**
 * Binary (sign) codec: bit i of a row is `xᵢ > meanᵢ`, dimension i in bit
 * `i & 31` of word `i >> 5`. The raw scan score is `-hamming`, so higher is
 * closer; {@link EncodedQuery.estimate} maps it to `1 - 2·hamming/dim`.
 *
 * @example
 * const codec = new BinaryCodec(384);
 * codec.train(sample);
 * const q = codec.encodeQuery(query); // 16 words: 12 used, padded to 4
 */
export class BinaryCodec implements Codec {
  /** Always `'binary'`. */
  readonly mode = 'binary' as const;
  /** Learns parameters from data. */
  readonly needsTraining = true;
  /** u32 words per row (dim/32 rounded up to a multiple of 4). */
  readonly words: number;
  /** Per-dimension threshold (the training mean; 0 until trained). */
  readonly mean: Float64Array;
  private trained = 0;

  /** @param dim - vector length */
  constructor(readonly dim: number) {
    this.words = codeWords(dim, 1);
    this.mean = new Float64Array(dim);
  }

  /** Rows the means were learned from. */
  get trainedOn(): number {
    return this.trained;
  }

  /**
   * Learns per-dimension means.
   * @param rows - row-major `n × dim`
   */
  train(rows: Float32Array): void {
    const { dim } = this;
    const n = rows.length / dim;
    if (n === 0) return;
    const sum = new Float64Array(dim);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < dim; i++) sum[i]! += rows[r * dim + i]!;
    }
    for (let i = 0; i < dim; i++) this.mean[i] = Math.fround(sum[i]! / n);
    this.trained = n;
  }

  /**
   * Encodes rows to sign bits.
   * @param rows - row-major `n × dim`
   * @param out - code words
   * @param at - first word written
   */
  encode(rows: Float32Array, out: Uint32Array, at: number): void {
    const { dim, words, mean } = this;
    const n = rows.length / dim;
    out.fill(0, at, at + n * words);
    for (let r = 0; r < n; r++) {
      const o = r * dim;
      const w = at + r * words;
      for (let i = 0; i < dim; i++) {
        if (rows[o + i]! > mean[i]!) out[w + (i >>> 5)]! |= 1 << (i & 31);
      }
    }
  }

  /**
   * Encodes the query's sign bits the same way as a row.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery {
    const words = new Uint32Array(this.words);
    this.encode(query, words, 0);
    const dim = this.dim;
    return { words, estimate: (raw) => 1 + (2 * raw) / dim };
  }
}

/**
 * Number of set bits of a 32-bit word.
 * @param v - the word
 */
export function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}
