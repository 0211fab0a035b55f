// The top-k compute pipelines, compiled once per device and cached in a
// WeakMap (a lost device drops its entry; a collected one frees it).
import mergeSrc from '../../shaders/merge-topk.wgsl?raw';
import scanSrc from '../../shaders/scan-topk.wgsl?raw';
import sortSrc from '../../shaders/topk-sort.wgsl?raw';
import { EngramError } from '../errors';

/** Rows (scan) or candidates (merge) one workgroup sorts; see topk-sort.wgsl. */
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
}

/** Queries per workgroup of scan-topk.wgsl (its QT). */
export const SCAN_QUERIES_PER_GROUP = 8;

const cache = new WeakMap<GPUDevice, Promise<TopKPipelines>>();

/** Compiler errors of a module, one line each (empty when it compiled). */
async function shaderErrors(module: GPUShaderModule): Promise<string> {
  const info = await module.getCompilationInfo();
  return info.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${module.label}:${m.lineNum}:${m.linePos}: ${m.message}`)
    .join('\n');
}

/**
 * Compiles a top-k scan (WGSL with the `scan` entry point; topk-sort.wgsl is
 * prepended) with the shared merge kernel.
 * @param device - a live device
 * @param scanWgsl - the scan's source, e.g. scan-topk.wgsl
 * @param queriesPerGroup - the scan's QT
 * @throws EngramError `GpuUnavailable` when compilation fails
 * @example
 * const pipelines = await compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP);
 */
export async function compileTopK(
  device: GPUDevice,
  scanWgsl: string,
  queriesPerGroup: number,
): Promise<TopKPipelines> {
  const scanModule = device.createShaderModule({
    label: 'engram scan-topk.wgsl',
    code: `${sortSrc}\n${scanWgsl}`,
  });
  const mergeModule = device.createShaderModule({
    label: 'engram merge-topk.wgsl',
    code: `${sortSrc}\n${mergeSrc}`,
  });
  try {
    const [scan, merge] = await Promise.all([
      device.createComputePipelineAsync({
        label: 'engram topk scan',
        layout: 'auto',
        compute: { module: scanModule, entryPoint: 'scan' },
      }),
      device.createComputePipelineAsync({
        label: 'engram topk merge',
        layout: 'auto',
        compute: { module: mergeModule, entryPoint: 'merge' },
      }),
    ]);
    return { scan, merge, queriesPerGroup };
  } catch (e) {
    const why = (await shaderErrors(scanModule)) + (await shaderErrors(mergeModule));
    throw new EngramError('GpuUnavailable', `top-k pipelines failed to compile: ${why || e}`, {
      cause: e,
    });
  }
}

/**
 * The top-k pipelines of `device`, compiled on first use (0.6–2 s on a
 * software adapter) and shared by every index on that device.
 * @param device - a live device
 * @throws EngramError `GpuUnavailable` when compilation fails
 */
export function topKPipelines(device: GPUDevice): Promise<TopKPipelines> {
  let entry = cache.get(device);
  if (!entry) {
    entry = compileTopK(device, scanSrc, SCAN_QUERIES_PER_GROUP).catch((e: unknown) => {
      cache.delete(device);
      throw e;
    });
    cache.set(device, entry);
    void device.lost.then(() => cache.delete(device));
  }
  return entry;
}
