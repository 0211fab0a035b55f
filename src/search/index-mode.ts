// What the search index stores per vector: exact fp32 rows (the flat index)
// or a compact code scanned first and rescored exactly (QuantizedIndex).
import { EngramError, shown } from '../errors';
import type { VectorIndex } from './vector-index';

/**
 * The stored form of the index's vectors:
 * - `'fp32'` exact rows (4 bytes per dim), today's flat index;
 * - `'int8'` one byte per dim, coarse scan then exact rescore;
 * - `'binary'` one bit per dim (asymmetric bit-plane scan), then exact rescore;
 * - `'fp16'` two bytes per dim (the `shader-f16` kernel where the device has
 *   it, else the CPU twin), then exact rescore.
 *
 * Quantized modes keep the full-precision rows in a CPU cache for the rescore;
 * what they shrink is the scanned (GPU-resident) copy.
 */
export type IndexMode = 'fp32' | 'int8' | 'binary' | 'fp16';

/** Every {@link IndexMode}. */
export const INDEX_MODES: readonly IndexMode[] = ['fp32', 'int8', 'binary', 'fp16'];

/**
 * Checks an index mode option.
 * @param mode - the option (undefined → `'fp32'`)
 * @throws EngramError `InvalidArgument` for an unknown mode
 */
export function checkIndexMode(mode: unknown): IndexMode {
  if (mode === undefined) return 'fp32';
  if (!INDEX_MODES.includes(mode as IndexMode)) {
    throw new EngramError('InvalidArgument', `unknown index mode ${shown(mode)}`, {
      details: { mode: shown(mode), allowed: [...INDEX_MODES] },
    });
  }
  return mode as IndexMode;
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
