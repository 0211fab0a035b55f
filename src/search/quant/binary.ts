// 1-bit codes: one sign bit per dimension after centring on the per-dimension
// mean of the data. Rows are scored asymmetrically: the query stays an
// integer vector (QUERY_BITS bits per value, weighted by each dimension's
// mean deviation) and meets the row's sign bits through bit-plane popcounts.
import { codeWords, type Codec, type EncodedQuery } from './codec';

/**
 * Bits per query value of the asymmetric binary score. The query is split
 * into this many bit planes (two's complement, the top plane weighs
 * `-2^(QUERY_BITS-1)`), each as long as a code row.
 */
export const QUERY_BITS = 8;

/**
 * Binary (sign) codec: bit i of a row is `xᵢ > meanᵢ`, dimension i in bit
 * `i & 31` of word `i >> 5`. The query is encoded as `q'ᵢ = round(c·qᵢ·σᵢ)`
 * (σᵢ the mean absolute deviation of dimension i, c scaling the largest to
 * 127) in {@link QUERY_BITS} bit planes; the raw scan score is the exact
 * integer `Σ_{bit i set} q'ᵢ`, which ranks rows as the asymmetric estimate
 * `q·x ≈ q·mean + Σ qᵢσᵢsᵢ` (sᵢ = ±1) does — far sharper than Hamming
 * distance between two sign codes. {@link EncodedQuery.estimate} maps the raw
 * score back to that estimate.
 *
 * @example
 * const codec = new BinaryCodec(384);
 * codec.train(sample);
 * const q = codec.encodeQuery(query); // 8 planes × 12 words (+ padding)
 */
export class BinaryCodec implements Codec {
  /** Always `'binary'`. */
  readonly mode = 'binary' as const;
  /** Learns parameters from data. */
  readonly needsTraining = true;
  /** u32 words per row (dim/32 rounded up to a multiple of 4). */
  readonly words: number;
  /** u32 words per encoded query: {@link QUERY_BITS} planes of `words`. */
  readonly queryWords: number;
  /** Per-dimension threshold (the training mean; 0 until trained). */
  readonly mean: Float64Array;
  /** Per-dimension mean absolute deviation from `mean` (1 until trained). */
  readonly scale: Float64Array;
  private trained = 0;

  /** @param dim - vector length */
  constructor(readonly dim: number) {
    this.words = codeWords(dim, 1);
    this.queryWords = QUERY_BITS * this.words;
    this.mean = new Float64Array(dim);
    this.scale = new Float64Array(dim).fill(1);
  }

  /** Rows the means were learned from. */
  get trainedOn(): number {
    return this.trained;
  }

  /**
   * Learns per-dimension means and mean absolute deviations.
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
    const dev = new Float64Array(dim);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < dim; i++) dev[i]! += Math.abs(rows[r * dim + i]! - this.mean[i]!);
    }
    for (let i = 0; i < dim; i++) this.scale[i] = dev[i]! / n || 1e-9;
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
   * Encodes the query as {@link QUERY_BITS} bit planes of `q'ᵢ = round(c·qᵢ·σᵢ)`.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery {
    const { dim, words, mean, scale } = this;
    const top = 2 ** (QUERY_BITS - 1) - 1;
    let max = 0;
    let base = 0;
    for (let i = 0; i < dim; i++) {
      max = Math.max(max, Math.abs(query[i]! * scale[i]!));
      base += query[i]! * mean[i]!;
    }
    const c = max > 0 ? top / max : 0;
    const out = new Uint32Array(this.queryWords);
    let total = 0;
    for (let i = 0; i < dim; i++) {
      const v = Math.round(c * query[i]! * scale[i]!);
      total += v;
      const bits = v & ((1 << QUERY_BITS) - 1); // two's complement
      for (let p = 0; p < QUERY_BITS; p++) {
        if ((bits >>> p) & 1) out[p * words + (i >>> 5)]! |= 1 << (i & 31);
      }
    }
    // raw = Σ_{set} q'ᵢ, so Σ q'ᵢ·sᵢ = 2·raw − total.
    return { words: out, estimate: (raw) => (c > 0 ? base + (2 * raw - total) / c : base) };
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

/**
 * The query values `q'ᵢ` of an encoded binary query, from its bit planes.
 * @param query - encoded queries
 * @param qo - first word of the query's planes
 * @param words - u32 words per plane
 */
export function queryValues(query: Uint32Array, qo: number, words: number): Int32Array {
  const out = new Int32Array(words * 32);
  for (let i = 0; i < out.length; i++) {
    let v = 0;
    for (let p = 0; p < QUERY_BITS; p++) {
      if ((query[qo + p * words + (i >>> 5)]! >>> (i & 31)) & 1) {
        v += p === QUERY_BITS - 1 ? -(2 ** p) : 2 ** p;
      }
    }
    out[i] = v;
  }
  return out;
}

/**
 * The byte table of one encoded binary query: entry `(b << 8) | byte` is the
 * sum of `q'ᵢ` over the set bits of `byte` at byte position b of a row, so
 * a row's raw score is the sum of one entry per byte (the same integer as
 * {@link binaryScore}).
 * @param query - encoded queries
 * @param qo - first word of the query's planes
 * @param words - u32 words per row
 */
export function binaryLut(query: Uint32Array, qo: number, words: number): Int32Array {
  const values = queryValues(query, qo, words);
  const lut = new Int32Array(words * 4 * 256);
  for (let b = 0; b < words * 4; b++) {
    const o = b << 8;
    for (let byte = 1; byte < 256; byte++) {
      const low = 31 - Math.clz32(byte); // highest set bit: byte = rest | 1 << low
      lut[o | byte] = lut[o | (byte ^ (1 << low))]! + values[b * 8 + low]!;
    }
  }
  return lut;
}

/**
 * The asymmetric binary raw score of one row against one encoded query:
 * `Σ_{bit i of the row set} q'ᵢ` from the query's bit planes.
 * @param codes - code rows
 * @param ro - first word of the row
 * @param query - encoded queries
 * @param qo - first word of the query's planes
 * @param words - u32 words per row (and per plane)
 */
export function binaryScore(
  codes: Uint32Array,
  ro: number,
  query: Uint32Array,
  qo: number,
  words: number,
): number {
  let s = 0;
  for (let p = 0; p < QUERY_BITS; p++) {
    let c = 0;
    const po = qo + p * words;
    for (let w = 0; w < words; w++) c += popcount(codes[ro + w]! & query[po + w]!);
    s += p === QUERY_BITS - 1 ? -c * 2 ** p : c * 2 ** p;
  }
  return s;
}
