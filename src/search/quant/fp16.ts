// fp16 storage: IEEE half floats, 2 per u32 (dimension 2w in the low half of
// word w). Queries are rounded to fp16 too, so both sides of the scan hold the
// same numbers on the GPU (unpack2x16float, or f16 with `shader-f16`) and here.
import { codeWords, type Codec, type EncodedQuery } from './codec';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Rounds a float to the nearest half (ties to even) and returns its 16 bits.
 * @param x - the value
 * @example
 * toHalfBits(1) // 0x3c00
 */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const e = (b >>> 23) & 0xff;
  let m = b & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 : 0);
  const E = e - 127 + 15;
  if (E >= 0x1f) return sign | 0x7c00;
  if (E <= 0) {
    if (E < -10) return sign;
    m |= 0x800000;
    const shift = 14 - E;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (E << 10) | (m >>> 13);
  const rem = m & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/**
 * The value of half-float bits.
 * @param h - 16 bits
 * @example
 * fromHalfBits(0x3c00) // 1
 */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

let table: Float32Array | undefined;

/** All 65 536 half values as floats (built on first use). */
export function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = fromHalfBits(h);
  }
  return table;
}

/**
 * fp16 codec: no training; 2× fewer bytes than fp32.
 *
 * @example
 * const codec = new Fp16Codec(384);
 * const codes = new Uint32Array(n * codec.words);
 * codec.encode(rows, codes, 0);
 */
export class Fp16Codec implements Codec {
  /** Always `'fp16'`. */
  readonly mode = 'fp16' as const;
  /** Learns parameters from data. */
  readonly needsTraining = false;
  /** u32 words per row (dim/2 rounded up to a multiple of 4). */
  readonly words: number;
  /** fp16 needs no training: always 0. */
  readonly trainedOn = 0;

  /** @param dim - vector length */
  constructor(readonly dim: number) {
    this.words = codeWords(dim, 16);
  }

  /** No parameters to learn. */
  train(): void {}

  /**
   * Rounds rows to halves.
   * @param rows - row-major `n × dim`
   * @param out - code words
   * @param at - first word written
   */
  encode(rows: Float32Array, out: Uint32Array, at: number): void {
    const { dim, words } = this;
    const n = rows.length / dim;
    const halves = new Uint16Array(out.buffer, out.byteOffset + at * 4, n * words * 2);
    halves.fill(0);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < dim; i++) halves[r * words * 2 + i] = toHalfBits(rows[r * dim + i]!);
    }
  }

  /**
   * Rounds the query to halves; the raw score is already the estimate.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery {
    const words = new Uint32Array(this.words);
    this.encode(query, words, 0);
    return { words, estimate: (raw) => raw };
  }
}
