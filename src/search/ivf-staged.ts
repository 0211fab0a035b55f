// An IVF index opened from its stored lists and int8 codes before its fp32 rows are read: the
// codes answer the scan, and the few rows each query rescores are read from the store until the
// rows, read in the background, are all in (see `IvfIndex.stageLayout`). At 100k × 512 that is
// 52 MB read before the first result instead of 205 MB, and the rows' copy into their lists off
// the path to it.
import { ScanKernel } from './wasm/kernel';
import type { SearchHits } from './vector-index';

/** Reads stored rows by slot (a slot stored nowhere is left out of the map). */
export type RowSource = (slots: readonly number[]) => Promise<Map<number, Float32Array>>;

/**
 * An index's int8 codes as {@link IvfIndex.exportLayout} gives them and
 * {@link IvfIndex.stageLayout} takes them: per laid-out position and then per centroid,
 * `codeStride` code bytes, and after all of them a f32 scale each; and the largest row norm
 * the index had seen (its scan error bound).
 */
export interface IvfCodes {
  bytes: Uint8Array<ArrayBuffer>;
  maxNorm: number;
}

/** The fp32 rows of a staged layout as they arrive, and where the rest is read from meanwhile. */
export class StagedRows {
  /** Rows at their laid-out positions (room for the centroids after them), as they arrive. */
  readonly kernel: ScanKernel;
  /** 1 at each position whose row has arrived. */
  readonly arrived: Uint8Array;
  /** A scratch kernel scoring the rows read for one search. */
  private scratch: ScanKernel | undefined;

  /**
   * @param positions - laid-out positions (rows of the lists)
   * @param lists - number of lists (their centroids follow the rows)
   * @param stride - floats per padded row
   * @param read - reads rows that have not arrived
   */
  constructor(
    positions: number,
    lists: number,
    private readonly stride: number,
    readonly read: RowSource,
  ) {
    this.kernel = new ScanKernel((positions + lists) * stride * 4);
    this.arrived = new Uint8Array(positions);
  }

  /** Puts the row of position `p`. */
  put(p: number, row: Float32Array): void {
    this.kernel.f32.set(row, p * this.stride);
    this.arrived[p] = 1;
  }

  /**
   * The f32 SIMD scores of `rows` against `query` (`dim` floats), as the kernel scores rows in
   * their lists (each row zero-padded to the stride): the same values, row for row.
   * @param rows - the rows, `undefined` for one stored nowhere (scored as a zero row)
   */
  score(rows: readonly (Float32Array | undefined)[], query: Float32Array): Float32Array {
    const { stride } = this;
    const n = rows.length;
    const k = (this.scratch ??= new ScanKernel(0));
    k.reserve(0, ((n + 1) * stride + n) * 4);
    const f32 = k.f32;
    const qOff = n * stride;
    const sOff = qOff + stride;
    f32.fill(0, 0, sOff);
    rows.forEach((row, j) => {
      if (row) f32.set(row, j * stride);
    });
    f32.set(query, qOff);
    k.fn.dot1(0, n, stride, qOff * 4, sOff * 4);
    return f32.slice(sOff, sOff + n);
  }
}

/**
 * The shortlisted rows a staged search must read: those whose int8 code score leaves them
 * within reach of the query's top `k`. A row's code score `e` (its codes · the query rounded to
 * i16 by `qScale`, times its scale `s`, over `qScale`) is within `B` of its exact score, with
 * `m = 127·s` the row's largest |value|: each value is off by at most `m/254` (its code is
 * rounded), each query value by at most `0.5/qScale`, so
 * `|x·q − e| ≤ (m/254)·‖q‖₁ + (m/127)·Σ|code|·0.5/qScale ≤ (m/254)·‖q‖₁ + m·dim·0.5/qScale`,
 * plus the f32 roundings of `e` (taken as 1e-6 of it, and of the bound). A row whose upper
 * bound is below the k-th best lower bound of the shortlist, less a margin far above the f32
 * rounding of final scores, is not in the exact top k of the shortlist, nor of the shortlist and
 * the tail: the answer is the same without it, and its row is not read.
 * @param short - positions and code scores, best first (`IvfIndex.scanCodes`)
 * @param scales - the f32 scale of each laid-out position's code
 * @param query - the query (`dim` floats)
 * @param k - hits wanted
 * @param maxNorm - the largest row norm (scale of the final scores' rounding)
 * @returns the positions kept, in their order
 */
export function withinReach(
  short: SearchHits & { qScale: number },
  scales: Float32Array,
  query: Float32Array,
  k: number,
  maxNorm: number,
): Int32Array {
  const { slots, scores, qScale } = short;
  const n = slots.length;
  if (n <= k || !(qScale > 0)) return slots;
  const dim = query.length;
  let q1 = 0;
  let q2 = 0;
  for (let i = 0; i < dim; i++) {
    q1 += Math.abs(query[i]!);
    q2 += query[i]! * query[i]!;
  }
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const m = scales[slots[j]!]! * 127;
    const e = scores[j]! / qScale;
    const bound = ((m / 254) * q1 + (m * dim * 0.5) / qScale) * (1 + 1e-6) + Math.abs(e) * 1e-6;
    lo[j] = e - bound;
    hi[j] = e + bound;
  }
  const kth = Float64Array.from(lo).sort().reverse()[k - 1]!;
  const floor = kth - 2 ** -20 * (maxNorm * Math.sqrt(q2)) - 1e-30;
  const kept: number[] = [];
  // (Kept unless provably out: a NaN anywhere keeps the row.)
  for (let j = 0; j < n; j++) if (!(hi[j]! < floor)) kept.push(slots[j]!);
  return Int32Array.from(kept);
}
