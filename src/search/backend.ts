// PLACEHOLDER (lead): CPU-only until the GPU helper lands the real backend selection.
import { CpuFlatIndex } from './cpu-index';
import type { VectorIndex } from './vector-index';

/** Which search backend to use. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

/** Creates the vector index for a backend choice. */
export async function createVectorIndex(options: {
  dim: number;
  backend: BackendChoice;
  log?: (m: string) => void;
}): Promise<{ index: VectorIndex; backend: 'webgpu' | 'cpu'; reason: string }> {
  return { index: new CpuFlatIndex({ dim: options.dim }), backend: 'cpu', reason: 'placeholder' };
}
