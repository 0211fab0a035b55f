// Compact code rows on the GPU, scanned by the code-scan kernels with the
// shared top-k merge; the GPU side of QuantizedIndex.
import { EngramError } from '../errors';
import type { Codec } from '../search/quant/codec';
import type { CodeStore } from '../search/quant/code-store';
import type { SearchHits } from '../search/vector-index';
import { checked, requestGpu, type GpuContext } from './device';
import { MAX_K } from '../search/topk';
import { ScoreRunner } from './code-scores';
import { CHUNK } from './pipelines';
import { codeScanPipelines, type CodeScanMode } from './quant-pipelines';
import { TopKRunner } from './topk-search';
import { VectorShards } from './vector-shards';

/** Options of {@link createGpuCodeStore}. */
export interface GpuCodeStoreOptions {
  /** Device; default: the shared one. */
  gpu?: GpuContext;
  /** Rows per shard (tests force small shards). */
  shardRows?: number;
  /** Prefix of GPU labels. */
  label?: string;
  /**
   * Sort the top-k with subgroup operations where the device has the
   * `subgroups` feature (default true: on an NVIDIA H200 it made the int8
   * scan 9–17 % faster and fp16 no slower); false forces the barrier-only sort.
   */
  subgroups?: boolean;
}

const NONE = 0xffffffff;
let nextId = 0;

/**
 * A GPU store for `codec`'s codes: the code-scan kernel of its mode.
 * @param codec - the codec (fixes mode and row width)
 * @param options - see {@link GpuCodeStoreOptions}
 * @throws EngramError `GpuUnavailable` without a device or when compilation fails
 * @example
 * const store = await createGpuCodeStore(new Int8Codec(384), {});
 */
export async function createGpuCodeStore(
  codec: Codec,
  options: GpuCodeStoreOptions,
): Promise<CodeStore> {
  let gpu = options.gpu;
  if (!gpu) {
    const got = await requestGpu();
    if (!got.gpu) throw new EngramError('GpuUnavailable', `No WebGPU device: ${got.reason}`);
    gpu = got.gpu;
  }
  const { device } = gpu;
  const f16 = codec.mode === 'fp16' && device.features.has('shader-f16');
  const pipelines = await codeScanPipelines(device, codec.mode, f16, {
    subgroups: options.subgroups,
  });
  const label = `${options.label ?? 'engram'} ${codec.mode} codes ${nextId++}`;
  const max = VectorShards.maxShardRows(device, codec.words);
  const shards = new VectorShards(
    device,
    codec.words,
    Math.min(options.shardRows ?? max, max),
    label,
  );
  return new GpuCodeStore(
    device,
    codec.mode,
    codec.words,
    shards,
    new TopKRunner(device, pipelines, label),
    label,
    f16,
    new ScoreRunner(device, pipelines.scores, label),
    codec.queryWords ?? codec.words,
  );
}

/**
 * Code rows in sharded storage buffers, a removed-slot bitmask buffer, and
 * the top-k runner with the mode's scan kernel. One operation at a time.
 */
export class GpuCodeStore implements CodeStore {
  /** Always `'webgpu'`. */
  readonly kind = 'webgpu' as const;
  private count = 0;
  private bits = new Uint32Array(4);
  private removedBuf: GPUBuffer;
  private dirty = true;
  private tail: Promise<unknown> = Promise.resolve();

  /**
   * @param device - the device
   * @param mode - the code
   * @param words - u32 per row (multiple of 4)
   * @param shards - the code storage
   * @param runner - top-k with the mode's scan
   * @param label - label prefix
   * @param f16 - whether the fp16 scan uses shader-f16
   * @param scorer - every-row scores, for k past {@link MAX_K}
   * @param queryWords - u32 per encoded query
   */
  constructor(
    private readonly device: GPUDevice,
    readonly mode: CodeScanMode,
    readonly words: number,
    private readonly shards: VectorShards,
    private readonly runner: TopKRunner,
    private readonly label: string,
    readonly f16: boolean,
    private readonly scorer: ScoreRunner,
    readonly queryWords: number,
  ) {
    this.removedBuf = this.allocBits();
  }

  /** Rows ever written. */
  get size(): number {
    return this.count;
  }

  /** True when the top-k kernels sort with subgroup operations. */
  get subgroups(): boolean {
    return this.runner.subgroups;
  }

  /** Bytes of the code rows written (GPU-resident). */
  get bytes(): number {
    return this.count * this.words * 4;
  }

