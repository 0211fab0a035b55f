// The kernels of the search on a real GPU, outside the browser: the same
// WGSL and host code (src/gpu) as the page, run through Dawn's Node binding
// (`webgpu`) by the bundle bench/gpu-device.mjs builds. For each mode
// (fp32 scan, int8 codes, fp16 codes) and batch it times one search on the
// GPU (timestamp-query around the compute pass: scan + merges) and by the
// wall clock (with upload and readback), and reports the effective bandwidth:
// the bytes of the stored rows one search reads, over its GPU time, against
// the bandwidth given with --bandwidth-gbs. Each mode and batch runs with
// both top-k sorts side by side (reps alternating): the barrier-only one and,
// where the device has the `subgroups` feature, the one with subgroup
// operations. With --check (small n) each answer is compared with the CPU
// twin of its mode. Before the timed reps of each mode and batch, searches run
// back to back for --warmup-ms: an idle GPU drops its clocks (an H200's SM
// clock fell to 345 MHz of 1980 while the host encoded the next mode's rows),
// and reps timed straight after an idle spell read up to 5× slow.
import { checked, type GpuContext } from '../src/gpu/device';
import { CHUNK, topKPipelines, type TopKPipelines } from '../src/gpu/pipelines';
import { codeScanPipelines, hasPackedDot } from '../src/gpu/quant-pipelines';
import { TopKRunner, type TopKJob } from '../src/gpu/topk-search';
import { VectorShards } from '../src/gpu/vector-shards';
import { CpuFlatIndex } from '../src/search/cpu-index';
import type { Codec } from '../src/search/quant/codec';
import { CpuCodeStore } from '../src/search/quant/code-store';
import { Fp16Codec } from '../src/search/quant/fp16';
import { Int8Codec } from '../src/search/quant/int8';
import type { SearchHits } from '../src/search/vector-index';
import { nearTieDiff } from '../test/search/fixtures';

/** A mode the device bench runs. */
export type DeviceMode = 'fp32' | 'int8' | 'fp16';

/** A top-k sort: barrier-only (topk-sort.wgsl) or with subgroup operations (topk-sort-subgroups.wgsl). */
export type DeviceSort = 'barrier' | 'subgroups';

/** What to run. */
export interface DeviceBenchOptions {
  /** Stored rows. */
  n: number;
  /** Vector length. */
  dim: number;
  /** Queries per search, one row per value. */
  batches: number[];
  /** Hits per query. */
  k: number;
  /** Timed searches per row. */
  reps: number;
  /** Untimed searches run back to back for this long before the reps of each mode and batch, ms. */
  warmupMs: number;
  /** Modes to run. */
  modes: DeviceMode[];
  /** Sorts to run side by side ('subgroups' only where the device has the feature). */
  sorts: DeviceSort[];
  /** The GPU's memory bandwidth in GB/s (e.g. 4800 for an H200), or 0 when unknown. */
  bandwidthGbs: number;
  /** Compare each answer with the CPU twin (keep n small: the CPU scans every row). */
  check: boolean;
}

/** One mode at one batch size. */
export interface DeviceBenchRow {
  mode: DeviceMode;
  /** The top-k sort the kernels used. */
  sort: DeviceSort;
  batch: number;
  /** Bytes of stored rows one search reads (the rows once, whatever the batch). */
  rowBytes: number;
  /** Median GPU time of one search's compute pass (scan + merges), ms; null without timestamp-query. */
  gpuMs: number | null;
  /** Median wall time of one search (upload, dispatch, readback), ms. */
  wallMs: number;
  /** GPU (or, without timestamps, wall) ms per query. */
  msPerQuery: number;
  /** rowBytes / the time msPerQuery came from, GB/s. */
  effectiveGbs: number;
  /** effectiveGbs / bandwidthGbs, or null when the bandwidth is unknown. */
  ofBandwidth: number | null;
  /** With check: GPU and CPU hits agree up to near-ties (relative 1e-6); null without check. */
  matchesCpu: boolean | null;
  /** Same (score, slot) pairs as the first sort's answer at this mode and batch. */
  sameAsFirstSort: boolean;
}

/** The adapter and what it offered. */
export interface DeviceBenchResult {
  adapter: string;
  features: string[];
  packedDot: boolean;
  /** The adapter's subgroup sizes (adapter.info), null where it does not say. */
  subgroupSizes: { min: number; max: number } | null;
  rows: DeviceBenchRow[];
}

/** Defaults: the H200 figures of issue 14 at 1M × 384. */
export const DEVICE_DEFAULTS: DeviceBenchOptions = {
  n: 1_000_000,
  dim: 384,
  batches: [1, 16],
  k: 10,
  reps: 10,
  warmupMs: 1000,
  modes: ['fp32', 'int8', 'fp16'],
  sorts: ['barrier', 'subgroups'],
  bandwidthGbs: 0,
  check: false,
};

