// Runs in the test page: builds a GpuFlatIndex and its CPU twin on the same
// data, replays the same writes, removals and searches on both, and returns
// plain arrays for the Node side to compare.
import { checked, requestGpu } from '../../src/gpu/device';
import { GpuFlatIndex } from '../../src/gpu/gpu-index';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import type { SearchHits, VectorIndex } from '../../src/search/vector-index';
import { rng, sixteenths, unitRows } from '../search/fixtures';

/** What to build and ask. */
export interface TwinScenario {
  /** Rows written. */
  rows: number;
  /** Vector length. */
  dim: number;
  /** 'sixteenths': exact scores, many ties; 'unit': random unit floats. */
  data: 'sixteenths' | 'unit';
  /** PRNG seed. */
  seed: number;
  /** Appends in this many batches. */
  batches: number;
  /** Rows per GPU shard (small to cross shard boundaries). */
  shardRows?: number;
  /** Every n-th row is a copy of an earlier row (exact duplicates). */
  duplicateEvery?: number;
  /** Fraction of slots removed (at random). */
  removeFraction?: number;
  /** Slots restored again after removal (first n removed ones). */
  restoreCount?: number;
  /** When set, an allow mask with this fraction of slots allowed (length rows - 7). */
  allowFraction?: number;
  /** Queries per batch. */
  nq: number;
  /** Hits per query, one search per value. */
  ks: number[];
  /** true sorts the top-k with subgroups where offered (default: the barrier-only sort). */
  subgroups?: boolean;
}

/** One search's hits as plain arrays. */
export interface PlainHits {
  slots: number[][];
  scores: number[][];
}

/** What both indexes answered. */
export interface TwinResult {
  gpu: PlainHits[];
  cpu: PlainHits[];
  /** Validation errors the GPU raised (expected: none). */
  errors: string[];
  /** Shards the data spans on the GPU. */
  shards: number;
  /** Live slots. */
  live: number;
  /** The index sorted with subgroup operations. */
  subgroups: boolean;
  /** The device has the `subgroups` feature. */
  subgroupsOffered: boolean;
}

/** Hits as plain arrays (what crosses from the page to Node). */
export function plainHits(hits: readonly SearchHits[]): PlainHits {
  return {
    slots: hits.map((h) => Array.from(h.slots)),
    scores: hits.map((h) => Array.from(h.scores)),
  };
}

/**
 * Writes `data` (row-major, `dim` wide) into every index, in `batches` appends of equal size.
 * @param indexes - the indexes to fill alike
 */
export async function writeInBatches(
  indexes: readonly Pick<VectorIndex, 'write'>[],
  data: Float32Array,
  dim: number,
  batches: number,
): Promise<void> {
  const rows = data.length / dim;
  const step = Math.ceil(rows / batches);
  for (let first = 0; first < rows; first += step) {
    const chunk = data.subarray(first * dim, Math.min(rows, first + step) * dim);
    for (const index of indexes) await index.write(first, chunk);
  }
}

/**
 * Builds both indexes, replays the scenario, returns both answers.
 * @param s - the scenario
 */
export async function runTwin(s: TwinScenario): Promise<TwinResult> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  const { device } = gpu;
  device.pushErrorScope('validation');
  const g = await GpuFlatIndex.create({
    dim: s.dim,
    gpu,
    shardRows: s.shardRows,
    subgroups: s.subgroups,
  });
  const c = new CpuFlatIndex({ dim: s.dim, initialCapacity: 100 });
  const make = s.data === 'sixteenths' ? sixteenths : unitRows;
  const data = make(s.rows, s.dim, s.seed);
  if (s.duplicateEvery) {
    for (let r = s.duplicateEvery; r < s.rows; r += s.duplicateEvery) {
      const src = Math.floor(r / 2);
      data.copyWithin(r * s.dim, src * s.dim, (src + 1) * s.dim);
    }
  }
  const both: VectorIndex[] = [g, c];
  await writeInBatches(both, data, s.dim, s.batches);
  const r = rng(s.seed + 1);
  const removed = Array.from({ length: s.rows }, (_, i) => i).filter(
    () => r() < (s.removeFraction ?? 0),
  );
  for (const index of both) index.remove(removed);
  const restored = removed.slice(0, s.restoreCount ?? 0);
  for (const index of both) index.restore(restored);
  const allow =
    s.allowFraction === undefined
      ? undefined
      : new Uint8Array(Math.max(0, s.rows - 7)).map(() => (r() < s.allowFraction! ? 1 : 0));
  // Queries: half are stored rows (exact self-matches and their duplicates), half fresh.
  const queries = make(s.nq, s.dim, s.seed + 2);
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
  const shards = Math.ceil(s.rows / g.shardRows);
  g.dispose();
  c.dispose();
  return {
    gpu: gpuHits,
    cpu: cpuHits,
    errors: error ? [error.message] : [],
    shards,
    live: s.rows - removed.length + restored.length,
    subgroups: g.subgroups,
    subgroupsOffered: device.features.has('subgroups'),
  };
}

/**
 * Calls each GPU entry point with bad input; returns the codes thrown.
 * @param dim - vector length
 */
export async function gpuErrorCodes(dim: number): Promise<Record<string, string>> {
  const g = await GpuFlatIndex.create({ dim });
  await g.write(0, unitRows(4, dim, 1));
  const q = unitRows(1, dim, 2);
  const bad = q.slice();
  bad[0] = Number.NaN;
  const codeOf = async (f: () => Promise<unknown> | unknown): Promise<string> => {
    try {
      await f();
      return 'no error';
    } catch (e) {
      return String((e as { code?: unknown }).code);
    }
  };
  const out: Record<string, string> = {
    kTooBig: await codeOf(() => g.search(q, 257)),
    kZero: await codeOf(() => g.search(q, 0)),
    kFraction: await codeOf(() => g.search(q, 1.5)),
    wrongDim: await codeOf(() => g.search(new Float32Array(dim + 1), 3)),
    nanQuery: await codeOf(() => g.search(bad, 3)),
    nanWrite: await codeOf(() => g.write(4, bad)),
    gap: await codeOf(() => g.write(6, q)),
    removeMissing: await codeOf(() => g.remove([4])),
    k256: await codeOf(() => g.search(q, 256)),
  };
  g.dispose();
  return out;
}

/** The code `checked` rejects with when the GPU work records a validation error. */
export async function checkedCode(): Promise<string> {
  const { gpu } = await requestGpu();
  try {
    await checked(gpu!.device, 'bad buffer', () =>
      gpu!.device.createBuffer({
        label: 'invalid on purpose',
        size: 16,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE, // not a valid combination
      }),
    );
    return 'no error';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}
