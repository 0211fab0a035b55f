import type { Embedder, LoadProgress } from '../embed/embedder';
import type { TransformersEmbedderOptions } from '../embed/transformers-embedder';
import type { UseLiteEmbedderOptions } from '../embed/use-lite-embedder';
import { EngramError, shown } from '../errors';
import { checkPositiveInt } from '../embed/util';
import { EMBEDDER_SPEC_OPTIONS } from './option-names';
import { checkOptionNames } from './validate';

/** How many model instances embed a large call (a spec option of the offline model). */
export interface ParallelEmbedding {
  /**
   * Model instances that embed a large `addMany` (or `embed`) in parallel: the engine's own and
   * `instances - 1` embedding Workers, started by the engine's Worker when such a call comes and
   * stopped after 30 s without one. Once a Worker runs on every core, the engine's own instance
   * leaves them the large calls (its thread writes and searches meanwhile); it embeds a large
   * call's first pieces while the Workers load, and single adds and searches. Default: one
   * Worker per core and the engine's own, at most 4 in all (3 on 2 cores); `1` keeps one. Each
   * further instance costs about 150 MB while it runs (measured in Chromium: a copy of the
   * weights and tfjs' wasm heap) and its model load. Only where the engine runs in its Worker
   * (the default); in the page (`worker: false`) and in Node there is one instance.
   */
  instances?: number;
}

/**
 * A serialisable description of an embedder, so the Worker can build it
 * (a live embedder object cannot cross the Worker boundary).
 */
export type EmbedderSpec =
  /** Universal Sentence Encoder Lite, 512-d, offline (the default). */
  | ({ type: 'use-lite' } & Omit<UseLiteEmbedderOptions, 'onLoadProgress'> & ParallelEmbedding)
  /** A transformers.js feature-extraction model from the app's path (or the hub, if allowed). */
  | ({ type: 'transformers' } & Omit<TransformersEmbedderOptions, 'onLoadProgress'>)
  /** Deterministic feature hashing, no model: for tests only. */
  | { type: 'hash'; dim?: number };

/**
 * The default of `instances`: an embedding Worker per core (`navigator.hardwareConcurrency`) and
 * the engine's own instance, at most 4 in all; 1 on a single core.
 * @example
 * defaultInstances(); // 3 on a 2-core machine
 */
export function defaultInstances(): number {
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency;
  const n = Number.isInteger(cores) ? cores! : 1;
  return n < 2 ? 1 : Math.min(n + 1, 4);
}

/** True in a dedicated Worker that can start Workers (where the engine's Worker runs). */
function inStartingWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; Worker?: unknown; location?: unknown };
  return g.WorkerGlobalScope !== undefined && typeof g.Worker === 'function' && !!g.location;
}

/**
 * Builds the embedder a spec describes (its model code is loaded only when used).
 * @param spec - the spec
 * @param onLoadProgress - progress of the model load
 * @param log - where an embedding Worker that fails to start is reported
 */
export async function createEmbedder(
  spec: EmbedderSpec,
  onLoadProgress?: (p: LoadProgress) => void,
  log?: (message: string) => void,
): Promise<Embedder> {
  const progress = onLoadProgress ? { onLoadProgress } : {};
  const type: unknown = spec?.type;
  if (typeof type === 'string' && Object.hasOwn(EMBEDDER_SPEC_OPTIONS, type))
    checkOptionNames(
      spec,
      EMBEDDER_SPEC_OPTIONS[type as EmbedderSpec['type']],
      'open',
      'embedder.',
    );
  switch (spec?.type) {
    case 'use-lite': {
      const { UseLiteEmbedder } = await import('../embed/use-lite-embedder');
      const { type: _type, instances: given, ...opts } = spec;
      if (given !== undefined) checkPositiveInt('embedder.instances', given);
      const instances = given ?? defaultInstances();
      const local = await UseLiteEmbedder.create({ ...opts, ...progress });
      if (instances < 2 || !inStartingWorker()) return local;
      const { EmbedPool } = await import('../embed/embed-pool');
      const { startEmbedWorker } = await import('../embed/embed-worker');
      return new EmbedPool(local, {
        instances,
        startHelper: () => startEmbedWorker({ ...spec, instances: 1 }),
        ...(log ? { log } : {}),
      });
    }
    case 'transformers': {
      const { TransformersEmbedder } = await import('../embed/transformers-embedder');
      const { type: _type, ...opts } = spec;
      return TransformersEmbedder.create({ ...opts, ...progress });
    }
    case 'hash': {
      const { HashEmbedder } = await import('../embed/hash-embedder');
      return new HashEmbedder(spec.dim === undefined ? {} : { dim: spec.dim });
    }
    default:
      throw new EngramError(
        'InvalidArgument',
        `unknown embedder type ${shown((spec as { type?: unknown } | undefined)?.type)}`,
      );
  }
}