/**
 * Reads `--name=value` (or `--name value`) flags over {@link DEVICE_DEFAULTS}.
 * @param argv - arguments after the script name
 * @throws Error on an unknown flag, mode or a bad number
 * @example
 * parseDeviceFlags(['--n=1000', '--bandwidth-gbs', '4800', '--check']);
 */
export function parseDeviceFlags(argv: readonly string[]): DeviceBenchOptions {
  const o: DeviceBenchOptions = { ...DEVICE_DEFAULTS };
  const positive = (name: string, v: string): number => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} needs a number ≥ 0, got '${v}'`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === 'check') {
      o.check = true;
      continue;
    }
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (name === 'n' || name === 'dim' || name === 'k' || name === 'reps') {
      o[name] = Math.max(1, Math.floor(positive(name, value)));
    } else if (name === 'warmup-ms') {
      o.warmupMs = positive(name, value);
    } else if (name === 'bandwidth-gbs') {
      o.bandwidthGbs = positive(name, value);
    } else if (name === 'batches') {
      o.batches = value.split(',').map((b) => Math.max(1, Math.floor(positive(name, b))));
    } else if (name === 'modes') {
      const modes = value.split(',');
      for (const m of modes) {
        if (m !== 'fp32' && m !== 'int8' && m !== 'fp16') throw new Error(`unknown mode '${m}'`);
      }
      o.modes = modes as DeviceMode[];
    } else if (name === 'sorts') {
      const sorts = value.split(',');
      for (const x of sorts) {
        if (x !== 'barrier' && x !== 'subgroups') throw new Error(`unknown sort '${x}'`);
      }
      o.sorts = sorts as DeviceSort[];
    } else {
      throw new Error(`unknown flag --${name}`);
    }
  }
  return o;
}

/**
 * Effective bandwidth: `bytes` read in `ms`, in GB/s (10⁹ bytes).
 * @param bytes - bytes read
 * @param ms - time taken
 */
export function effectiveGbs(bytes: number, ms: number): number {
  return ms > 0 ? bytes / (ms * 1e6) : 0;
}

/** A small fast PRNG (xorshift32) for bulk data, uniform in [-1, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 31 - 1;
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One mode's rows on the GPU, with what it takes to search them and check the answer. */
interface ModeSetup {
  /** The mode's kernels with the given sort. */
  pipelines(sort: DeviceSort): Promise<TopKPipelines>;
  shards: VectorShards;
  /** Bytes of one stored row. */
  rowBytes: number;
  /** Queries as the kernel reads them (padded rows), and the twin's answer for them. */
  queries(batch: number): { gpu: Float32Array<ArrayBuffer>; cpu: () => Promise<SearchHits[]> };
}

/** Rows are generated and uploaded this many at a time (bounded host memory at 1M). */
const UPLOAD_ROWS = 65_536;

async function setup(gpu: GpuContext, mode: DeviceMode, o: DeviceBenchOptions): Promise<ModeSetup> {
  const { device } = gpu;
  const next = uniform(1234);
  const rowsOf = (count: number): Float32Array => {
    const out = new Float32Array(count * o.dim);
    for (let i = 0; i < out.length; i++) out[i] = next();
    return out;
  };
  const codec: Codec | null =
    mode === 'int8' ? new Int8Codec(o.dim) : mode === 'fp16' ? new Fp16Codec(o.dim) : null;
  const width = codec ? codec.words : o.dim; // floats (or code words) per row
  const pipelines = (sort: DeviceSort) => {
    const options = { subgroups: sort === 'subgroups' };
    return codec
      ? codeScanPipelines(
          device,
          codec.mode as 'int8' | 'fp16',
          mode === 'fp16' && device.features.has('shader-f16'),
          options,
        )
      : topKPipelines(device, options);
  };
  const max = VectorShards.maxShardRows(device, width);
  const shards = new VectorShards(device, width, max, `device ${mode}`);
  await checked(device, `allocate ${mode}`, () => shards.ensure(o.n, 0));
  // The CPU twin holds the rows only when checking.
  const twinFlat =
    o.check && !codec ? new CpuFlatIndex({ dim: o.dim, initialCapacity: o.n }) : null;
  const twinCodes = o.check && codec ? new CpuCodeStore(codec.mode, codec.words) : null;
  let trained = false;
  for (let first = 0; first < o.n; first += UPLOAD_ROWS) {
    const rows = rowsOf(Math.min(UPLOAD_ROWS, o.n - first));
    if (codec) {
      if (!trained) codec.train(rows); // int8 ranges from the first block (a random sample)
      trained = true;
      const codes = new Uint32Array((rows.length / o.dim) * codec.words);
      codec.encode(rows, codes, 0);
      shards.write(first, new Float32Array(codes.buffer));
      await twinCodes?.write(first, codes);
    } else {
      shards.write(first, rows);
      await twinFlat?.write(first, rows);
    }
  }
  await device.queue.onSubmittedWorkDone();
  const stride = shards.stride;
  return {
    pipelines,
    shards,
    rowBytes: (codec ? codec.words : stride) * 4,
    queries(batch) {
      const raw = rowsOf(batch);
      const gpuQueries = new Float32Array(batch * stride);
      const words = codec ? new Uint32Array(batch * codec.words) : null;
      for (let q = 0; q < batch; q++) {
        const row = raw.subarray(q * o.dim, (q + 1) * o.dim);
        if (codec) words!.set(codec.encodeQuery(row).words, q * codec.words);
        else gpuQueries.set(row, q * stride);
      }
      if (words) gpuQueries.set(new Float32Array(words.buffer));
      return {
        gpu: gpuQueries,
        cpu: () => (codec ? twinCodes!.search(words!, batch, o.k) : twinFlat!.search(raw, o.k)),
      };
    },
  };
}

/** The runner's `[score bits, slot]` pairs (k per query, 0xffffffff: no hit) as hits. */
function fromPairs(pairs: Uint32Array, nq: number, k: number): SearchHits[] {
  const scores = new Float32Array(pairs.buffer, pairs.byteOffset, pairs.length);
  return Array.from({ length: nq }, (_, q) => {
    const slots: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < k; i++) {
      const at = (q * k + i) * 2;
      if (pairs[at + 1] === 0xffffffff) break;
      slots.push(pairs[at + 1]!);
      s.push(scores[at]!);
    }
    return { slots: Int32Array.from(slots), scores: Float32Array.from(s) };
  });
}

/**
 * Null when GPU and CPU hits agree up to near-ties (scores within a relative
 * 1e-6 of the best; order of f32 sums may differ), else what differs.
 */
function hitsDiff(gpu: SearchHits[], cpu: SearchHits[]): string | null {
  const top = Math.max(1, ...cpu.map((h) => Math.abs(h.scores[0] ?? 0)));
  return nearTieDiff(gpu, cpu, 1e-6 * top);
}

/**
 * Runs every mode and batch of `o` on `gpu`.
 * @param gpu - a device (the entry requests it with requestGpu through Dawn)
 * @param o - see {@link DeviceBenchOptions}
 * @param log - progress lines
 */
export async function runDeviceBench(
  gpu: GpuContext,
  o: DeviceBenchOptions,
  log: (line: string) => void = () => {},
): Promise<DeviceBenchResult> {
  const { device } = gpu;
  const timestamps = device.features.has('timestamp-query');
  const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = timestamps
    ? device.createBuffer({
        size: 16,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      })
    : null;
  const readTs = timestamps
    ? device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST })
    : null;
  const gpuPassMs = async (): Promise<number> => {
    const enc = device.createCommandEncoder();
    enc.resolveQuerySet(querySet!, 0, 2, resolve!, 0);
    enc.copyBufferToBuffer(resolve!, 0, readTs!, 0, 16);
    device.queue.submit([enc.finish()]);
    await readTs!.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(readTs!.getMappedRange().slice(0));
    readTs!.unmap();
    return Number(t1! - t0!) / 1e6;
  };
  const rows: DeviceBenchRow[] = [];
  for (const mode of o.modes) {
    log(`${mode}: uploading ${o.n} × ${o.dim}`);
    const s = await setup(gpu, mode, o);
    const views = s.shards.views(o.n);
    const removed = device.createBuffer({
      size: Math.max(16, Math.ceil(o.n / 128) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const sorts = o.sorts.filter((x) => x !== 'subgroups' || device.features.has('subgroups'));
    if (sorts.length < o.sorts.length) log(`${mode}: no subgroups feature, barrier-only sort`);
    const runners: [DeviceSort, TopKRunner][] = [];
    for (const sort of sorts) {
      const pipelines = await s.pipelines(sort);
      if (pipelines.subgroups !== (sort === 'subgroups')) throw new Error(`${sort}: wrong variant`);
      runners.push([sort, new TopKRunner(device, pipelines, `device ${mode} ${sort}`)]);
    }
    const chunks = views.reduce((a, v) => a + Math.ceil(v.rows / CHUNK), 0);
    try {
      for (const batch of o.batches) {
        if (runners[0]![1].maxBatch(chunks, o.k) < batch) {
          log(`${mode} batch ${batch}: over one submission's candidate buffer, skipped`);
          continue;
        }
        const q = s.queries(batch);
        const job: TopKJob = {
          shards: views,
          removed,
          queries: q.gpu,
          nq: batch,
          stride: s.shards.stride,
          k: o.k,
          allow: null,
          ...(querySet
            ? {
                timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
              }
            : {}),
        };
        const cpu = o.check ? await q.cpu() : null;
        const firsts: Uint32Array[] = [];
        const wall: number[][] = runners.map(() => []);
        const onGpu: number[][] = runners.map(() => []);
        for (const [sort, runner] of runners) {
          const first = await runner.run(job); // warm-up, and the answer checked
          firsts.push(first);
          const diff = cpu ? hitsDiff(fromPairs(first, batch, o.k), cpu) : null;
          if (diff) log(`${mode} ${sort} batch ${batch}: GPU and CPU differ: ${diff}`);
        }
        const warmUntil = performance.now() + o.warmupMs;
        while (performance.now() < warmUntil) {
          for (const [, runner] of runners) await runner.run(job);
        }
        // Reps alternate between the sorts, so a change in load hits both alike.
        for (let r = 0; r < o.reps; r++) {
          for (const [i, [, runner]] of runners.entries()) {
            const t0 = performance.now();
            await runner.run(job);
            wall[i]!.push(performance.now() - t0);
            if (querySet) onGpu[i]!.push(await gpuPassMs());
          }
        }
        for (const [i, [sort]] of runners.entries()) {
          const gpuMs = querySet ? median(onGpu[i]!) : null;
          const wallMs = median(wall[i]!);
          const bytes = s.rowBytes * o.n;
          const gbs = effectiveGbs(bytes, gpuMs ?? wallMs);
          const first = firsts[i]!;
          const row: DeviceBenchRow = {
            mode,
            sort,
            batch,
            rowBytes: bytes,
            gpuMs,
            wallMs,
            msPerQuery: (gpuMs ?? wallMs) / batch,
            effectiveGbs: gbs,
            ofBandwidth: o.bandwidthGbs > 0 ? gbs / o.bandwidthGbs : null,
            matchesCpu: cpu ? hitsDiff(fromPairs(first, batch, o.k), cpu) === null : null,
            sameAsFirstSort: first.every((w, j) => w === firsts[0]![j]),
          };
          rows.push(row);
          log(formatRow(row));
        }
      }
    } finally {
      for (const [, runner] of runners) runner.destroy();
      s.shards.destroy();
      removed.destroy();
    }
  }
  querySet?.destroy();
  resolve?.destroy();
  readTs?.destroy();
  const name = [gpu.info.vendor, gpu.info.architecture, gpu.info.description]
    .filter(Boolean)
    .join(' ');
  const info = gpu.adapter.info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  const subgroupSizes =
    info.subgroupMinSize && info.subgroupMaxSize
      ? { min: info.subgroupMinSize, max: info.subgroupMaxSize }
      : null;
  return {
    adapter: name,
    features: gpu.info.features,
    packedDot: hasPackedDot(),
    subgroupSizes,
    rows,
  };
}

