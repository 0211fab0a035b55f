import type { Embedder, LoadProgress } from '../embed/embedder';
import type { TransformersEmbedderOptions } from '../embed/transformers-embedder';
import type { UseLiteEmbedderOptions } from '../embed/use-lite-embedder';
import { EngramError, shown } from '../errors';
import { EMBEDDER_SPEC_OPTIONS } from './option-names';
import { checkOptionNames } from './validate';

/**
 * A serialisable description of an embedder, so the Worker can build it
 * (a live embedder object cannot cross the Worker boundary).
 */
export type EmbedderSpec =
  /** Universal Sentence Encoder Lite, 512-d, offline (the default). */
  | ({ type: 'use-lite' } & Omit<UseLiteEmbedderOptions, 'onLoadProgress'>)
  /** A transformers.js feature-extraction model from the app's path (or the hub, if allowed). */
  | ({ type: 'transformers' } & Omit<TransformersEmbedderOptions, 'onLoadProgress'>)
  /** Deterministic feature hashing, no model: for tests only. */
  | { type: 'hash'; dim?: number };

/** Builds the embedder a spec describes (its model code is loaded only when used). */
export async function createEmbedder(
  spec: EmbedderSpec,
  onLoadProgress?: (p: LoadProgress) => void,
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
      const { type: _type, ...opts } = spec;
      return UseLiteEmbedder.create({ ...opts, ...progress });
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
