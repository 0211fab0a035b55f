// The WebGPU flat index: vectors sharded over storage buffers, removed slots
// as a bitmask buffer, exact top-k selected on the GPU (see topk-search.ts).
import { EngramError } from '../errors';
import { checkAllow, checkFirst, checkK, checkRows, checkSlots } from '../search/topk';
import type { SearchHits, VectorIndex } from '../search/vector-index';
import { checked, requestGpu, type GpuAdapterSummary, type GpuContext } from './device';
import { CHUNK, topKPipelines } from './pipelines';
import { TopKRunner } from './topk-search';
import { VectorShards } from './vector-shards';

/** Options of {@link GpuFlatIndex.create}. */
export interface GpuFlatIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** Device to use; default: the shared one from {@link requestGpu}. */
  gpu?: GpuContext;
  /**
   * Rows per vector shard (one storage buffer each). Default and maximum: as
   * many as the device's `maxStorageBufferBindingSize` holds. Tests force
   * small shards to cross shard boundaries.
   */
  shardRows?: number;
  /** Receives diagnostic lines (device loss). */
  log?: (message: string) => void;
  /** Prefix of GPU object labels (default 'engram'). */
  label?: string;
  /**
   * Sort the top-k with subgroup operations where the device has the
   * `subgroups` feature (default false: on an NVIDIA H200 the subgroup sort
   * made this scan 4 % slower at one query and 23–29 % slower at 16–64 queries;
   * see bench/RESULTS.md "Real GPU").
   */
  subgroups?: boolean;
}

const NONE = 0xffffffff;
let nextId = 0;

/**
 * Exact flat index on a WebGPU device, with the same ranking contract as
 * {@link CpuFlatIndex}: score desc, ties → lower slot. `k` ≤ {@link MAX_K}.
 * After the device is lost every call rejects with `GpuUnavailable`
 * ({@link createVectorIndex} wraps it to fall back to the CPU).
 *
 * @example
 * const index = await GpuFlatIndex.create({ dim: 384 });
 * await index.write(0, vectors);
 * const hits = await index.search(queries, 10); // one dispatch for the batch
 */
export class GpuFlatIndex implements VectorIndex {
  /** Always `'webgpu'`. */
  readonly kind = 'webgpu' as const;
  private count = 0;
  private bits = new Uint32Array(4);
  private removedBuf: GPUBuffer;
  private dirty: [number, number] | null = [0, 4];
  private tail: Promise<unknown> = Promise.resolve();
  private brokenReason: string | null = null;
  private disposed = false;

  private constructor(
    /** Vector length. */
    readonly dim: number,
    /** The device the index lives on. */
    readonly device: GPUDevice,
    /** Facts about the adapter. */
    readonly info: GpuAdapterSummary,
    private readonly shards: VectorShards,
    private readonly runner: TopKRunner,
    private readonly label: string,
    log: (message: string) => void,
  ) {
    this.removedBuf = this.allocBits(this.bits.length);
    void device.lost.then((lost) => {
      this.brokenReason = `device lost: ${lost.reason}: ${lost.message || 'no message'}`;
      if (!this.disposed) log(`engram: WebGPU ${this.brokenReason}`);
    });
  }

