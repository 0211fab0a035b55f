// Picks the search backend: WebGPU where it is usable and faster, else the CPU twin.
// The factories that choose between GPU and CPU indexes live here, beside open-index.ts;
// src/search/ holds the contracts and the CPU indexes.
import { EngramError, shown } from '../errors';
import { requestGpu, type GpuAdapterSummary, type GpuContext } from '../gpu/device';
import { GpuFlatIndex } from '../gpu/gpu-index';
import { ResilientGpuIndex } from '../gpu/resilient-index';
import type { BackendChoice } from '../search/backend-choice';
import { CpuFlatIndex } from '../search/cpu-index';
import { createCpuIndex } from '../search/create-cpu-index';
import {
  AUTO_IVF_FROM,
  checkIndexMode,
  checkNprobe,
  IVF_FROM,
  type IndexMode,
  type IndexModeOption,
} from '../search/index-mode';
import { IvfIndex } from '../search/ivf-index';
import { QuantizedIndex, type CodeStoreFactory } from '../search/quant/quantized-index';
import type { VectorIndex } from '../search/vector-index';
import { wasmSimdSupported } from '../search/wasm/kernel';

/** Options of {@link createVectorIndex}. */
export interface CreateVectorIndexOptions {
  /** Vector length. */
  dim: number;
  /** Which backend (default `'auto'`). */
  backend?: BackendChoice;
  /** Receives one line per decision, device loss and recovery. */
  log?: (message: string) => void;
  /** Rows per GPU shard; default: the device's binding limit (tests force small shards). */
  shardRows?: number;
  /**
   * `'auto'` on a hardware adapter times a synthetic scan on both backends and
   * keeps the faster (default true); false picks WebGPU without timing.
   */
  calibrate?: boolean | CalibrationOptions;
  /**
   * The CPU index: `'wasm'` (default) is the WASM SIMD scan where the engine
   * has WebAssembly SIMD, else the JS loop; `'js'` forces the JS loop. Both
   * return the same hits and scores.
   */
  cpuKernel?: 'wasm' | 'js';
  /**
   * The stored form of the vectors (default `'auto'`; `'fp32'` is the exact flat index);
   * `'int8'`, `'binary'` and `'fp16'` build a QuantizedIndex on the chosen
   * backend (codes scanned, then a rescore from 16-bit CPU rows: no fp32 copy). fp16
   * runs its kernel only where the device has `shader-f16`, else its CPU twin.
   * `'ivf'` is the CPU IVF index (WASM SIMD) on any backend; `'auto'` is the
   * exact fp32 index on WebGPU and, on the CPU, an IVF index that scans
   * exactly below {@link AUTO_IVF_FROM} vectors.
   * @example
   * await createVectorIndex({ dim: 384, mode: 'binary' }); // 48 B/vector scanned
   */
  mode?: IndexModeOption;
  /** IVF lists scanned per query (modes `'ivf'` and `'auto'`; default 24). */
  nprobe?: number;
}

/**
 * A quantized index of `mode` with exact rescoring; its codes live in the GPU
 * code store for `'webgpu'` (its module loaded on first use), else in the CPU twin.
 * @param mode - a quantized mode (not `'fp32'`)
 * @param dim - vector length
 * @param backend - where the codes are scanned
 * @param gpu - the device for `'webgpu'`; default: the shared one
 * @param shardRows - rows per GPU shard (tests)
 * @throws EngramError `InvalidArgument` for a bad dim, `GpuUnavailable` for `'webgpu'` without a device
 * @example
 * const index = await createQuantizedIndex('binary', 384, 'cpu');
 */
export function createQuantizedIndex(
  mode: Exclude<IndexMode, 'fp32' | 'ivf'>,
  dim: number,
  backend: 'webgpu' | 'cpu',
  gpu?: GpuContext,
  shardRows?: number,
): Promise<QuantizedIndex> {
  const codes: CodeStoreFactory | undefined =
    backend === 'webgpu'
      ? async (codec) => {
          const { createGpuCodeStore } = await import('../gpu/code-store');
          return createGpuCodeStore(codec, { gpu, shardRows, label: 'engram' });
        }
      : undefined;
  return QuantizedIndex.create({ dim, mode, codes });
}

