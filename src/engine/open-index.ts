// Builds the engine's vector index from its options: backend, stored form
// (index mode) and, later, the resident-memory budget.
import type { BackendChoice } from '../search/backend-choice';
import { createCpuIndex } from '../search/create-cpu-index';
import type { IndexModeOption } from '../search/index-mode';
import { TieredIndex } from '../search/tiered-index';
import { createVectorIndex, type ChosenIndex } from './vector-index-factory';

/** Options of the engine's vector index (`EngineOptions.index`, `Engram.open({ index })`). */
export interface IndexOptions {
  /**
   * How vectors are stored where they are scanned (default `'auto'`): `'fp32'` is
   * the exact flat index at any size; `'int8'`
   * (4× smaller), `'binary'` (32× smaller) and `'fp16'` (2× smaller) scan a
   * compact code and rescore the best candidates from 16-bit copies of the
   * vectors (no fp32 copy is kept), so the top results score within ≈ 1e-6 of
   * the exact inner products. `'ivf'` partitions the vectors into k-means
   * lists (trained from the stored vectors at 1 000, retrained each time they
   * double) and scans the `nprobe` nearest lists on the CPU: much faster past
   * ~20k vectors, recall@10 ≈ 0.98 rather than 1. `'auto'` (the default) scans
   * exactly below 20 000 vectors and is IVF past it, trained in the background
   * (exact throughout on WebGPU): `add()`'s consolidation look-up and the dense
   * stage then cost √N rather than N; choose `'fp32'` for exact answers at any size.
   * `info().indexMode` says which is in use.
   * @example
   * await Engram.open({ name: 'notes', index: { mode: 'int8' } });
   * await Engram.open({ name: 'notes', index: { mode: 'ivf', nprobe: 32 } });
   */
  mode?: IndexModeOption;
  /**
   * IVF lists a query scans (modes `'ivf'` and `'auto'`; default 24, 1–4096):
   * more is slower and closer to exact.
   */
  nprobe?: number;
}

/** The index options with the engine's memory budget. */
export interface EngineIndexOptions extends IndexOptions {
  /** Most bytes of resident (GPU) index rows; undefined: no budget, one flat tier. */
  gpuBudgetBytes?: number;
}

/** Everything the engine needs to (re)build its index. */
export interface IndexSpec {
  dim: number;
  backend: BackendChoice;
  index?: EngineIndexOptions;
  log: (message: string) => void;
}

/**
 * A fresh, empty index for the engine.
 * @param spec - dim, backend, index options, log
 * @example
 * const { index } = await openIndex({ dim: 384, backend: 'auto', index: { mode: 'binary' }, log });
 */
export async function openIndex(spec: IndexSpec): Promise<ChosenIndex> {
  const make = () =>
    createVectorIndex({
      dim: spec.dim,
      backend: spec.backend,
      log: spec.log,
      ...(spec.index?.mode ? { mode: spec.index.mode } : {}),
      ...(spec.index?.nprobe !== undefined ? { nprobe: spec.index.nprobe } : {}),
    });
  const chosen = await make();
  const budget = spec.index?.gpuBudgetBytes;
  if (budget === undefined) return chosen;
  const index = new TieredIndex({
    hot: chosen.index,
    cold: createCpuIndex(spec.dim),
    budgetBytes: budget,
    makeHot: async () => (await make()).index,
  });
  spec.log(`engram: resident index budget ${budget} bytes (${index.hotCapacity} vectors)`);
  return { ...chosen, index };
}
