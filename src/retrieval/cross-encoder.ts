// A cross-encoder reranker: a transformers.js sequence-classification model that reads the query
// and a memory's text together and gives one relevance logit per pair, on WebGPU or wasm.
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import type { LoadProgress } from '../embed/embedder';
import {
  pickDevice,
  progressMapper,
  withTransformersEnv,
  type TransformersDtype,
  type TransformersSource,
} from '../embed/transformers-env';
import { checkPositiveInt, checkTexts, lengthBatches, throwIfAborted } from '../embed/util';
import { EngramError } from '../errors';

/**
 * What loads a cross-encoder: the model and where it comes from. Serialisable (it crosses the
 * Worker boundary inside search options).
 * @example
 * const load: CrossEncoderLoadOptions = { model: 'ms-marco-MiniLM-L-6-v2', localModelPath: '/models/' };
 */
export interface CrossEncoderLoadOptions extends TransformersSource {
  /** Model id: a folder under `localModelPath` (`config.json`, `tokenizer*.json`, `onnx/model*.onnx`), or a hub id with `allowRemote`. */
  model: string;
  /** `'webgpu'`, `'wasm'`, or `'auto'` (default): WebGPU when the browser offers an adapter, else wasm. */
  device?: 'auto' | 'webgpu' | 'wasm';
  /** Weight format (default `'fp32'`, file `onnx/model.onnx`); `'q8'` loads `onnx/model_quantized.onnx`. */
  dtype?: TransformersDtype;
  /** Pairs per model call (default 16). */
  batchSize?: number;
  /** Tokens per pair, longer pairs are cut at the end (default 512). */
  maxLength?: number;
}

/**
 * Options of {@link CrossEncoderReranker.create}; only `model` is required.
 * @example
 * const options: CrossEncoderOptions = { model: 'bge-reranker-base', device: 'wasm', dtype: 'q8' };
 */
export interface CrossEncoderOptions extends CrossEncoderLoadOptions {
  /** Called as the model loads: bytes per file, `init` once the weights are in, then `ready`. */
  onLoadProgress?: (p: LoadProgress) => void;
}

/** Options of one {@link CrossEncoderReranker.score} call. */
export interface ScoreOptions {
  /** Aborts the call (checked between batches); it then rejects with an `Aborted` Engram error. */
  signal?: AbortSignal;
  /** Called after each batch (`done` of `total` texts). */
  onProgress?: (p: { done: number; total: number }) => void;
}

type Device = 'webgpu' | 'wasm' | 'cpu';

/**
 * Scores (query, text) pairs with a transformers.js cross-encoder (BERT-like
 * `*ForSequenceClassification` with one label, e.g. ms-marco-MiniLM-L-6-v2 or bge-reranker), on
 * WebGPU or wasm. By default it reads the model only from the app's own URL (`localModelPath`),
 * never from the hub, and onnxruntime's wasm from `/engram/ort/`.
 *
 * @example
 * const reranker = await CrossEncoderReranker.create({ model: 'ms-marco-MiniLM-L-6-v2' });
 * const logits = await reranker.score('where does Ada live?', ['Ada: I moved to Oslo', 'Bo: hi']);
 * // logits[0] > logits[1]: higher is more relevant
 */
export class CrossEncoderReranker {
  /** `cross-encoder:<model>:<dtype>`. */
  readonly id: string;
  /** The device the model runs on. */
  readonly device: Device;
  private model: PreTrainedModel | undefined;
  private readonly tokenizer: PreTrainedTokenizer;
  private readonly batchSize: number;
  private readonly maxLength: number;

  private constructor(
    id: string,
    device: Device,
    tokenizer: PreTrainedTokenizer,
    model: PreTrainedModel,
    batchSize: number,
    maxLength: number,
  ) {
    this.id = id;
    this.device = device;
    this.tokenizer = tokenizer;
    this.model = model;
    this.batchSize = batchSize;
    this.maxLength = maxLength;
  }

