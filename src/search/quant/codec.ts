// What every compact code shares: how many u32 words a row takes, how rows
// and queries are encoded, and how a raw code score maps back to a similarity.

/**
 * The compact code of a {@link QuantizedIndex}: int8 scalar codes, 1-bit sign
 * codes or fp16 halves.
 */
export type QuantMode = 'int8' | 'binary' | 'fp16';

/** A query encoded for the code scan. */
export interface EncodedQuery {
  /** `queryWords` (default `words`) u32 per query. */
  words: Uint32Array;
  /**
   * Maps the raw scan score (an exact integer for int8 and binary) to an
   * estimate of the inner product with the original vector.
   * @param raw - the scan's score
   */
  estimate(raw: number): number;
}

/**
 * Encodes rows into fixed-size code rows. Raw scan scores of the GPU kernel
 * and the CPU twin are defined in terms of these words alone, so both rank
 * the same rows the same way.
 */
export interface Codec {
  /** Which code. */
  readonly mode: QuantMode;
  /** Vector length. */
  readonly dim: number;
  /** u32 words per code row: a multiple of 4 (one `vec4<u32>` load on the GPU). */
  readonly words: number;
  /** u32 words per encoded query (default `words`; binary queries are wider bit planes). */
  readonly queryWords?: number;
  /** Rows the codec's parameters were learned from (0 until trained). */
  readonly trainedOn: number;
  /** False for codes without parameters (fp16). */
  readonly needsTraining: boolean;
  /**
   * Learns the codec's parameters (per-dimension ranges or means) from rows.
   * @param rows - row-major `n × dim`
   */
  train(rows: Float32Array): void;
  /**
   * Encodes rows into `out` starting at word `at`.
   * @param rows - row-major `n × dim`
   * @param out - code words, `n × words` from `at`
   * @param at - first word written
   */
  encode(rows: Float32Array, out: Uint32Array, at: number): void;
  /**
   * Encodes one query.
   * @param query - `dim` floats
   */
  encodeQuery(query: Float32Array): EncodedQuery;
}

/**
 * u32 words per row for `dim` values of `bits` bits each, rounded up to a
 * multiple of 4 words.
 * @param dim - values per row
 * @param bits - bits per value (1, 8 or 16)
 */
export function codeWords(dim: number, bits: number): number {
  return Math.ceil((dim * bits) / 128) * 4;
}
