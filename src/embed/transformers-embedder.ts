// Any transformers.js feature-extraction model (mean pooling, normalised), on WebGPU or wasm.
import type { FeatureExtractionPipeline } from '@huggingface/transformers';
import { EngramError } from '../errors';
import type { EmbedOptions, Embedder, LoadProgress } from './embedder';
import {
  pickDevice,
  progressMapper,
  withTransformersEnv,
  type TransformersDtype,
} from './transformers-env';
import { checkPositiveInt, checkTexts, lengthBatches, throwIfAborted } from './util';

export { ORT_WASM_DEFAULT_URL, type TransformersDtype } from './transformers-env';

/**
 * Options of {@link TransformersEmbedder.create}; only `model` is required.
 * @example
 * const options: TransformersEmbedderOptions = { model: 'all-MiniLM-L6-v2', dtype: 'q8' };
 */
export interface TransformersEmbedderOptions {
  /** Model id: a folder under `localModelPath`, or a hub id such as `'Xenova/all-MiniLM-L6-v2'` with `allowRemote`. */
  model: string;
  /** URL (browser) or directory (Node) holding `<model>/{config.json, tokenizer.json, tokenizer_config.json, onnx/…}`; default `/models/`. */
  localModelPath?: string;
  /** Let transformers.js download from the Hugging Face hub (default false: the app's own files only). */
  allowRemote?: boolean;
  /** `'webgpu'`, `'wasm'`, or `'auto'` (default): WebGPU when the browser offers an adapter, else wasm. */
  device?: 'auto' | 'webgpu' | 'wasm';
  /** Weight format (default `'fp32'`, file `onnx/model.onnx`); `'q8'` loads `onnx/model_quantized.onnx`. */
  dtype?: TransformersDtype;
  /** Folder of onnxruntime-web's `ort-wasm-*.{mjs,wasm}` (default `/engram/ort/`, not the CDN). Browser only. */
  wasmPaths?: string;
  /** The dimension the caller expects; `create` rejects when the model gives another. */
  dim?: number;
  /** Texts per model call (default 32). */
  batchSize?: number;
  /** Called as the model loads: bytes per file, `init` once the weights are in, then `ready`. */
  onLoadProgress?: (p: LoadProgress) => void;
}

/**
 * Embeds with a transformers.js feature-extraction model (BERT-like sentence
 * encoders such as all-MiniLM-L6-v2), mean-pooled and L2-normalised, on
 * WebGPU or wasm. By default it reads the model only from the app's own URL
 * (`localModelPath`), never from the hub, and onnxruntime's wasm from `/engram/ort/`.
 *
 * @example
 * const embedder = await TransformersEmbedder.create({
 *   model: 'all-MiniLM-L6-v2',
 *   localModelPath: '/models/',
 *   onLoadProgress: (p) => show(p),
 * });
 * const [v] = await embedder.embed(['hello']); // v.length === embedder.dim
 */
export class TransformersEmbedder implements Embedder {
  /** `transformers:<model>:<dtype>`. */
  readonly id: string;
  /** Length of the model's vectors, read from the model at load. */
  readonly dim: number;
  /** The device the model runs on. */
  readonly device: 'webgpu' | 'wasm' | 'cpu';
  private extractor: FeatureExtractionPipeline | undefined;
  private readonly batchSize: number;

  private constructor(
    id: string,
    dim: number,
    device: 'webgpu' | 'wasm' | 'cpu',
    extractor: FeatureExtractionPipeline,
    batchSize: number,
  ) {
    this.id = id;
    this.dim = dim;
    this.device = device;
    this.extractor = extractor;
    this.batchSize = batchSize;
  }

