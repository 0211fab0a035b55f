// Spherical k-means for the IVF index, on the WASM SIMD kernel: centroids are
// the kernel's rows, points are scored four at a time against all of them.
import { ScanKernel } from './wasm/kernel';

/** Options of {@link trainKMeans}. */
export interface KMeansOptions {
  /** Partitions (≥ 1). */
  lists: number;
  /** Lloyd iterations (default 8). */
  iterations?: number;
  /** Seed of the initial sample (default 1). */
  seed?: number;
}

/**
 * Assigns every row of `points` to the centroid with the largest inner product.
 * @param centroids - `lists × dim`, row-major
 * @param points - `n × dim`, row-major, or a function giving row `i` (`dim` floats)
 * @param dim - vector length
 * @param n - rows to assign, from the first (default all; required with a function)
 * @returns the list of each point
 */
export function assign(
  centroids: Float32Array,
  points: Float32Array | ((i: number) => Float32Array),
  dim: number,
  n?: number,
): Int32Array {
  return finish(assignSteps(centroids, points, dim, n));
}

/** Points assigned between two yields of {@link assignSteps}. */
const STEP_POINTS = 256;

/**
 * {@link assign} in steps: yields after every few hundred points, so that a caller may pause
 * between them (see `runInSlices` in `src/util/tasks.ts`); returns the same lists.
 * @param centroids - `lists × dim`, row-major
 * @param points - `n × dim`, row-major, or a function giving row `i` as it is now (`dim`
 *   floats, read at once: rows may move between steps)
 * @param dim - vector length
 * @param n - rows to assign, from the first (default all of an array; required with a function)
 */
export function* assignSteps(
  centroids: Float32Array,
  points: Float32Array | ((i: number) => Float32Array),
  dim: number,
  n = typeof points === 'function' ? 0 : points.length / dim,
): Generator<void, Int32Array> {
  const rowOf =
    typeof points === 'function' ? points : (i: number) => points.subarray(i * dim, (i + 1) * dim);
  const lists = centroids.length / dim;
  const stride = Math.ceil(dim / 4) * 4;
  const kernel = new ScanKernel(lists * stride * 4);
  const group = 16;
  kernel.reserve(lists * stride * 4, (group * stride + group * lists) * 4);
  let f32 = kernel.f32;
  for (let c = 0; c < lists; c++) f32.set(centroids.subarray(c * dim, (c + 1) * dim), c * stride);
  const qOff = kernel.rowBytes / 4;
  const sOff = qOff + group * stride;
  const out = new Int32Array(n);
  f32 = kernel.f32;
  for (let p0 = 0; p0 < n; p0 += group) {
    if (p0 > 0 && p0 % STEP_POINTS === 0) {
      yield;
      f32 = kernel.f32;
    }
    const m = Math.min(group, n - p0);
    f32.fill(0, qOff, sOff);
    for (let j = 0; j < m; j++) {
      f32.set(rowOf(p0 + j), qOff + j * stride);
    }
    for (let j = 0; j < m; j += 4) {
      kernel.fn.dot4(0, lists, stride, (qOff + j * stride) * 4, (sOff + j * lists) * 4, lists);
    }
    for (let j = 0; j < m; j++) {
      const o = sOff + j * lists;
      let best = 0;
      let bs = f32[o]!;
      for (let c = 1; c < lists; c++) {
        if (f32[o + c]! > bs) {
          bs = f32[o + c]!;
          best = c;
        }
      }
      out[p0 + j] = best;
    }
  }
  return out;
}

/**
 * Spherical k-means: centroids are unit-length means of their points, points
 * go to the centroid of largest inner product. Starts from `lists` distinct
 * sample points; an emptied list takes a random point.
 * @param points - `n × dim` training rows (n ≥ lists)
 * @param dim - vector length
 * @param options - see {@link KMeansOptions}
 * @returns `lists × dim` unit centroids
 */
export function trainKMeans(
  points: Float32Array,
  dim: number,
  options: KMeansOptions,
): Float32Array {
  return finish(kMeansSteps(points, dim, options));
}

/**
 * {@link trainKMeans} in steps (it yields within each assignment pass); returns the same centroids.
 * @param points - `n × dim` training rows (n ≥ lists)
 * @param dim - vector length
 * @param options - see {@link KMeansOptions}
 */
export function* kMeansSteps(
  points: Float32Array,
  dim: number,
  options: KMeansOptions,
): Generator<void, Float32Array> {
  const n = points.length / dim;
  const lists = Math.min(options.lists, n);
  let seed = options.seed ?? 1;
  const rand = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  // A random permutation's first `lists` points seed the centroids.
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < lists; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const centroids = new Float32Array(lists * dim);
  for (let c = 0; c < lists; c++) {
    centroids.set(points.subarray(order[c]! * dim, (order[c]! + 1) * dim), c * dim);
  }
  const sums = new Float64Array(lists * dim);
  const counts = new Int32Array(lists);
  for (let it = 0; it < (options.iterations ?? 8); it++) {
    const of = yield* assignSteps(centroids, points, dim);
    sums.fill(0);
    counts.fill(0);
    for (let p = 0; p < n; p++) {
      const c = of[p]!;
      counts[c]!++;
      for (let i = 0; i < dim; i++) sums[c * dim + i]! += points[p * dim + i]!;
    }
    for (let c = 0; c < lists; c++) {
      if (counts[c] === 0) {
        const p = Math.floor(rand() * n);
        centroids.set(points.subarray(p * dim, (p + 1) * dim), c * dim);
        continue;
      }
      let norm = 0;
      for (let i = 0; i < dim; i++) norm += sums[c * dim + i]! ** 2;
      const inv = 1 / Math.sqrt(norm || 1);
      for (let i = 0; i < dim; i++) centroids[c * dim + i] = sums[c * dim + i]! * inv;
    }
  }
  return centroids;
}

/** Runs steps to the end at once. */
function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
