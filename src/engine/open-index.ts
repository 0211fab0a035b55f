// Builds the engine's vector index from its options: backend, stored form
// (index mode) and, later, the resident-memory budget.
import { createVectorIndex, type BackendChoice, type ChosenIndex } from '../search/backend';
import type { IndexMode } from '../search/index-mode';

/** Options of the engine's vector index (`EngineOptions.index`, `Engram.open({ index })`). */
export interface IndexOptions {
  /**
   * How vectors are stored where they are scanned (default `'fp32'`): `'int8'`
   * (4× smaller), `'binary'` (32× smaller) and `'fp16'` (2× smaller) scan a
   * compact code and rescore the best candidates exactly, so the top results
   * stay exact inner products.
   * @example
   * await Engram.open({ name: 'notes', index: { mode: 'int8' } });
   */
  mode?: IndexMode;
}

/** Everything the engine needs to (re)build its index. */
export interface IndexSpec {
  dim: number;
  backend: BackendChoice;
  index?: IndexOptions;
  log: (message: string) => void;
}

/**
 * A fresh, empty index for the engine.
 * @param spec - dim, backend, index options, log
 * @example
 * const { index } = await openIndex({ dim: 384, backend: 'auto', index: { mode: 'binary' }, log });
 */
export function openIndex(spec: IndexSpec): Promise<ChosenIndex> {
  return createVectorIndex({
    dim: spec.dim,
    backend: spec.backend,
    log: spec.log,
    ...(spec.index?.mode ? { mode: spec.index.mode } : {}),
  });
}
