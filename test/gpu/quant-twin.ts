// Runs in the test page: a QuantizedIndex on WebGPU and its CPU twin on the
// same data and operations; returns plain arrays for the Node side.
import { requestGpu } from '../../src/gpu/device';
import { codeScanWgsl, hasPackedDot } from '../../src/gpu/quant-pipelines';
import type { QuantMode } from '../../src/search/quant/codec';
import { QuantizedIndex } from '../../src/search/quant/quantized-index';
import { rng, sixteenths } from '../search/fixtures';
import { clusteredRows } from '../search/quant-fixtures';
import type { PlainHits } from './twin';

/** What to build and ask. */
export interface QuantScenario {
  mode: QuantMode;
  rows: number;
  dim: number;
  data: 'sixteenths' | 'clustered';
  seed: number;
  /** Appends in this many batches (re-training happens as the store doubles). */
  batches: number;
  rescore: boolean;
  shardRows?: number;
  removeFraction?: number;
  allowFraction?: number;
  nq: number;
  ks: number[];
  /** PCA rank. */
  rank?: number;
}

/** Both answers plus facts about the run. */
export interface QuantTwinResult {
  gpu: PlainHits[];
  cpu: PlainHits[];
  errors: string[];
  /** Whether the fp16 kernel used shader-f16, and int8 dot4I8Packed. */
  f16: boolean;
  packedDot: boolean;
  residentBytesPerVector: number;
}

function plain(hits: { slots: Int32Array; scores: Float32Array }[]): PlainHits {
  return {
    slots: hits.map((h) => Array.from(h.slots)),
    scores: hits.map((h) => Array.from(h.scores)),
  };
}

/**
 * Builds both indexes, replays the scenario, returns both answers.
 * @param s - the scenario
 */
export async function runQuantTwin(s: QuantScenario): Promise<QuantTwinResult> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  const { device } = gpu;
  device.pushErrorScope('validation');
  const common = { dim: s.dim, mode: s.mode, rescore: s.rescore, rank: s.rank };
  const g = await QuantizedIndex.create({
    ...common,
    backend: 'webgpu',
    gpu,
    shardRows: s.shardRows,
  });
  const c = await QuantizedIndex.create({ ...common, backend: 'cpu' });
  const data =
    s.data === 'sixteenths'
      ? sixteenths(s.rows, s.dim, s.seed)
      : clusteredRows(s.rows, s.dim, s.seed);
  const step = Math.ceil(s.rows / s.batches);
  for (let first = 0; first < s.rows; first += step) {
    const chunk = data.subarray(first * s.dim, Math.min(s.rows, first + step) * s.dim);
    await g.write(first, chunk);
    await c.write(first, chunk);
  }
  const r = rng(s.seed + 1);
  const removed = Array.from({ length: s.rows }, (_, i) => i).filter(
    () => r() < (s.removeFraction ?? 0),
  );
  g.remove(removed);
  c.remove(removed);
  const allow =
    s.allowFraction === undefined
      ? undefined
      : new Uint8Array(s.rows - 3).map(() => (r() < s.allowFraction! ? 1 : 0));
  const queries =
    s.data === 'sixteenths'
      ? sixteenths(s.nq, s.dim, s.seed + 2)
      : clusteredRows(s.nq, s.dim, s.seed + 2);
  for (let q = 0; q < s.nq; q += 2) {
    const row = Math.floor(r() * s.rows);
    queries.set(data.subarray(row * s.dim, (row + 1) * s.dim), q * s.dim);
  }
  const gpuHits: PlainHits[] = [];
  const cpuHits: PlainHits[] = [];
  for (const k of s.ks) {
    gpuHits.push(plain(await g.search(queries, k, allow)));
    cpuHits.push(plain(await c.search(queries, k, allow)));
  }
  const error = await device.popErrorScope();
  const result = {
    gpu: gpuHits,
    cpu: cpuHits,
    errors: error ? [error.message] : [],
    f16: device.features.has('shader-f16'),
    packedDot: hasPackedDot(),
    residentBytesPerVector: g.residentBytesPerVector,
  };
  g.dispose();
  c.dispose();
  return result;
}

/**
 * Compiles a code-scan variant on its own (e.g. the int8 fallback without
 * dot4I8Packed) and returns the compiler's error lines.
 * @param mode - the code
 * @param f16 - the shader-f16 variant
 * @param packedDot - int8 through dot4I8Packed
 */
export async function compileErrors(
  mode: 'int8' | 'binary' | 'fp16',
  f16: boolean,
  packedDot: boolean,
): Promise<string[]> {
  const { gpu } = await requestGpu();
  const module = gpu!.device.createShaderModule({
    label: `test ${mode}`,
    code: codeScanWgsl(mode, f16, packedDot),
  });
  const info = await module.getCompilationInfo();
  return info.messages.filter((m) => m.type === 'error').map((m) => m.message);
}
