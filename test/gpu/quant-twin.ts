// Runs in the test page: a QuantizedIndex on WebGPU and its CPU twin on the
// same data and operations; returns plain arrays for the Node side.
import { createGpuCodeStore, type GpuCodeStore } from '../../src/gpu/code-store';
import { requestGpu } from '../../src/gpu/device';
import { sortVariant } from '../../src/gpu/pipelines';
import { codeScanWgsl, hasPackedDot } from '../../src/gpu/quant-pipelines';
import type { QuantMode } from '../../src/search/quant/codec';
import { QuantizedIndex } from '../../src/search/quant/quantized-index';
import { rng, sixteenths } from '../search/fixtures';
import { clusteredRows } from '../search/quant-fixtures';
import { plainHits, writeInBatches, type PlainHits } from './twin';

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
  /** false forces the barrier-only top-k sort (default: subgroups where offered). */
  subgroups?: boolean;
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
  /** The GPU code store sorted with subgroup operations. */
  subgroups: boolean;
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
  const common = { dim: s.dim, mode: s.mode, rescore: s.rescore };
  let subgroups = false;
  const g = await QuantizedIndex.create({
    ...common,
    codes: async (codec) => {
      const store = await createGpuCodeStore(codec, {
        gpu,
        shardRows: s.shardRows,
        subgroups: s.subgroups,
      });
      subgroups = (store as GpuCodeStore).subgroups;
      return store;
    },
  });
  const c = await QuantizedIndex.create(common);
  const data =
    s.data === 'sixteenths'
      ? sixteenths(s.rows, s.dim, s.seed)
      : clusteredRows(s.rows, s.dim, s.seed);
  await writeInBatches([g, c], data, s.dim, s.batches);
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
    gpuHits.push(plainHits(await g.search(queries, k, allow)));
    cpuHits.push(plainHits(await c.search(queries, k, allow)));
  }
  const error = await device.popErrorScope();
  const result = {
    gpu: gpuHits,
    cpu: cpuHits,
    errors: error ? [error.message] : [],
    f16: device.features.has('shader-f16'),
    packedDot: hasPackedDot(),
    residentBytesPerVector: g.residentBytesPerVector,
    subgroups,
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
 * @param entry - the top-k scan or the every-row scores
 * @param subgroups - with the subgroup sort (where the device has the feature)
 */
export async function compileErrors(
  mode: 'int8' | 'binary' | 'fp16',
  f16: boolean,
  packedDot: boolean,
  entry: 'scan' | 'scores' = 'scan',
  subgroups = false,
): Promise<string[]> {
  const { gpu } = await requestGpu();
  const sort = sortVariant(gpu!.device, { subgroups });
  const module = gpu!.device.createShaderModule({
    label: `test ${mode} ${entry}`,
    code: codeScanWgsl(mode, f16, packedDot, entry, sort),
  });
  const info = await module.getCompilationInfo();
  return info.messages.filter((m) => m.type === 'error').map((m) => m.message);
}

/**
 * The code stores themselves (no rescore) with k past 256: the GPU writes
 * every row's score and keeps the top k on the host; the twin scans. Returns
 * both raw answers.
 * @param mode - the code
 * @param rows - stored rows
 * @param k - hits per query (may exceed 256)
 * @param shardRows - rows per GPU shard
 */
export async function runWideCoarse(
  mode: 'int8' | 'binary' | 'fp16',
  rows: number,
  k: number,
  shardRows: number,
): Promise<QuantTwinResult> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  const { device } = gpu;
  device.pushErrorScope('validation');
  const dim = 96;
  const { makeCodec } = await import('../../src/search/quant/make-codec');
  const { CpuCodeStore } = await import('../../src/search/quant/code-store');
  const codec = makeCodec(mode, dim);
  // fp16 sums agree exactly only on exactly representable data.
  const data = mode === 'fp16' ? sixteenths(rows + 5, dim, 21) : clusteredRows(rows + 5, dim, 21);
  const base = data.subarray(0, rows * dim);
  codec.train(base);
  const codes = new Uint32Array(rows * codec.words);
  codec.encode(base, codes, 0);
  const qw = codec.queryWords ?? codec.words;
  const queries = new Uint32Array(5 * qw);
  for (let q = 0; q < 5; q++) {
    queries.set(
      codec.encodeQuery(data.subarray((rows + q) * dim, (rows + q + 1) * dim)).words,
      q * qw,
    );
  }
  const g = await createGpuCodeStore(codec, { gpu, shardRows });
  const c = new CpuCodeStore(mode, codec.words, qw);
  await g.write(0, codes);
  await c.write(0, codes);
  const removed = Array.from({ length: rows }, (_, i) => i).filter((i) => i % 7 === 3);
  g.remove(removed);
  c.remove(removed);
  const allow = new Uint8Array(rows - 11).map((_, i) => (i % 5 === 0 ? 0 : 1));
  const gpuHits = [
    plainHits(await g.search(queries, 5, k)),
    plainHits(await g.search(queries, 5, k, allow)),
  ];
  const cpuHits = [
    plainHits(await c.search(queries, 5, k)),
    plainHits(await c.search(queries, 5, k, allow)),
  ];
  const error = await device.popErrorScope();
  g.dispose();
  c.dispose();
  return {
    gpu: gpuHits,
    cpu: cpuHits,
    errors: error ? [error.message] : [],
    f16: device.features.has('shader-f16'),
    packedDot: hasPackedDot(),
    residentBytesPerVector: codec.words * 4,
    subgroups: (g as GpuCodeStore).subgroups,
  };
}
