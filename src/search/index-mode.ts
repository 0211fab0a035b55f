// What the search index stores per vector: exact fp32 rows (the flat index)
// or a compact code scanned first and rescored from 16-bit rows (QuantizedIndex).
import { EngramError, shown } from '../errors';
import type { VectorIndex } from './vector-index';

/**
 * The stored form of the index's vectors:
 * - `'fp32'` exact rows (4 bytes per dim), the flat index;
 * - `'int8'` one byte per dim, coarse scan then rescore;
 * - `'binary'` one bit per dim (asymmetric bit-plane scan), then rescore;
 * - `'fp16'` two bytes per dim (the `shader-f16` kernel where the device has
 *   it, else the CPU twin), then rescore;
 * - `'ivf'` fp32 rows partitioned into k-means lists (CPU, WASM SIMD), each list
 *   also as int8 codes: a query scans the codes of the nearest `nprobe` lists and
 *   rescores its best candidates exactly from the rows, so recall < 1.
 *
 * Quantized modes rescore from CPU rows of 16-bit integers with a scale per
 * row (2 bytes per dim + 4, scores within ≈ 1e-6 of fp32; no fp32 copy is
 * kept); the scanned copy is what `residentBytesPerVector` reports.
 */
export type IndexMode = 'fp32' | 'int8' | 'binary' | 'fp16' | 'ivf';

/**
 * The `index.mode` option: an {@link IndexMode}, or `'auto'` (the default: exact
 * below 20 000 vectors, IVF past them on the CPU, recall@10 ≈ 0.98 on real
 * embeddings; exact on WebGPU). `'fp32'` gives exact answers at any size.
 */
export type IndexModeOption = IndexMode | 'auto';

/** Every {@link IndexModeOption}. */
export const INDEX_MODES: readonly IndexModeOption[] = [
  'fp32',
  'int8',
  'binary',
  'fp16',
  'ivf',
  'auto',
];

/**
 * Vectors from which `mode: 'auto'` trains the IVF lists (below it the scan is
 * exact). At 20 000 × 512 an exact WASM scan takes ≈ 3–5 ms; past it, IVF's
 * cost grows with √N instead of N.
 */
export const AUTO_IVF_FROM = 20_000;

/** Vectors from which `mode: 'ivf'` trains its lists (k-means on fewer is not worth it). */
export const IVF_FROM = 1_000;

/** Lists an IVF query scans unless `nprobe` says otherwise. */
export const DEFAULT_NPROBE = 24;

/** Most lists `nprobe` may ask for. */
export const MAX_NPROBE = 4096;

/**
 * Checks an index mode option.
 * @param mode - the option (undefined → `'auto'`)
 * @throws EngramError `InvalidArgument` for an unknown mode
 */
export function checkIndexMode(mode: unknown): IndexModeOption {
  if (mode === undefined) return 'auto';
  if (!INDEX_MODES.includes(mode as IndexModeOption)) {
    throw new EngramError('InvalidArgument', `unknown index mode ${shown(mode)}`, {
      details: { mode: shown(mode), allowed: [...INDEX_MODES] },
    });
  }
  return mode as IndexModeOption;
}

/**
 * Checks `nprobe`: an integer from 1 to {@link MAX_NPROBE}, only with an IVF mode.
 * @param nprobe - the option (undefined → {@link DEFAULT_NPROBE})
 * @param mode - the checked mode it goes with
 * @throws EngramError `InvalidArgument`
 */
export function checkNprobe(nprobe: unknown, mode: IndexModeOption): number {
  if (nprobe === undefined) return DEFAULT_NPROBE;
  if (mode !== 'ivf' && mode !== 'auto') {
    throw new EngramError('InvalidArgument', `nprobe applies to index mode 'ivf' or 'auto'`, {
      details: { mode },
    });
  }
  if (
    typeof nprobe !== 'number' ||
    !Number.isInteger(nprobe) ||
    nprobe < 1 ||
    nprobe > MAX_NPROBE
  ) {
    throw new EngramError(
      'InvalidArgument',
      `nprobe must be an integer from 1 to ${MAX_NPROBE}, got ${shown(nprobe)}`,
    );
  }
  return nprobe;
}

/** The stored form of an index and what one vector costs where it is scanned. */
export interface IndexFootprint {
  /** The index mode. */
  mode: IndexMode;
  /** Bytes per vector of the scanned copy (GPU-resident on WebGPU). */
  residentBytesPerVector: number;
}

/**
 * What an index stores per vector: quantized indexes and tiered indexes
 * report their own; any other is an exact fp32 flat index.
 * @param index - the index
 * @example
 * indexFootprint(index); // { mode: 'binary', residentBytesPerVector: 48 }
 */
export function indexFootprint(index: VectorIndex): IndexFootprint {
  const own = index as Partial<IndexFootprint>;
  if (typeof own.residentBytesPerVector === 'number' && typeof own.mode === 'string') {
    return { mode: own.mode, residentBytesPerVector: own.residentBytesPerVector };
  }
  return { mode: 'fp32', residentBytesPerVector: index.dim * 4 };
}