/** Size and budget of the `'auto'` calibration. */
export interface CalibrationOptions {
  /** Synthetic rows (default 20 000). */
  rows?: number;
  /** Time per backend for the timed queries, in ms (default 50). */
  budgetMs?: number;
  /** The CPU index timed (default `'wasm'` where available). */
  cpuKernel?: 'wasm' | 'js';
}

/** Median ms per single top-10 query over the synthetic rows. */
export interface Calibration {
  rows: number;
  gpuMs: number;
  cpuMs: number;
}

/** What {@link createVectorIndex} built, and why. */
export interface ChosenIndex {
  /** The index; `index.kind` can turn to `'cpu'` later if the device is lost. */
  index: VectorIndex;
  /** The backend chosen now. */
  backend: 'webgpu' | 'cpu';
  /** The stored form of the vectors, as asked (`'auto'` and `'ivf'` report theirs through `indexFootprint`). */
  mode: IndexModeOption;
  /** One line for people: why this backend. */
  reason: string;
  /** The WebGPU adapter, when there was one. */
  adapter?: GpuAdapterSummary;
  /** The timings behind an `'auto'` choice, when calibrated. */
  calibration?: Calibration;
}

/**
 * Builds a {@link VectorIndex} on the chosen backend. `'auto'`: no adapter →
 * CPU; software adapter (fallback, SwiftShader) → CPU, slower than JS;
 * otherwise a ~100 ms calibration keeps the faster. The WebGPU index keeps a
 * CPU mirror and answers from it if the device is lost. In Node (no
 * `navigator.gpu`) the result is the CPU index.
 *
 * @param options - see {@link CreateVectorIndexOptions}
 * @throws EngramError `GpuUnavailable` for `'webgpu'` without a usable device,
 *   `InvalidArgument` for an unknown backend or bad dim
 * @example
 * const { index, backend, reason } = await createVectorIndex({ dim: 384, log: console.info });
 * await index.write(0, vectors);
 * const [hits] = await index.search(query, 10);
 */
