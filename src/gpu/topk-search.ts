// One batched top-k search on the GPU: scan every shard (k candidates per
// 1024-row chunk), merge candidate lists 1024 at a time until k remain per
// query, read back only nq × k (score, slot) pairs.
import { checked } from './device';
import { CHUNK, UNIFORM_STRIDE, type TopKPipelines } from './pipelines';
import type { ShardView } from './vector-shards';

/** Inputs of {@link TopKRunner.run}. */
export interface TopKJob {
  /** Shards holding the live range. */
  shards: ShardView[];
  /** Removed-slot bits (bit `s & 31` of word `s >> 5`). */
  removed: GPUBuffer;
  /** Queries, row-major with rows padded to `stride` floats. */
  queries: Float32Array<ArrayBuffer>;
  /** Query count. */
  nq: number;
  /** Floats per padded row (multiple of 4). */
  stride: number;
  /** Floats per query when queries are wider than rows (binary bit planes); default `stride`. */
  queryStride?: number;
  /** Hits per query (≤ 256). */
  k: number;
  /** Allowed-slot bits, or null for no filter. */
  allow: Uint32Array<ArrayBuffer> | null;
  /** Where the compute pass (scan and merges) writes its GPU timestamps (benchmarks; needs `timestamp-query`). */
  timestampWrites?: GPUComputePassTimestampWrites;
}

const SCAN_PARAMS_WORDS = 12;

/**
 * The scratch buffers and command encoding of searches on one index. Not
 * re-entrant: the index runs one search at a time.
 */
export class TopKRunner {
  private readonly buffers = new Map<string, GPUBuffer>();

  /**
   * @param device - the device
   * @param pipelines - compiled kernels of that device
   * @param label - prefix of buffer labels
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: TopKPipelines,
    private readonly label: string,
  ) {}

  /** True when the kernels sort with subgroup operations. */
  get subgroups(): boolean {
    return this.pipelines.subgroups;
  }

  /** A scratch buffer of at least `size` bytes, reallocated (×1.5) when too small. */
  private scratch(name: string, size: number, usage: number): GPUBuffer {
    const need = Math.max(16, Math.ceil(size / 16) * 16);
    const old = this.buffers.get(name);
    if (old && old.size >= need) return old;
    old?.destroy();
    const grown = old ? Math.ceil((old.size * 1.5) / 16) * 16 : 0;
    const buffer = this.device.createBuffer({
      label: `${this.label} ${name}`,
      size: Math.max(need, Math.min(grown, this.bindingLimit())),
      usage,
    });
    this.buffers.set(name, buffer);
    return buffer;
  }

  /**
   * Largest query batch one submission handles for `chunks` chunks and `k`.
   * @param chunks - scan chunks over all shards
   * @param k - hits per query
   */
  maxBatch(chunks: number, k: number): number {
    const bytesPerQuery = Math.max(1, chunks) * k * 8;
    return Math.max(1, Math.min(65535, Math.floor(this.bindingLimit() / bytesPerQuery)));
  }

