// The top-k compute pipelines, compiled once per device and variant and cached
// in a WeakMap (a lost device drops its entry; a collected one frees it).
import keysSrc from '../../shaders/topk-keys.wgsl?raw';
import mergeSrc from '../../shaders/merge-topk.wgsl?raw';
import scanSrc from '../../shaders/scan-topk.wgsl?raw';
import subgroupSortSrc from '../../shaders/topk-sort-subgroups.wgsl?raw';
import sortSrc from '../../shaders/topk-sort.wgsl?raw';
import { EngramError } from '../errors';

/** Rows (scan) or candidates (merge) one workgroup sorts; see topk-keys.wgsl. */
export const CHUNK = 1024;

/** Bytes per uniform entry: params of each dispatch sit 256 B apart. */
export const UNIFORM_STRIDE = 256;

/** The two kernels of a top-k search. */
export interface TopKPipelines {
  /** Scores one shard against a batch of queries, keeps k per 1024-row chunk. */
  scan: GPUComputePipeline;
  /** Reduces candidate lists 1024 at a time to k. */
  merge: GPUComputePipeline;
  /** Queries one scan workgroup scores (QT of its shader): the dispatch's y size is ceil(nq / this). */
  queriesPerGroup: number;
  /** True when the kernels sort with subgroup operations (topk-sort-subgroups.wgsl). */
  subgroups: boolean;
}

/** Which sort the top-k kernels use; see {@link sortVariant}. */
export interface SortOptions {
  /**
   * Sort with subgroup operations where the device has the `subgroups`
   * feature (default true); false forces the barrier-only sort (tests run both).
   */
  subgroups?: boolean;
  /**
   * Largest subgroup span the subgroup sort uses (SPAN_CAP of
   * topk-sort-subgroups.wgsl; default 128, the WGSL maximum subgroup size).
   * Tests lower it to run the split points of smaller subgroups.
   */
  maxSpan?: number;
}

/** A sort chosen for a device: whether it uses subgroups, and its WGSL. */
export interface SortVariant {
  /** True for topk-sort-subgroups.wgsl. */
  subgroups: boolean;
  /** Directives that must open the module (`enable subgroups;` or empty). */
  enable: string;
  /** topk-keys.wgsl followed by the sort. */
  wgsl: string;
  /** Pipeline-overridable constants of the sort. */
  constants: Record<string, number>;
}

/** Queries per workgroup of scan-topk.wgsl (its QT). */
export const SCAN_QUERIES_PER_GROUP = 8;

/**
 * The sort the top-k kernels of `device` use: with subgroup operations when
 * the device has the `subgroups` feature and `options.subgroups` is not false.
 * @param device - the device the kernels compile on
 * @param options - see {@link SortOptions}
 * @example
 * const sort = sortVariant(device, {});
 * device.createShaderModule({ code: `${sort.enable}${sort.wgsl}\n${scanWgsl}` });
 */
export function sortVariant(device: GPUDevice, options: SortOptions = {}): SortVariant {
  const subgroups = (options.subgroups ?? true) && device.features.has('subgroups');
  if (!subgroups) return { subgroups, enable: '', wgsl: `${keysSrc}\n${sortSrc}`, constants: {} };
  return {
    subgroups,
    enable: 'enable subgroups;\n',
    wgsl: `${keysSrc}\n${subgroupSortSrc}`,
    constants: options.maxSpan === undefined ? {} : { SPAN_CAP: options.maxSpan },
  };
}

/** A cache key for the sort options. */
export function sortKey(options: SortOptions): string {
  return `${options.subgroups ?? true}:${options.maxSpan ?? ''}`;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<TopKPipelines>>>();

/** Compiler errors of a module, one line each (empty when it compiled). */
export async function shaderErrors(module: GPUShaderModule): Promise<string> {
  const info = await module.getCompilationInfo();
  return info.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${module.label}:${m.lineNum}:${m.linePos}: ${m.message}`)
    .join('\n');
}

/**
 * Compiles a top-k scan (WGSL with the `scan` entry point; topk-keys.wgsl and
 * the sort are prepended) with the shared merge kernel.
 * @param device - a live device
 * @param scanWgsl - the scan's source, e.g. scan-topk.wgsl
 * @param queriesPerGroup - the scan's QT
 * @param sort - which sort (default: with subgroups where the device has them)
 * @throws EngramError `GpuUnavailable` when compilation fails
 * @example
 * const pipelines = await compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP);
 */
export async function compileTopK(
  device: GPUDevice,
  scanWgsl: string,
  queriesPerGroup: number,
  sort: SortOptions = {},
): Promise<TopKPipelines> {
  const variant = sortVariant(device, sort);
  const tag = variant.subgroups ? ' (subgroups)' : '';
  const scanModule = device.createShaderModule({
    label: `engram scan-topk.wgsl${tag}`,
    code: `${variant.enable}${variant.wgsl}\n${scanWgsl}`,
  });
  const mergeModule = device.createShaderModule({
    label: `engram merge-topk.wgsl${tag}`,
    code: `${variant.enable}${variant.wgsl}\n${mergeSrc}`,
  });
  try {
    const [scan, merge] = await Promise.all([
      device.createComputePipelineAsync({
        label: `engram topk scan${tag}`,
        layout: 'auto',
        compute: { module: scanModule, entryPoint: 'scan', constants: variant.constants },
      }),
      device.createComputePipelineAsync({
        label: `engram topk merge${tag}`,
        layout: 'auto',
        compute: { module: mergeModule, entryPoint: 'merge', constants: variant.constants },
      }),
    ]);
    return { scan, merge, queriesPerGroup, subgroups: variant.subgroups };
  } catch (e) {
    const why = (await shaderErrors(scanModule)) + (await shaderErrors(mergeModule));
    throw new EngramError('GpuUnavailable', `top-k pipelines failed to compile: ${why || e}`, {
      cause: e,
    });
  }
}

/**
 * The top-k pipelines of `device`, compiled on first use (0.6–2 s on a
 * software adapter) and shared by every index on that device that asks for
 * the same sort.
 * @param device - a live device
 * @param sort - which sort (default: with subgroups where the device has them)
 * @throws EngramError `GpuUnavailable` when compilation fails
 */
export function topKPipelines(device: GPUDevice, sort: SortOptions = {}): Promise<TopKPipelines> {
  let byKey = cache.get(device);
  if (!byKey) {
    const fresh = new Map<string, Promise<TopKPipelines>>();
    byKey = fresh;
    cache.set(device, fresh);
    void device.lost.then(() => cache.delete(device));
  }
  const key = sortKey(sort);
  let entry = byKey.get(key);
  if (!entry) {
    const map = byKey;
    entry = compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP, sort).catch((e: unknown) => {
      map.delete(key);
      throw e;
    });
    map.set(key, entry);
  }
  return entry;
}
