// Settings of the example's engine.
import type { EmbedderSpec } from '../../../src/index';

/** The embedder: the offline USE-lite model, packaged in the extension under engram/use-lite/. */
export const EMBEDDER: EmbedderSpec = { type: 'use-lite' };

/** The IndexedDB store of the extension's memories. */
export const STORE_NAME = 'engram-extension';

/** Every memory belongs to this one user: the browser's owner. */
export const SCOPE = { userId: 'me' } as const;