  /** Largest buffer that can be bound whole as storage. */
  private bindingLimit(): number {
    const { limits } = this.device;
    return Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / 16) * 16;
  }

  /** Encodes and submits one batch; returns the buffer the results are copied to. */
  private encode(job: TopKJob): { staging: GPUBuffer; outBytes: number } {
    const { device, pipelines } = this;
    const { shards, nq, k, stride } = job;
    const QT = pipelines.queriesPerGroup;
    const STORAGE = GPUBufferUsage.STORAGE; // a browser global: read at call time, not import time
    const chunkCounts = shards.map((s) => Math.ceil(s.rows / CHUNK));
    const chunks = chunkCounts.reduce((a, b) => a + b, 0);

    // Merge passes: m candidates per query → ceil(m / CHUNK) × k, until m = k.
    const passes: { m: number; outChunks: number }[] = [];
    for (let m = chunks * k; m > k;) {
      const outChunks = Math.ceil(m / CHUNK);
      passes.push({ m, outChunks });
      m = outChunks * k;
    }

    const queries = this.scratch(
      'queries',
      Math.ceil(nq / QT) * QT * (job.queryStride ?? stride) * 4, // whole groups of QT rows (extra rows are never output)
      STORAGE | GPUBufferUsage.COPY_DST,
    );
    device.queue.writeBuffer(queries, 0, job.queries);
    const allowBits = job.allow ?? new Uint32Array(1);
    const allow = this.scratch(
      'allow bits',
      allowBits.byteLength,
      STORAGE | GPUBufferUsage.COPY_DST,
    );
    device.queue.writeBuffer(allow, 0, allowBits);

    const entries = shards.length + passes.length;
    const params = new Uint32Array((entries * UNIFORM_STRIDE) / 4);
    const uniform = this.scratch(
      'params',
      params.byteLength,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    let chunk0 = 0;
    shards.forEach((s, i) => {
      const o = (i * UNIFORM_STRIDE) / 4;
      params.set(
        [
          s.base,
          s.rows,
          k,
          chunk0,
          chunks,
          stride / 4,
          job.allow ? 1 : 0,
          job.allow?.length ?? 0,
          nq,
        ],
        o,
      );
      chunk0 += chunkCounts[i]!;
    });
    passes.forEach((p, i) => {
      params.set([p.m, k, p.outChunks, 0], ((shards.length + i) * UNIFORM_STRIDE) / 4);
    });
    device.queue.writeBuffer(uniform, 0, params);

    const candBytes = nq * chunks * k * 8;
    const cand = [
      this.scratch('candidates A', candBytes, STORAGE | GPUBufferUsage.COPY_SRC),
      this.scratch(
        'candidates B',
        nq * (passes[0]?.outChunks ?? 1) * k * 8,
        STORAGE | GPUBufferUsage.COPY_SRC,
      ),
    ] as const;
    const outBytes = nq * k * 8;
    const staging = this.scratch(
      'readback',
      outBytes,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    );

    const enc = device.createCommandEncoder({ label: `${this.label} search` });
    const pass = enc.beginComputePass({
      label: `${this.label} top-k`,
      ...(job.timestampWrites ? { timestampWrites: job.timestampWrites } : {}),
    });
    pass.setPipeline(pipelines.scan);
    shards.forEach((s, i) => {
      pass.setBindGroup(
        0,
        device.createBindGroup({
          label: `${this.label} scan shard ${i}`,
          layout: pipelines.scan.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: s.buffer } },
            { binding: 1, resource: { buffer: queries } },
            { binding: 2, resource: { buffer: job.removed } },
            { binding: 3, resource: { buffer: allow } },
            { binding: 4, resource: { buffer: cand[0] } },
            {
              binding: 5,
              resource: {
                buffer: uniform,
                offset: i * UNIFORM_STRIDE,
                size: SCAN_PARAMS_WORDS * 4,
              },
            },
          ],
        }),
      );
      pass.dispatchWorkgroups(chunkCounts[i]!, Math.ceil(nq / QT));
    });
    let src: 0 | 1 = 0;
    if (passes.length) pass.setPipeline(pipelines.merge);
    passes.forEach((p, i) => {
      pass.setBindGroup(
        0,
        device.createBindGroup({
          label: `${this.label} merge pass ${i}`,
          layout: pipelines.merge.getBindGroupLayout(0),
          entries: [
            { binding: 0, resource: { buffer: cand[src] } },
            { binding: 1, resource: { buffer: cand[src === 0 ? 1 : 0] } },
            {
              binding: 2,
              resource: { buffer: uniform, offset: (shards.length + i) * UNIFORM_STRIDE, size: 16 },
            },
          ],
        }),
      );
      pass.dispatchWorkgroups(p.outChunks, nq);
      src = src === 0 ? 1 : 0;
    });
    pass.end();
    enc.copyBufferToBuffer(cand[src], 0, staging, 0, outBytes);
    device.queue.submit([enc.finish()]);
    return { staging, outBytes };
  }

  /**
   * Runs one batch and returns `nq × k` pairs `[score bits, slot]`, each
   * query's best first; slot 0xffffffff marks "no hit".
   * @param job - see {@link TopKJob}
   */
  async run(job: TopKJob): Promise<Uint32Array> {
    let mapping: Promise<void> | undefined;
    let staging: GPUBuffer | undefined;
    try {
      // Errors of the encoded work (a refused allocation, an invalid command)
      // surface here instead of as stale results.
      const { outBytes } = await checked(this.device, 'top-k search', () => {
        const e = this.encode(job);
        staging = e.staging;
        mapping = e.staging.mapAsync(GPUMapMode.READ, 0, e.outBytes);
        return e;
      });
      await mapping;
      const out = new Uint32Array(staging!.getMappedRange(0, outBytes).slice(0));
      staging!.unmap();
      return out;
    } catch (e) {
      // A map still pending would make the next search's mapAsync fail.
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
