// Coarse passes that keep more than 256 candidates: the GPU writes every
// row's code score (quant-scores.wgsl), the host reads the scores back and
// keeps the top m with the CPU twin's collector, so both rank identically.
import { TopK } from '../search/topk';
import type { SearchHits } from '../search/vector-index';
import { checked } from './device';
import { CHUNK, UNIFORM_STRIDE } from './pipelines';
import type { ShardView } from './vector-shards';

/** Inputs of {@link ScoreRunner.run}. */
export interface ScoreJob {
  /** Shards holding the live range. */
  shards: ShardView[];
  /** Rows written (slots per query in the score buffer). */
  total: number;
  /** Removed-slot bits. */
  removed: GPUBuffer;
  /** Encoded queries, `nq × queryWords` words. */
  queries: Uint32Array<ArrayBuffer>;
  /** Query count. */
  nq: number;
  /** u32 words per code row (multiple of 4). */
  words: number;
  /** u32 words per encoded query. */
  queryWords: number;
  /** Hits per query (any size). */
  m: number;
  /** Allowed-slot bits, or null for no filter. */
  allow: Uint32Array<ArrayBuffer> | null;
}

/** Queries per workgroup (QT in quant-scores.wgsl). */
const QT = 4;
const PARAM_WORDS = 8;

/**
 * Scratch buffers and encoding of every-row score passes on one store. Not
 * re-entrant: the store runs one search at a time.
 */
export class ScoreRunner {
  private readonly buffers = new Map<string, GPUBuffer>();

  /**
   * @param device - the device
   * @param pipeline - the mode's `scores` pipeline
   * @param label - prefix of buffer labels
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
    private readonly label: string,
  ) {}

  private scratch(name: string, size: number, usage: number): GPUBuffer {
    const need = Math.max(16, Math.ceil(size / 16) * 16);
    const old = this.buffers.get(name);
    if (old && old.size >= need) return old;
    old?.destroy();
    const buffer = this.device.createBuffer({ label: `${this.label} ${name}`, size: need, usage });
    this.buffers.set(name, buffer);
    return buffer;
  }

  /**
   * Largest query batch whose scores fit one binding.
   * @param total - rows
   */
  maxBatch(total: number): number {
    const { limits } = this.device;
    const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    return Math.max(1, Math.min(65535, Math.floor(bytes / (Math.max(1, total) * 4))));
  }

  /**
   * Scores every row for every query and keeps each query's top m (score
   * desc, slot asc; removed and disallowed slots dropped).
   * @param job - see {@link ScoreJob}
   */
  async run(job: ScoreJob): Promise<SearchHits[]> {
    const { device } = this;
    const { shards, nq, total } = job;
    const STORAGE = GPUBufferUsage.STORAGE;
    const outBytes = nq * total * 4;
    let staging: GPUBuffer | undefined;
    let mapping: Promise<void> | undefined;
    try {
      await checked(device, 'code scores', () => {
        const queries = this.scratch(
          'score queries',
          Math.ceil(nq / QT) * QT * job.queryWords * 4,
          STORAGE | GPUBufferUsage.COPY_DST,
        );
        device.queue.writeBuffer(queries, 0, job.queries);
        const allowBits = job.allow ?? new Uint32Array(1);
        const allow = this.scratch(
          'score allow bits',
          allowBits.byteLength,
          STORAGE | GPUBufferUsage.COPY_DST,
        );
        device.queue.writeBuffer(allow, 0, allowBits);
        const params = new Uint32Array((shards.length * UNIFORM_STRIDE) / 4);
        shards.forEach((s, i) => {
          params.set(
            [
              s.base,
              s.rows,
              total,
              job.words / 4,
              job.allow ? 1 : 0,
              job.allow?.length ?? 0,
              nq,
              0,
            ],
            (i * UNIFORM_STRIDE) / 4,
          );
        });
        const uniform = this.scratch(
          'score params',
          params.byteLength,
          GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        );
        device.queue.writeBuffer(uniform, 0, params);
        const out = this.scratch('scores', outBytes, STORAGE | GPUBufferUsage.COPY_SRC);
        staging = this.scratch(
          'scores readback',
          outBytes,
          GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
        );
        const enc = device.createCommandEncoder({ label: `${this.label} scores` });
        const pass = enc.beginComputePass({ label: `${this.label} every-row scores` });
        pass.setPipeline(this.pipeline);
        shards.forEach((s, i) => {
          pass.setBindGroup(
            0,
            device.createBindGroup({
              label: `${this.label} scores shard ${i}`,
              layout: this.pipeline.getBindGroupLayout(0),
              entries: [
                { binding: 0, resource: { buffer: s.buffer } },
                { binding: 1, resource: { buffer: queries } },
                { binding: 2, resource: { buffer: job.removed } },
                { binding: 3, resource: { buffer: allow } },
                { binding: 4, resource: { buffer: out } },
                {
                  binding: 5,
                  resource: { buffer: uniform, offset: i * UNIFORM_STRIDE, size: PARAM_WORDS * 4 },
                },
              ],
            }),
          );
          pass.dispatchWorkgroups(Math.ceil(s.rows / CHUNK), Math.ceil(nq / QT));
        });
        pass.end();
        enc.copyBufferToBuffer(out, 0, staging, 0, outBytes);
        device.queue.submit([enc.finish()]);
        mapping = staging.mapAsync(GPUMapMode.READ, 0, outBytes);
      });
      await mapping;
      const scores = new Float32Array(staging!.getMappedRange(0, outBytes).slice(0));
      staging!.unmap();
      return Array.from({ length: nq }, (_, q) => select(scores, q * total, total, job.m));
    } catch (e) {
      void mapping?.then(
        () => staging?.unmap(),
        () => undefined,
      );
      throw e;
    }
  }

  /** Frees the scratch buffers. */
  destroy(): void {
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
  }
}

/** The top m of one query's row scores; the lowest finite f32 marks an ineligible slot. */
function select(scores: Float32Array, at: number, total: number, m: number): SearchHits {
  const top = new TopK(m);
  for (let s = 0; s < total; s++) {
    const v = scores[at + s]!;
    if (v > -3.4e38 && v > top.threshold) top.push(v, s);
  }
  return top.result();
}
