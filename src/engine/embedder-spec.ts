import type { Embedder, LoadProgress } from '../embed/embedder';
import type { TransformersEmbedderOptions } from '../embed/transformers-embedder';
import type { UseLiteEmbedderOptions } from '../embed/use-lite-embedder';
import { EngramError, isEngramError, shown } from '../errors';
import { USE_LITE_DIM, USE_LITE_ID } from '../embed/use-lite-id';
import { checkPositiveInt, hardwareCores } from '../embed/util';
import { EMBEDDER_SPEC_OPTIONS } from './option-names';
import { checkOptionNames } from './validate';

/** How many model instances embed a large call (a spec option of the offline model). */
export interface ParallelEmbedding {
  /**
   * Model instances, each in an embedding Worker that the engine's Worker starts (a copy of its
   * own script). The first is the engine's own: started at open, its model loading on another
   * core while the store opens, it embeds searches, single adds and small calls. The others
   * start when a large `addMany` (or `embed`) comes and share it out with the first (which
   * leaves it to them once they run on every core), and stop after 30 s without one. Default
   * `navigator.hardwareConcurrency`, at most 4; `1` keeps one model, in the engine's own Worker
   * (also where no Worker can be started). Each further instance costs about 150 MB while it
   * runs (measured in Chromium: a copy of the weights and tfjs' wasm heap) and its model load.
   * Only where the engine runs in its Worker (the default); in the page (`worker: false`) and
   * in Node there is one instance, in that thread.
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
 * The default of `instances`: the cores (`navigator.hardwareConcurrency`), at most 4.
 * @example
 * defaultInstances(); // 2 on a 2-core machine
 */
export function defaultInstances(): number {
  return Math.min(hardwareCores(), 4);
}

/**
 * Checks a spec's option names and the offline model's numbers, so that a bad option is
 * refused before anything opens (the model may load while the store opens).
 * @param spec - the spec
 * @throws EngramError `InvalidArgument`
 */
export function checkEmbedderSpec(spec: EmbedderSpec): void {
  const type: unknown = spec?.type;
  if (typeof type === 'string' && Object.hasOwn(EMBEDDER_SPEC_OPTIONS, type))
    checkOptionNames(
      spec,
      EMBEDDER_SPEC_OPTIONS[type as EmbedderSpec['type']],
      'open',
      'embedder.',
    );
  if (spec?.type !== 'use-lite') return;
  if (spec.instances !== undefined) checkPositiveInt('embedder.instances', spec.instances);
  if (spec.batchSize !== undefined) checkPositiveInt('batchSize', spec.batchSize);
  if (spec.batchTokens !== undefined) checkPositiveInt('batchTokens', spec.batchTokens);
}

/**
 * The id and dimension the embedder a spec describes will have, where they are known before
 * its model loads (the offline model); else undefined.
 * @example
 * knownIdentity({ type: 'use-lite' }); // { id: 'use-lite-512', dim: 512 }
 */
export function knownIdentity(spec: EmbedderSpec): { id: string; dim: number } | undefined {
  return spec?.type === 'use-lite' ? { id: USE_LITE_ID, dim: USE_LITE_DIM } : undefined;
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
  checkEmbedderSpec(spec);
  switch (spec?.type) {
    case 'use-lite': {
      const { type: _type, instances: given, ...opts } = spec;
      const instances = given ?? defaultInstances();
      const inThisThread = async () => {
        const { UseLiteEmbedder } = await import('../embed/use-lite-embedder');
        return UseLiteEmbedder.create({ ...opts, ...progress });
      };
      if (instances < 2 || !inStartingWorker()) return inThisThread();
      const { EmbedPool } = await import('../embed/embed-pool');
      const { embedderOf, startEmbedWorker } = await import('../embed/embed-worker');
      const one = { ...spec, instances: 1 };
      // The engine's own instance runs in an embedding Worker as well: its model loads on
      // another core while the store opens, and the engine's thread embeds nothing. Where no
      // Worker starts, it loads here.
      const apart = await startEmbedWorker(one, onLoadProgress).catch((e: unknown) => {
        if (!isEngramError(e, 'WorkerFailed')) throw e;
        log?.(`engram: the model loads in the engine's Worker (${String(e)})`);
        return undefined;
      });
      const local = apart ? embedderOf(apart, USE_LITE_ID, USE_LITE_DIM) : await inThisThread();
      return new EmbedPool(local, {
        instances,
        localApart: apart !== undefined,
        startHelper: (signal) => startEmbedWorker(one, undefined, signal),
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