  /**
   * Loads the model and measures its output dimension.
   * @param options - model, where it is, device, dtype, progress
   * @returns the ready embedder
   * @throws EngramError `ModelLoadFailed` (missing or unreadable files, a runtime that does not
   *   start, or a dimension other than `options.dim`), `InvalidArgument` (bad options)
   * @example
   * const e = await TransformersEmbedder.create({ model: 'bge-small', device: 'wasm', dtype: 'q8' });
   */
  static async create(options: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    if (typeof options?.model !== 'string' || options.model === '') {
      throw new EngramError('InvalidArgument', 'TransformersEmbedder needs a model id.');
    }
    const batchSize = options.batchSize ?? 32;
    checkPositiveInt('batchSize', batchSize);
    if (options.dim !== undefined) checkPositiveInt('dim', options.dim);
    const dtype = options.dtype ?? 'fp32';
    const device = await pickDevice(options.device ?? 'auto');
    return TransformersEmbedder.load(options, device, dtype, batchSize);
  }

  private static async load(
    options: TransformersEmbedderOptions,
    device: 'webgpu' | 'wasm' | 'cpu',
    dtype: TransformersDtype,
    batchSize: number,
  ): Promise<TransformersEmbedder> {
    const fail = (message: string, cause?: unknown, details?: Record<string, unknown>) =>
      new EngramError('ModelLoadFailed', message, {
        cause,
        details: { model: options.model, ...details },
      });
    let extractor: FeatureExtractionPipeline;
    try {
      extractor = await withTransformersEnv(options, ({ pipeline }) =>
        pipeline('feature-extraction', options.model, {
          device,
          dtype,
          progress_callback: progressMapper(options.onLoadProgress),
        }),
      );
    } catch (e) {
      throw fail(`Could not load model ${options.model} (${device}, ${dtype}): ${String(e)}`, e, {
        device,
        dtype,
      });
    }
    // One tiny call measures the output dimension; a model that fails it is released.
    let dim: number;
    try {
      const probe = await extractor(['a'], { pooling: 'mean', normalize: true });
      const dims = probe.dims;
      probe.dispose();
      if (dims.length !== 2 || !dims[1]) {
        throw fail(`Model ${options.model} gives vectors of shape [${dims.join(', ')}].`);
      }
      dim = dims[1];
      if (options.dim !== undefined && options.dim !== dim) {
        throw fail(
          `Model ${options.model} gives ${dim}-d vectors, not ${options.dim}.`,
          undefined,
          {
            expected: options.dim,
            actual: dim,
          },
        );
      }
    } catch (e) {
      await extractor.dispose().catch(() => undefined);
      if (e instanceof EngramError) throw e;
      throw fail(`Model ${options.model} loaded but does not run: ${String(e)}`, e);
    }
    options.onLoadProgress?.({ stage: 'ready' });
    const id = `transformers:${options.model}:${dtype}`;
    return new TransformersEmbedder(id, dim, device, extractor, batchSize);
  }

  /**
   * Embeds `texts`, one unit-length vector per text, in order.
   * @param texts - non-empty texts
   * @param options - `signal` (checked between batches) and `onProgress` (after each batch)
   * @throws EngramError `EmptyText`, `InvalidArgument`, `Aborted`
   * @example
   * const vectors = await embedder.embed(['first note', 'second note'], { signal });
   */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkTexts(texts);
    const out = new Array<Float32Array>(texts.length);
    let done = 0;
    for (const batch of lengthBatches(texts, this.batchSize)) {
      throwIfAborted(options.signal);
      const extractor = this.extractor;
      if (!extractor) throw new EngramError('ModelLoadFailed', 'The embedder was disposed.');
      const t = await extractor(
        batch.map((i) => texts[i]!),
        { pooling: 'mean', normalize: true },
      );
      const f32 = t.type === 'float32' ? t : t.to('float32');
      const data = f32.data as Float32Array;
      batch.forEach((i, k) => (out[i] = data.slice(k * this.dim, (k + 1) * this.dim)));
      t.dispose();
      if (f32 !== t) f32.dispose();
      done += batch.length;
      options.onProgress?.({ done, total: texts.length });
    }
    return out;
  }

  /** Releases the model's session; later `embed` calls reject. */
  async dispose(): Promise<void> {
    const e = this.extractor;
    this.extractor = undefined;
    await e?.dispose();
  }
}
