// What every transformers.js model load shares: transformers.js' global `env` (where models and
// onnxruntime's wasm come from), set for one load at a time; the device choice; load progress.
import type { ProgressInfo } from '@huggingface/transformers';
import type { LoadProgress } from './embedder';
import { absoluteUrl, isNode } from './util';

/**
 * Where the dev server (and an app that copies them) serves onnxruntime-web's wasm binaries.
 * @example
 * await TransformersEmbedder.create({ model: 'm', wasmPaths: ORT_WASM_DEFAULT_URL });
 */
export const ORT_WASM_DEFAULT_URL = '/engram/ort/';

/**
 * Weight formats of transformers.js: which `onnx/model_<suffix>.onnx` file is loaded.
 * @example
 * const dtype: TransformersDtype = 'q8'; // onnx/model_quantized.onnx
 */
export type TransformersDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';

/**
 * Where a transformers.js model load may read from.
 * @example
 * const where: TransformersSource = { localModelPath: '/models/', allowRemote: false };
 */
export interface TransformersSource {
  /** URL (browser) or directory (Node) holding `<model>/{config.json, tokenizer.json, …, onnx/…}`; default `/models/`. */
  localModelPath?: string;
  /** Let transformers.js download from the Hugging Face hub (default false: the app's own files only). */
  allowRemote?: boolean;
  /** Folder of onnxruntime-web's `ort-wasm-*.{mjs,wasm}` (default `/engram/ort/`, not the CDN). Browser only. */
  wasmPaths?: string;
}

// transformers.js' `env` is global: one load configures it at a time.
let loading: Promise<unknown> = Promise.resolve();

/**
 * Runs `load` with transformers.js' `env` set to `source`, after any load already running
 * (embedders and rerankers alike), so two loads never read each other's settings.
 * @param source - where models and onnxruntime's wasm come from
 * @param load - the load, given the transformers.js module
 * @returns what `load` returns
 * @example
 * const tok = await withTransformersEnv({ localModelPath: '/models/' }, (t) =>
 *   t.AutoTokenizer.from_pretrained('tiny'),
 * );
 */
export function withTransformersEnv<T>(
  source: TransformersSource,
  load: (transformers: typeof import('@huggingface/transformers')) => Promise<T>,
): Promise<T> {
  const run = loading.then(async () => {
    const transformers = await import('@huggingface/transformers');
    const { env } = transformers;
    const remote = source.allowRemote ?? false;
    env.allowRemoteModels = remote;
    env.allowLocalModels = !remote || source.localModelPath !== undefined;
    env.localModelPath = source.localModelPath ?? '/models/';
    const wasm = env.backends.onnx.wasm;
    if (!isNode() && wasm) wasm.wasmPaths = absoluteUrl(source.wasmPaths ?? ORT_WASM_DEFAULT_URL);
    return load(transformers);
  });
  loading = run.catch(() => undefined);
  return run;
}

/**
 * The device a model runs on: `'auto'` is WebGPU when the browser offers an adapter, else wasm
 * (in Node, onnxruntime-node's CPU).
 * @param device - what the caller asked for
 * @example
 * const device = await pickDevice('auto'); // 'webgpu' | 'wasm' | 'cpu'
 */
export async function pickDevice(
  device: 'auto' | 'webgpu' | 'wasm',
): Promise<'webgpu' | 'wasm' | 'cpu'> {
  if (device !== 'auto') return device;
  if (isNode()) return 'cpu';
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  return adapter ? 'webgpu' : 'wasm';
}

/**
 * Maps transformers.js' progress events to {@link LoadProgress}: bytes per file, then `init`
 * once the `.onnx` weights are in. Stages only move forward.
 * @param onLoad - the caller's callback, if any
 * @example
 * await AutoModel.from_pretrained(id, { progress_callback: progressMapper(onLoadProgress) });
 */
export function progressMapper(
  onLoad: ((p: LoadProgress) => void) | undefined,
): (info: ProgressInfo) => void {
  let initSent = false;
  return (info: ProgressInfo): void => {
    if (!onLoad) return;
    // Files load in parallel: a late byte count of another file after the model
    // finished would make the stages go backwards, so stages only move forward.
    if (info.status === 'progress' && !initSent) {
      onLoad({ stage: 'download', file: info.file, loaded: info.loaded, total: info.total });
    } else if (info.status === 'done' && info.file.endsWith('.onnx') && !initSent) {
      initSent = true;
      onLoad({ stage: 'init', file: info.file });
    }
  };
}
