// A GPU index with a CPU mirror: answers from the GPU while the device lives,
// from the mirror after a device loss, and moves back to a new device when
// one can be acquired.
import { isEngramError } from '../errors';
import { CpuFlatIndex } from '../search/cpu-index';
import type { SearchHits, VectorIndex } from '../search/vector-index';
import { requestGpu, type GpuContext } from './device';
import { GpuFlatIndex } from './gpu-index';

/** Options of {@link ResilientGpuIndex.create}. */
export interface ResilientGpuIndexOptions {
  /** Vector length. */
  dim: number;
  /** Device to start on. */
  gpu: GpuContext;
  /** Rows per GPU shard (see {@link GpuFlatIndexOptions.shardRows}). */
  shardRows?: number;
  /** Receives diagnostic lines (device loss, fallback, recovery). */
  log?: (message: string) => void;
  /** Least time between two attempts to get a new device, in ms (default 5000). */
  retryMs?: number;
}

/**
 * {@link VectorIndex} on WebGPU that survives device loss: every write also
 * goes to a {@link CpuFlatIndex} mirror, which answers while no device is
 * usable; the next searches try to acquire a new device and re-upload the
 * mirror. `kind` says which one is answering now.
 *
 * @example
 * const { gpu } = await requestGpu();
 * if (gpu) {
 *   const index = await ResilientGpuIndex.create({ dim: 384, gpu, log: console.warn });
 *   await index.write(0, vectors);
 *   const hits = await index.search(query, 10); // CPU answers if the device is lost
 * }
 */
export class ResilientGpuIndex implements VectorIndex {
  /** Vector length. */
  readonly dim: number;
  /** The mirror; always complete. */
  readonly cpu: CpuFlatIndex;
  private active: GpuFlatIndex | null;
  private version = 0;
  private lastTry = -Infinity;
  private recovering: Promise<boolean> | null = null;
  private disposed = false;
  private readonly log: (message: string) => void;

  private constructor(
    gpu: GpuFlatIndex,
    private readonly options: ResilientGpuIndexOptions,
  ) {
    this.dim = options.dim;
    this.cpu = new CpuFlatIndex({ dim: options.dim });
    this.active = gpu;
    this.log = options.log ?? (() => {});
  }

  /**
   * Creates the GPU index (compiling its kernels) and an empty mirror.
   * @param options - see {@link ResilientGpuIndexOptions}
   * @throws EngramError `GpuUnavailable` when the kernels cannot be built
   */
  static async create(options: ResilientGpuIndexOptions): Promise<ResilientGpuIndex> {
    const gpu = await GpuFlatIndex.create({
      dim: options.dim,
      gpu: options.gpu,
      shardRows: options.shardRows,
      log: options.log,
    });
    return new ResilientGpuIndex(gpu, options);
  }

  /** `'webgpu'` while the GPU answers, `'cpu'` after a device loss until recovery. */
  get kind(): 'webgpu' | 'cpu' {
    return this.active ? 'webgpu' : 'cpu';
  }

  /** Slots ever written. */
  get size(): number {
    return this.cpu.size;
  }

  /** The GPU index answering now, or null while the mirror answers. */
  get gpu(): GpuFlatIndex | null {
    return this.active;
  }

  private fallBack(why: string): void {
    if (!this.active) return;
    this.log(`engram: WebGPU search unavailable (${why}); answering from the CPU copy`);
    this.active.dispose();
    this.active = null;
  }

  /**
   * Writes to the mirror, then to the GPU (rows only).
   * @param first - first slot, `≤ size`
   * @param vectors - row-major `count × dim`
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    await this.cpu.write(first, vectors); // validates; throws before anything changes
    this.version++;
    const gpu = this.active;
    if (!gpu) return;
    try {
      await gpu.write(first, vectors);
    } catch (e) {
      if (!isEngramError(e, 'GpuUnavailable')) throw e;
      this.fallBack(e.message);
    }
  }

  /**
   * Masks slots on both copies.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    this.cpu.remove(slots);
    this.version++;
    this.active?.remove(slots);
  }

  /**
   * Unmasks slots on both copies.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    this.cpu.restore(slots);
    this.version++;
    this.active?.restore(slots);
  }

  /**
   * Top-k on the GPU, or on the mirror while no device is usable.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query, 1..{@link MAX_K}
   * @param allow - optional per-slot filter
   */
  async search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const gpu = this.active;
    if (gpu && gpu.lost !== null) this.fallBack(gpu.lost);
    if (this.active) {
      try {
        return await this.active.search(queries, k, allow);
      } catch (e) {
        if (!isEngramError(e, 'GpuUnavailable')) throw e;
        this.fallBack(e.message);
      }
    }
    const hits = await this.cpu.search(queries, k, allow);
    const now = performance.now();
    if (!this.recovering && now - this.lastTry >= (this.options.retryMs ?? 5000)) {
      void this.recover();
    }
    return hits;
  }

  /**
   * Tries now to move back to a (new) WebGPU device, re-uploading the mirror.
   * Resolves true when the GPU answers again. Searches call this on their own.
   */
  recover(): Promise<boolean> {
    if (this.active) return Promise.resolve(true);
    this.recovering ??= this.attempt().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  private async attempt(): Promise<boolean> {
    this.lastTry = performance.now();
    const { gpu, reason } = await requestGpu();
    if (!gpu) {
      this.log(`engram: no new WebGPU device yet (${reason})`);
      return false;
    }
    let fresh: GpuFlatIndex | null = null;
    try {
      const started = this.version;
      fresh = await GpuFlatIndex.create({ ...this.options, gpu });
      if (this.cpu.size > 0) await fresh.write(0, this.cpu.vectors.slice());
      fresh.remove(this.cpu.removedSlots());
      // Writes that raced the upload make the copy stale: try again later.
      if (this.version !== started || this.disposed || this.active) {
        fresh.dispose();
        return this.active !== null;
      }
      this.active = fresh;
      this.log(`engram: WebGPU search restored on a new device (${reason})`);
      return true;
    } catch (e) {
      fresh?.dispose();
      this.log(`engram: WebGPU recovery failed (${String(e)})`);
      return false;
    }
  }

  /** Frees the GPU buffers and the mirror. */
  dispose(): void {
    this.disposed = true;
    this.active?.dispose();
    this.active = null;
    this.cpu.dispose();
  }
}