  /**
   * Compiles the kernels (once per device) and returns an empty index.
   * @param options - see {@link GpuFlatIndexOptions}
   * @throws EngramError `GpuUnavailable` without a device, `InvalidArgument` for a bad dim
   */
  static async create(options: GpuFlatIndexOptions): Promise<GpuFlatIndex> {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EngramError('InvalidArgument', `dim must be a positive integer, got ${dim}`);
    }
    let gpu = options.gpu;
    if (!gpu) {
      const got = await requestGpu();
      if (!got.gpu) throw new EngramError('GpuUnavailable', `No WebGPU device: ${got.reason}`);
      gpu = got.gpu;
    }
    const { device } = gpu;
    const pipelines = await topKPipelines(device, { subgroups: options.subgroups ?? false });
    const max = VectorShards.maxShardRows(device, dim);
    const wanted = options.shardRows ?? max;
    if (!Number.isInteger(wanted) || wanted < 1) {
      throw new EngramError('InvalidArgument', `shardRows must be a positive integer`);
    }
    const label = `${options.label ?? 'engram'} index ${nextId++}`;
    const shards = new VectorShards(device, dim, Math.min(wanted, max), label);
    const runner = new TopKRunner(device, pipelines, label);
    return new GpuFlatIndex(
      dim,
      device,
      gpu.info,
      shards,
      runner,
      label,
      options.log ?? (() => {}),
    );
  }

  /** Slots ever written (live or removed). */
  get size(): number {
    return this.count;
  }

  /** True when the top-k kernels sort with subgroup operations. */
  get subgroups(): boolean {
    return this.runner.subgroups;
  }

  /** Rows per shard in use. */
  get shardRows(): number {
    return this.shards.shardRows;
  }

  /** Why the index can no longer use the GPU (device lost, failed write), or null while it can. */
  get lost(): string | null {
    return this.brokenReason;
  }

  private allocBits(words: number): GPUBuffer {
    return this.device.createBuffer({
      label: `${this.label} removed bits`,
      size: Math.max(16, Math.ceil(words / 4) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
  }

  private live(): void {
    if (this.disposed) throw new EngramError('GpuUnavailable', 'The GPU index was disposed.');
    if (this.brokenReason !== null) {
      throw new EngramError('GpuUnavailable', `WebGPU index unusable (${this.brokenReason})`);
    }
  }

  /** Runs `fn` after every earlier write and search has finished. */
  private exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Uploads rows into slots `first..` (only those rows cross to the GPU).
   * @param first - first slot written, `≤ size` (`size` appends)
   * @param vectors - row-major `count × dim`, finite
   */
  write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    return this.exclusive(async () => {
      this.live();
      checkFirst(first, this.count);
      const end = first + n;
      try {
        await checked(this.device, 'write vectors', () => {
          this.shards.ensure(end, this.count);
          const words = Math.ceil(end / 32);
          if (words > this.bits.length) {
            const bits = new Uint32Array(Math.max(words, this.bits.length * 2));
            bits.set(this.bits);
            this.bits = bits;
            this.removedBuf.destroy();
            this.removedBuf = this.allocBits(bits.length);
            this.dirty = [0, bits.length];
          }
          this.shards.write(first, vectors);
        });
      } catch (e) {
        // Some buffers may be invalid now: the index is unusable from here on.
        this.brokenReason = `write failed: ${(e as Error).message}`;
        throw e;
      }
      this.count = Math.max(this.count, end);
    });
  }

  private setBits(slots: readonly number[], on: boolean): void {
    checkSlots(slots, this.count);
    for (const s of slots) {
      const w = s >>> 5;
      if (on) this.bits[w]! |= 1 << (s & 31);
      else this.bits[w]! &= ~(1 << (s & 31));
      this.dirty = this.dirty
        ? [Math.min(this.dirty[0], w), Math.max(this.dirty[1], w + 1)]
        : [w, w + 1];
    }
  }

  /**
   * Masks slots (uploaded with the next search).
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    this.setBits(slots, true);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    this.setBits(slots, false);
  }

  /**
   * Exact top-k per query on the GPU, all queries in one submission (split
   * only past the device's binding limits); reads back k hits per query.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query, 1..{@link MAX_K}
   * @param allow - optional filter applied before top-k; slots past its end are not allowed
   */
  search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const nq = checkRows(queries, this.dim, 'query');
    checkK(k);
    checkAllow(allow);
    return this.exclusive(async () => {
      this.live();
      const empty = (): SearchHits => ({ slots: new Int32Array(0), scores: new Float32Array(0) });
      if (this.count === 0 || nq === 0) return Array.from({ length: nq }, empty);
      if (this.dirty) {
        const [lo, hi] = this.dirty;
        this.device.queue.writeBuffer(this.removedBuf, lo * 4, this.bits, lo, hi - lo);
        this.dirty = null;
      }
      const shards = this.shards.views(this.count);
      const chunks = shards.reduce((a, s) => a + Math.ceil(s.rows / CHUNK), 0);
      const batch = this.runner.maxBatch(chunks, k);
      const allowBits = allow ? toBits(allow, this.count) : null;
      const { stride } = this.shards;
      const out: SearchHits[] = [];
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const n = Math.min(batch, nq - q0);
        const padded = new Float32Array(n * stride);
        for (let q = 0; q < n; q++) {
          const at = (q0 + q) * this.dim;
          padded.set(queries.subarray(at, at + this.dim), q * stride);
        }
        let pairs: Uint32Array;
        try {
          pairs = await this.runner.run({
            shards,
            removed: this.removedBuf,
            queries: padded,
            nq: n,
            stride,
            k,
            allow: allowBits,
          });
        } catch (e) {
          throw new EngramError('GpuUnavailable', `GPU search failed: ${String(e)}`, { cause: e });
        }
        out.push(...decode(pairs, n, k));
      }
      return out;
    });
  }

  /** Frees the GPU buffers (the shared device stays). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.exclusive(() => {
      this.shards.destroy();
      this.runner.destroy();
      this.removedBuf.destroy();
    });
  }
}

/** Packs a byte-per-slot filter into bits for slots `0..size-1`. */
function toBits(allow: Uint8Array, size: number): Uint32Array<ArrayBuffer> {
  const n = Math.min(allow.length, size);
  const bits = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
  for (let s = 0; s < n; s++) if (allow[s] !== 0) bits[s >>> 5]! |= 1 << (s & 31);
  return bits;
}

/** Turns `nq × k` (score bits, slot) pairs into hits, dropping empty keys. */
function decode(pairs: Uint32Array, nq: number, k: number): SearchHits[] {
  const scores = new Float32Array(pairs.buffer, pairs.byteOffset, pairs.length);
  const out: SearchHits[] = [];
  for (let q = 0; q < nq; q++) {
    let n = 0;
    while (n < k && pairs[(q * k + n) * 2 + 1] !== NONE) n++;
    const hits: SearchHits = { slots: new Int32Array(n), scores: new Float32Array(n) };
    for (let r = 0; r < n; r++) {
      const o = (q * k + r) * 2;
      hits.slots[r] = pairs[o + 1]!;
      // Adding 0 turns -0 into 0, as the CPU twin's sums do.
      hits.scores[r] = scores[o]! + 0;
    }
    out.push(hits);
  }
  return out;
}