  private allocBits(): GPUBuffer {
    return this.device.createBuffer({
      label: `${this.label} removed bits`,
      size: Math.max(16, Math.ceil(this.bits.length / 4) * 16),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * Uploads code rows (only these rows cross to the GPU).
   * @param first - first slot
   * @param codes - `n × words`
   */
  write(first: number, codes: Uint32Array): Promise<void> {
    const end = first + codes.length / this.words;
    return this.exclusive(async () => {
      await checked(this.device, 'write codes', () => {
        this.shards.ensure(end, this.count);
        const words = Math.ceil(end / 32);
        if (words > this.bits.length) {
          const bits = new Uint32Array(Math.max(words, this.bits.length * 2));
          bits.set(this.bits);
          this.bits = bits;
          this.removedBuf.destroy();
          this.removedBuf = this.allocBits();
          this.dirty = true;
        }
        // Code words travel as raw bytes: a float view never reads the values.
        this.shards.write(first, new Float32Array(codes.buffer, codes.byteOffset, codes.length));
      });
      this.count = Math.max(this.count, end);
    });
  }

  private setBits(slots: readonly number[], on: boolean): void {
    for (const s of slots) {
      if (on) this.bits[s >>> 5]! |= 1 << (s & 31);
      else this.bits[s >>> 5]! &= ~(1 << (s & 31));
    }
    this.dirty = true;
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
   * Top-k raw code scores on the GPU, the batch in one submission. Past
   * {@link MAX_K} the GPU writes every row's score and the top k are kept
   * on the host (the CPU twin's collector).
   * @param queries - `nq × queryWords` encoded queries
   * @param nq - query count
   * @param k - hits per query (any size)
   * @param allow - optional per-slot filter
   */
  search(queries: Uint32Array, nq: number, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    return this.exclusive(async () => {
      if (this.count === 0 || nq === 0) {
        return Array.from({ length: nq }, () => ({
          slots: new Int32Array(0),
          scores: new Float32Array(0),
        }));
      }
      if (this.dirty) {
        this.device.queue.writeBuffer(this.removedBuf, 0, this.bits);
        this.dirty = false;
      }
      const shards = this.shards.views(this.count);
      let allowBits: Uint32Array<ArrayBuffer> | null = null;
      if (allow) {
        const n = Math.min(allow.length, this.count);
        allowBits = new Uint32Array(Math.max(1, Math.ceil(n / 32)));
        for (let s = 0; s < n; s++) if (allow[s] !== 0) allowBits[s >>> 5]! |= 1 << (s & 31);
      }
      const qw = this.queryWords;
      if (k > MAX_K) {
        const out: SearchHits[] = [];
        const batch = this.scorer.maxBatch(this.count);
        for (let q0 = 0; q0 < nq; q0 += batch) {
          const n = Math.min(batch, nq - q0);
          const hits = await this.scorer.run({
            shards,
            total: this.count,
            removed: this.removedBuf,
            queries: queries.slice(q0 * qw, (q0 + n) * qw),
            nq: n,
            words: this.words,
            queryWords: qw,
            m: k,
            allow: allowBits,
          });
          out.push(...hits);
        }
        return out;
      }
      const chunks = shards.reduce((a, s) => a + Math.ceil(s.rows / CHUNK), 0);
      const batch = this.runner.maxBatch(chunks, k);
      const out: SearchHits[] = [];
      for (let q0 = 0; q0 < nq; q0 += batch) {
        const n = Math.min(batch, nq - q0);
        const words = queries.slice(q0 * qw, (q0 + n) * qw);
        const pairs = await this.runner.run({
          shards,
          removed: this.removedBuf,
          queries: new Float32Array(words.buffer),
          nq: n,
          stride: this.words,
          queryStride: qw,
          k,
          allow: allowBits,
        });
        out.push(...decode(pairs, n, k));
      }
      return out;
    });
  }

  /** Frees the GPU buffers. */
  dispose(): void {
    void this.exclusive(async () => {
      this.shards.destroy();
      this.runner.destroy();
      this.scorer.destroy();
      this.removedBuf.destroy();
    });
  }
}

/** `nq × k` (score bits, slot) pairs → hits, dropping empty keys. */
function decode(pairs: Uint32Array, nq: number, k: number): SearchHits[] {
  const scores = new Float32Array(pairs.buffer, pairs.byteOffset, pairs.length);
  return Array.from({ length: nq }, (_, q) => {
    let n = 0;
    while (n < k && pairs[(q * k + n) * 2 + 1] !== NONE) n++;
    const hits: SearchHits = { slots: new Int32Array(n), scores: new Float32Array(n) };
    for (let r = 0; r < n; r++) {
      hits.slots[r] = pairs[(q * k + r) * 2 + 1]!;
      hits.scores[r] = scores[(q * k + r) * 2]! + 0;
    }
    return hits;
  });
}