  /**
   * Loads the tokenizer and the model and checks that it gives one logit per pair.
   * @param options - model, where it is, device, dtype, batching, progress
   * @returns the ready reranker
   * @throws EngramError `ModelLoadFailed` (missing or unreadable files, a runtime that does not
   *   start, or a model with more than one label), `InvalidArgument` (bad options)
   * @example
   * const r = await CrossEncoderReranker.create({ model: 'tiny', localModelPath: '/models/', device: 'wasm' });
   */
  static async create(options: CrossEncoderOptions): Promise<CrossEncoderReranker> {
    if (typeof options?.model !== 'string' || options.model === '') {
      throw new EngramError('InvalidArgument', 'CrossEncoderReranker needs a model id.');
    }
    const batchSize = options.batchSize ?? 16;
    checkPositiveInt('batchSize', batchSize);
    const maxLength = options.maxLength ?? 512;
    checkPositiveInt('maxLength', maxLength);
    const dtype = options.dtype ?? 'fp32';
    const device = await pickDevice(options.device ?? 'auto');
    const fail = (message: string, cause?: unknown, details?: Record<string, unknown>) =>
      new EngramError('ModelLoadFailed', message, {
        cause,
        details: { model: options.model, device, dtype, ...details },
      });
    let loaded: { tokenizer: PreTrainedTokenizer; model: PreTrainedModel };
    try {
      loaded = await withTransformersEnv(options, async (t) => {
        const progress_callback = progressMapper(options.onLoadProgress);
        const tokenizer = await t.AutoTokenizer.from_pretrained(options.model, {
          progress_callback,
        });
        const model = await t.AutoModelForSequenceClassification.from_pretrained(options.model, {
          device,
          dtype,
          progress_callback,
        });
        return { tokenizer, model };
      });
    } catch (e) {
      throw fail(
        `Could not load cross-encoder ${options.model} (${device}, ${dtype}): ${String(e)}`,
        e,
      );
    }
    const id = `cross-encoder:${options.model}:${dtype}`;
    const r = new CrossEncoderReranker(
      id,
      device,
      loaded.tokenizer,
      loaded.model,
      batchSize,
      maxLength,
    );
    // One tiny call checks the output: one logit per pair. A model that fails it is released.
    try {
      await r.score('a', ['a']);
    } catch (e) {
      await r.dispose().catch(() => undefined);
      if (e instanceof EngramError && e.code === 'ModelLoadFailed') throw e;
      throw fail(`Cross-encoder ${options.model} loaded but does not run: ${String(e)}`, e);
    }
    options.onLoadProgress?.({ stage: 'ready' });
    return r;
  }

  /**
   * Relevance logits of `(query, texts[i])`, in the order of `texts`; higher is more relevant.
   * @param query - the query (non-empty)
   * @param texts - the candidates' texts (each non-empty); none gives an empty array
   * @param options - `signal` (checked between batches) and `onProgress` (after each batch)
   * @throws EngramError `EmptyText`, `InvalidArgument`, `Aborted`, `ModelLoadFailed` (disposed,
   *   or a model whose output is not one logit per pair)
   * @example
   * const logits = await reranker.score('cats', ['a cat sat', 'stock market'], { signal });
   */
  async score(
    query: string,
    texts: readonly string[],
    options: ScoreOptions = {},
  ): Promise<Float32Array> {
    checkTexts([query]);
    checkTexts(texts);
    const out = new Float32Array(texts.length);
    let done = 0;
    for (const batch of lengthBatches(texts, this.batchSize)) {
      throwIfAborted(options.signal);
      const model = this.model;
      if (!model) throw new EngramError('ModelLoadFailed', 'The cross-encoder was disposed.');
      const inputs = this.tokenizer(
        batch.map(() => query),
        {
          text_pair: batch.map((i) => texts[i]!),
          padding: true,
          truncation: true,
          max_length: this.maxLength,
        },
      );
      const { logits } = (await model(inputs)) as { logits: Tensor };
      const f32 = logits.type === 'float32' ? logits : logits.to('float32');
      const dims = [...f32.dims];
      const ok = dims.length === 2 && dims[0] === batch.length && dims[1] === 1;
      if (ok) batch.forEach((i, k) => (out[i] = (f32.data as Float32Array)[k]!));
      logits.dispose();
      if (f32 !== logits) f32.dispose();
      if (!ok) {
        throw new EngramError(
          'ModelLoadFailed',
          `Cross-encoder ${this.id} gives logits of shape [${dims.join(', ')}], not [${batch.length}, 1].`,
          { details: { shape: dims } },
        );
      }
      done += batch.length;
      options.onProgress?.({ done, total: texts.length });
    }
    return out;
  }

  /** Releases the model's session; later `score` calls reject. */
  async dispose(): Promise<void> {
    const m = this.model;
    this.model = undefined;
    await m?.dispose();
  }
}
