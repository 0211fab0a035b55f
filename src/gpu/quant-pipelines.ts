// Code-scan pipelines (int8, binary, fp16), one per device and variant,
// cached in a WeakMap; each pairs with the shared top-k merge pipeline and
// an every-row score pipeline (for coarse passes past 256 candidates).
import binarySrc from '../../shaders/binary-score.wgsl?raw';
import fp16Src from '../../shaders/fp16-score.wgsl?raw';
import int8Src from '../../shaders/int8-score.wgsl?raw';
import scanSrc from '../../shaders/quant-scan.wgsl?raw';
import scoresSrc from '../../shaders/quant-scores.wgsl?raw';
import keysSrc from '../../shaders/topk-keys.wgsl?raw';
import plainSortSrc from '../../shaders/topk-sort.wgsl?raw';
import { EngramError } from '../errors';
import { QUERY_BITS } from '../search/quant/binary';
import {
  shaderErrors,
  sortKey,
  sortVariant,
  topKPipelines,
  type SortOptions,
  type SortVariant,
  type TopKPipelines,
} from './pipelines';

/** A code mode the GPU scans directly. */
export type CodeScanMode = 'int8' | 'binary' | 'fp16';

/** The top-k scan and merge of a code mode, plus its every-row score kernel. */
export interface CodePipelines extends TopKPipelines {
  /** Writes every row's score (quant-scores.wgsl), for coarse passes past 256 candidates. */
  scores: GPUComputePipeline;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<CodePipelines>>>();

/** True when WGSL offers `dot4I8Packed` here. */
export function hasPackedDot(): boolean {
  const features =
    typeof navigator === 'undefined' ? undefined : navigator.gpu?.wgslLanguageFeatures;
  return features?.has('packed_4x8_integer_dot_product') ?? false;
}

/**
 * The WGSL of one code scan.
 * @param mode - the code
 * @param f16 - fp16 through `enable f16` (needs the device feature `shader-f16`)
 * @param packedDot - int8 through `dot4I8Packed`; false unpacks with extractBits
 * @param entry - `'scan'` (per-chunk top-k, quant-scan.wgsl) or `'scores'` (every row, quant-scores.wgsl)
 * @param sort - the top-k sort ({@link sortVariant}); default the barrier-only one
 * @example
 * device.createShaderModule({ code: codeScanWgsl('int8', false, true) });
 */
export function codeScanWgsl(
  mode: CodeScanMode,
  f16: boolean,
  packedDot: boolean,
  entry: 'scan' | 'scores' = 'scan',
  sort?: SortVariant,
): string {
  let prelude: string;
  let score: string;
  if (mode === 'int8') {
    score = int8Src;
    prelude = packedDot
      ? 'fn dot4(a: u32, b: u32) -> i32 { return dot4I8Packed(a, b); }'
      : `fn unpack4(a: u32) -> vec4<i32> {
  let s = i32(a);
  return vec4<i32>(extractBits(s, 0u, 8u), extractBits(s, 8u, 8u), extractBits(s, 16u, 8u), extractBits(s, 24u, 8u));
}
fn dot4(a: u32, b: u32) -> i32 { return dot(unpack4(a), unpack4(b)); }`;
  } else if (mode === 'binary') {
    score = binarySrc;
    prelude = `const QBITS: u32 = ${QUERY_BITS}u;`;
  } else {
    score = fp16Src;
    prelude = f16
      ? 'fn half2(x: u32) -> vec2<f32> { return vec2<f32>(bitcast<vec2<f16>>(x)); }'
      : 'fn half2(x: u32) -> vec2<f32> { return unpack2x16float(x); }';
  }
  // Directives first: `enable` must open the module.
  const enable = `${mode === 'fp16' && f16 ? 'enable f16;\n' : ''}${sort?.enable ?? ''}`;
  const sortWgsl = sort?.wgsl ?? `${keysSrc}\n${plainSortSrc}`;
  return `${enable}${prelude}\n${sortWgsl}\n${score}\n${entry === 'scan' ? scanSrc : scoresSrc}`;
}

async function compile(
  device: GPUDevice,
  mode: CodeScanMode,
  f16: boolean,
  sortOptions: SortOptions,
): Promise<CodePipelines> {
  const { merge } = await topKPipelines(device, sortOptions);
  const sort = sortVariant(device, sortOptions);
  const tags = `${f16 ? ' (shader-f16)' : ''}${sort.subgroups ? ' (subgroups)' : ''}`;
  const build = async (entry: 'scan' | 'scores'): Promise<GPUComputePipeline> => {
    // The every-row kernel sorts nothing: it takes the plain sort's constants only.
    const variant = entry === 'scan' ? sort : undefined;
    const module = device.createShaderModule({
      label: `engram quant-${entry} ${mode}${tags}`,
      code: codeScanWgsl(mode, f16, hasPackedDot(), entry, variant),
    });
    try {
      return await device.createComputePipelineAsync({
        label: `engram ${mode} code ${entry}${tags}`,
        layout: 'auto',
        compute: { module, entryPoint: entry, constants: variant?.constants ?? {} },
      });
    } catch (e) {
      const why = await shaderErrors(module);
      throw new EngramError('GpuUnavailable', `${mode} ${entry} failed to compile: ${why || e}`, {
        cause: e,
      });
    }
  };
  const [scan, scores] = await Promise.all([build('scan'), build('scores')]);
  return { scan, merge, scores, queriesPerGroup: 4, subgroups: sort.subgroups }; // QT of quant-scan.wgsl
}

/**
 * The scan + merge pipelines for a code mode on `device`, compiled on first use.
 * @param device - a live device
 * @param mode - the code
 * @param f16 - use `shader-f16` for fp16 (the device must have the feature)
 * @param sort - which top-k sort (default: with subgroups where the device has them)
 * @throws EngramError `GpuUnavailable` when compilation fails
 * @example
 * const pipelines = await codeScanPipelines(device, 'binary', false);
 */
export function codeScanPipelines(
  device: GPUDevice,
  mode: CodeScanMode,
  f16: boolean,
  sort: SortOptions = {},
): Promise<CodePipelines> {
  let byKey = cache.get(device);
  if (!byKey) {
    const fresh = new Map<string, Promise<CodePipelines>>();
    byKey = fresh;
    cache.set(device, fresh);
    void device.lost.then(() => cache.delete(device));
  }
  const key = `${mode}:${f16}:${sortKey(sort)}`;
  let entry = byKey.get(key);
  if (!entry) {
    const map = byKey;
    entry = compile(device, mode, f16, sort).catch((e: unknown) => {
      map.delete(key);
      throw e;
    });
    byKey.set(key, entry);
  }
  return entry;
}
