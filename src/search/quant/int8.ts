// int8 scalar quantization: per-dimension offset and scale learned from the
// data, 4 codes per u32. A query is folded into the code space (qᵢ·scaleᵢ) and
// itself quantized to int8, so the scan is an integer dot product of packed
// bytes (`dot4I8Packed` on the GPU), exact and identical on both backends.
import { codeWords, type Codec, type EncodedQuery } from './codec';

/**
 * int8 codec: `x̂ᵢ = loᵢ + scaleᵢ · (cᵢ + 128)`, `cᵢ ∈ [-128, 127]`, with
 * `lo`/`scale` the per-dimension min and range/255 of the training rows
 * (values outside are clamped). Row bytes are little-endian in the words.
 *
 * @example
 * const codec = new Int8Codec(384);
 * codec.train(sample);
 * const codes = new Uint32Array(n * codec.words);
 * codec.encode(rows, codes, 0);
 */
export class Int8Codec implements Codec {
  /** Always `'int8'`. */
  readonly mode = 'int8' as const;
  /** Learns parameters from data. */
  readonly needsTraining = true;
  /** u32 words per row (dim/4 rounded up to a multiple of 4). */
  readonly words: number;
  /** Per-dimension minimum. */
  readonly lo: Float64Array;
  /** Per-dimension step. */
  readonly scale: Float64Array;
  private trained = 0;

  /** @param dim - vector length */
  constructor(readonly dim: number) {
    this.words = codeWords(dim, 8);
    this.lo = new Float64Array(dim);
    this.scale = new Float64Array(dim).fill(1 / 127);
    this.lo.fill(-128 / 127);
  }

  /** Rows the ranges were learned from. */
  get trainedOn(): number {
    return this.trained;
  }

  /**
   * Learns per-dimension min and max.
   * @param rows - row-major `n × dim`
   */
  train(rows: Float32Array): void {
    const { dim } = this;
    const n = rows.length / dim;
    if (n === 0) return;
    const lo = new Float64Array(dim).fill(Infinity);
    const hi = new Float64Array(dim).fill(-Infinity);
    for (let r = 0; r < n; r++) {
      const o = r * dim;
      for (let i = 0; i < dim; i++) {
        const v = rows[o + i]!;
        if (v < lo[i]!) lo[i] = v;
        if (v > hi[i]!) hi[i] = v;
      }
    }
    for (let i = 0; i < dim; i++) {
      const span = hi[i]! - lo[i]!;
      this.lo[i] = lo[i]!;
      this.scale[i] = span > 0 ? span / 255 : 1;
    }
    this.trained = n;
  }

  /**
   * Encodes rows (bytes `cᵢ` as two's complement, dimension 4w+j in byte j of word w).
   * @param rows - row-major `n × dim`
   * @param out - code words
   * @param at - first word written
   */
  encode(rows: Float32Array, out: Uint32Array, at: number): void {
    const { dim, words, lo, scale } = this;
    const n = rows.length / dim;
    const bytes = new Int8Array(out.buffer, out.byteOffset + at * 4, n * words * 4);
    bytes.fill(0);
    for (let r = 0; r < n; r++) {
      const o = r * dim;
      const b = r * words * 4;
      for (let i = 0; i < dim; i++) {
        const c = Math.round((rows[o + i]! - lo[i]!) / scale[i]!);
        bytes[b + i] = (c < 0 ? 0 : c > 255 ? 255 : c) - 128;
      }
    }
  }

  /**
   * Folds the query into code space: `wᵢ = qᵢ·scaleᵢ`, quantized to int8 with
   * one scale `s = max|wᵢ|/127`; the estimate is `bias + s · raw` with
   * `bias = Σ qᵢ (loᵢ + 128 scaleᵢ)`.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery {
    const { dim, words, lo, scale } = this;
    let max = 0;
    let bias = 0;
    for (let i = 0; i < dim; i++) {
      const q = query[i]!;
      max = Math.max(max, Math.abs(q * scale[i]!));
      bias += q * (lo[i]! + 128 * scale[i]!);
    }
    const s = max > 0 ? max / 127 : 1;
    const out = new Uint32Array(words);
    const bytes = new Int8Array(out.buffer);
    for (let i = 0; i < dim; i++) bytes[i] = Math.round((query[i]! * scale[i]!) / s);
    return { words: out, estimate: (raw) => bias + s * raw };
  }
}
