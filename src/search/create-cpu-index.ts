// The exact CPU index the engine uses: the WASM SIMD scan where the engine has
// WebAssembly SIMD, else the JS twin (same hits and scores).
import { CpuFlatIndex } from './cpu-index';
import type { VectorIndex } from './vector-index';
import { wasmSimdSupported } from './wasm/kernel';
import { WasmFlatIndex } from './wasm/wasm-index';

/**
 * An exact CPU index: the WASM SIMD one where available (and not refused), else the JS twin.
 * @param dim - vector length
 * @param kernel - `'wasm'` (default) or `'js'`
 * @param initialCapacity - rows to reserve
 */
export function createCpuIndex(
  dim: number,
  kernel: 'wasm' | 'js' = 'wasm',
  initialCapacity?: number,
): VectorIndex {
  return kernel === 'wasm' && wasmSimdSupported()
    ? new WasmFlatIndex({ dim, initialCapacity })
    : new CpuFlatIndex({ dim, initialCapacity });
}