export async function createVectorIndex(options: CreateVectorIndexOptions): Promise<ChosenIndex> {
  const { dim, shardRows } = options;
  const backend = options.backend ?? 'auto';
  const log = options.log ?? (() => {});
  if (!['auto', 'webgpu', 'cpu'].includes(backend)) {
    throw new EngramError('InvalidArgument', `unknown backend ${shown(backend)}`);
  }
  const mode = checkIndexMode(options.mode);
  const nprobe = checkNprobe(options.nprobe, mode);
  const cpu = async (reason: string, adapter?: GpuAdapterSummary, calibration?: Calibration) => {
    let index: VectorIndex;
    if (mode === 'ivf' || mode === 'auto') {
      const ivf = options.cpuKernel !== 'js' && wasmSimdSupported();
      if (!ivf) reason += `; index mode ${mode} without WebAssembly SIMD is an exact JS scan`;
      index = ivf
        ? new IvfIndex({
            dim,
            probes: nprobe,
            flatBelow: mode === 'ivf' ? IVF_FROM : AUTO_IVF_FROM,
            // Training 20k+ rows takes seconds: searches go on (exact, or on the old lists) meanwhile.
            backgroundFrom: AUTO_IVF_FROM,
          })
        : createCpuIndex(dim, 'js');
    } else if (mode === 'fp32') index = createCpuIndex(dim, options.cpuKernel);
    else index = await createQuantizedIndex(mode, dim, 'cpu');
    log(`engram: CPU search (${reason})`);
    return {
      index,
      backend: 'cpu' as const,
      mode,
      reason,
      adapter,
      calibration,
    };
  };
  const webgpu = async (gpu: GpuContext, reason: string, calibration?: Calibration) => {
    if (mode === 'ivf') return cpu(`${reason}; index mode ivf runs on the CPU`, gpu.info);
    if (mode === 'fp16' && !gpu.device.features.has('shader-f16')) {
      return cpu(`${reason}; fp16 without shader-f16 runs on its CPU twin`, gpu.info, calibration);
    }
    const index =
      mode === 'fp32' || mode === 'auto'
        ? await ResilientGpuIndex.create({ dim, gpu, shardRows, log })
        : await createQuantizedIndex(mode, dim, 'webgpu', gpu, shardRows);
    if (mode === 'auto') reason += '; index mode auto scans exactly on WebGPU';
    log(`engram: WebGPU search (${reason})`);
    return { index, backend: 'webgpu' as const, mode, reason, adapter: gpu.info, calibration };
  };
  if (backend === 'cpu') return cpu('backend: cpu requested');
  // No GPU IVF: the CPU one, whatever the backend asked for.
  if (mode === 'ivf') return cpu(`index mode ivf runs on the CPU (backend ${backend})`);
  new CpuFlatIndex({ dim }); // validates dim before touching the GPU
  const { gpu, reason } = await requestGpu();
  if (backend === 'webgpu') {
    if (!gpu) throw new EngramError('GpuUnavailable', `backend 'webgpu' requested: ${reason}`);
    return webgpu(gpu, `backend: webgpu requested; ${reason}`);
  }
  if (!gpu) return cpu(`no WebGPU: ${reason}`);
  const name = gpu.info.architecture || gpu.info.vendor || 'unknown';
  if (gpu.info.software) return cpu(`software adapter (${name}), slower than JS`, gpu.info);
  if (options.calibrate === false) return webgpu(gpu, `hardware adapter (${name})`);
  let cal: Calibration;
  try {
    const calOptions = options.calibrate === true ? {} : (options.calibrate ?? {});
    cal = await calibrate(gpu, dim, { cpuKernel: options.cpuKernel, ...calOptions });
  } catch (e) {
    return cpu(`WebGPU calibration failed: ${String(e)}`, gpu.info);
  }
  const timing = `${cal.gpuMs.toFixed(2)} ms WebGPU vs ${cal.cpuMs.toFixed(2)} ms CPU per query on ${cal.rows} rows`;
  return cal.gpuMs < cal.cpuMs
    ? webgpu(gpu, `adapter ${name} is faster: ${timing}`, cal)
    : cpu(`adapter ${name} is slower: ${timing}`, gpu.info, cal);
}

/**
 * Times single top-10 queries over synthetic rows on both backends.
 * @param gpu - the device to time
 * @param dim - vector length
 * @param options - rows and time budget
 */
export async function calibrate(
  gpu: GpuContext,
  dim: number,
  options: CalibrationOptions = {},
): Promise<Calibration> {
  const rows = options.rows ?? 20_000;
  const budget = options.budgetMs ?? 50;
  let seed = 12345;
  const data = new Float32Array(rows * dim).map(() => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  });
  const query = data.slice(0, dim);
  const g = await GpuFlatIndex.create({ dim, gpu });
  const c = createCpuIndex(dim, options.cpuKernel, rows);
  try {
    await g.write(0, data);
    await c.write(0, data);
    const time = async (index: VectorIndex): Promise<number> => {
      await index.search(query, 10); // warm-up: first dispatch, JIT
      const runs: number[] = [];
      const until = performance.now() + budget;
      while (runs.length < 3 || (performance.now() < until && runs.length < 50)) {
        const t0 = performance.now();
        await index.search(query, 10);
        runs.push(performance.now() - t0);
      }
      runs.sort((a, b) => a - b);
      return runs[runs.length >> 1]!;
    };
    return { rows, gpuMs: await time(g), cpuMs: await time(c) };
  } finally {
    g.dispose();
    c.dispose();
  }
}