/** The table's header line. */
export const DEVICE_TABLE_HEADER =
  'mode  sort       batch   GPU ms  wall ms  ms/query  GB/s (rows read / GPU time)  of bandwidth  = CPU  = 1st sort';

/**
 * One row of the table.
 * @param r - a measured row
 */
export function formatRow(r: DeviceBenchRow): string {
  const n = (x: number | null, d: number, w: number) =>
    (x === null ? '—' : x.toFixed(d)).padStart(w);
  const of = r.ofBandwidth === null ? '—' : `${(r.ofBandwidth * 100).toFixed(1)} %`;
  const check = r.matchesCpu === null ? '—' : r.matchesCpu ? 'yes' : 'NO';
  return `${r.mode.padEnd(4)}  ${r.sort.padEnd(9)}  ${String(r.batch).padStart(5)}  ${n(r.gpuMs, 3, 7)}  ${n(r.wallMs, 2, 7)}  ${n(r.msPerQuery, 4, 8)}  ${n(r.effectiveGbs, 1, 27)}  ${of.padStart(12)}  ${check.padStart(5)}  ${(r.sameAsFirstSort ? 'yes' : 'NO').padStart(10)}`;
}

/** The subgroup sort's speed-up at one mode and batch. */
export interface SortRatio {
  mode: DeviceMode;
  batch: number;
  /** Barrier-only ms per query over subgroup ms per query (> 1: subgroups faster). */
  speedup: number;
}

/**
 * Barrier-only over subgroup ms/query for each mode and batch that ran both.
 * @param rows - the measured rows
 */
export function sortRatios(rows: readonly DeviceBenchRow[]): SortRatio[] {
  const out: SortRatio[] = [];
  for (const a of rows) {
    if (a.sort !== 'barrier') continue;
    const b = rows.find((r) => r.sort === 'subgroups' && r.mode === a.mode && r.batch === a.batch);
    if (b && b.msPerQuery > 0) {
      out.push({ mode: a.mode, batch: a.batch, speedup: a.msPerQuery / b.msPerQuery });
    }
  }
  return out;
}
