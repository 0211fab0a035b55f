// The fused rerank on the GPU: feature-adjusted scores and the pool (pass 1),
// the pool's pairwise similarities (pass 2), greedy MMR (pass 3), one
// submission; reads back only the picked indices.
import commonSrc from '../../shaders/rerank-common.wgsl?raw';
import mmrSrc from '../../shaders/rerank-mmr.wgsl?raw';
import poolSrc from '../../shaders/rerank-pool.wgsl?raw';
import simsSrc from '../../shaders/rerank-sims.wgsl?raw';
import { EngramError } from '../errors';
import {
  adjustedScores,
  checkRerank,
  type FusedRerankInput,
  type FusedRerankResult,
} from '../search/rerank-fused';
import { checked, requestGpu, type GpuContext } from './device';

interface RerankPipelines {
  layout: GPUBindGroupLayout;
  pool: GPUComputePipeline;
  sims: GPUComputePipeline;
  mmr: GPUComputePipeline;
}

const cache = new WeakMap<GPUDevice, Promise<RerankPipelines>>();

async function compile(device: GPUDevice): Promise<RerankPipelines> {
  const S = GPUShaderStage.COMPUTE;
  const ro = { type: 'read-only-storage' } as const;
  const rw = { type: 'storage' } as const;
  const layout = device.createBindGroupLayout({
    label: 'engram rerank bindings',
    entries: [
      ...[ro, ro, ro, rw, rw, rw, rw].map((buffer, binding) => ({
        binding,
        visibility: S,
        buffer,
      })),
      { binding: 7, visibility: S, buffer: { type: 'uniform' } },
    ],
  });
  const pipelineLayout = device.createPipelineLayout({
    label: 'engram rerank layout',
    bindGroupLayouts: [layout],
  });
  const make = async (name: string, entryPoint: string, src: string) => {
    const module = device.createShaderModule({
      label: `engram rerank-${name}.wgsl`,
      code: `${commonSrc}\n${src}`,
    });
    try {
      return await device.createComputePipelineAsync({
        label: `engram rerank ${name}`,
        layout: pipelineLayout,
        compute: { module, entryPoint },
      });
    } catch (e) {
      const info = await module.getCompilationInfo();
      const why = info.messages.map((m) => `${m.lineNum}:${m.linePos}: ${m.message}`).join('\n');
      throw new EngramError('GpuUnavailable', `rerank ${name} failed to compile: ${why || e}`, {
        cause: e,
      });
    }
  };
  const [pool, sims, mmr] = await Promise.all([
    make('pool', 'poolPass', poolSrc),
    make('sims', 'pairSims', simsSrc),
    make('mmr', 'mmrPass', mmrSrc),
  ]);
  return { layout, pool, sims, mmr };
}

function pipelinesOf(device: GPUDevice): Promise<RerankPipelines> {
  let entry = cache.get(device);
  if (!entry) {
    entry = compile(device).catch((e: unknown) => {
      cache.delete(device);
      throw e;
    });
    cache.set(device, entry);
    void device.lost.then(() => cache.delete(device));
  }
  return entry;
}

/**
 * Fused rerank on a WebGPU device: the same order as {@link rerankFused}
 * (its CPU twin). One call at a time per reranker.
 *
 * @example
 * const reranker = await GpuReranker.create();
 * const { order } = await reranker.rerank({ vectors, dim: 384, scores, features, lambda: 0.7, limit: 10 });
 */
export class GpuReranker {
  private constructor(
    /** The device. */
    readonly device: GPUDevice,
    private readonly pipelines: RerankPipelines,
  ) {}

  /**
   * Compiles the three passes (once per device).
   * @param gpu - device to use; default: the shared one
   * @throws EngramError `GpuUnavailable`
   */
  static async create(gpu?: GpuContext): Promise<GpuReranker> {
    let ctx = gpu;
    if (!ctx) {
      const got = await requestGpu();
      if (!got.gpu) throw new EngramError('GpuUnavailable', `No WebGPU device: ${got.reason}`);
      ctx = got.gpu;
    }
    return new GpuReranker(ctx.device, await pipelinesOf(ctx.device));
  }

  /**
   * Runs the fused rerank.
   * @param input - see {@link FusedRerankInput}
   * @throws EngramError `InvalidArgument`/`DimensionMismatch` for bad input, `GpuUnavailable` on GPU errors
   */
  async rerank(input: FusedRerankInput): Promise<FusedRerankResult> {
    const [c, P, limit] = checkRerank(input);
    if (limit === 0) return { order: new Int32Array(0), scores: new Float32Array(0) };
    const { device, pipelines } = this;
    const stride4 = Math.ceil(input.dim / 4);
    const vec = new Float32Array(Math.max(4, c * stride4 * 4));
    for (let i = 0; i < c; i++) {
      vec.set(input.vectors.subarray(i * input.dim, (i + 1) * input.dim), i * stride4 * 4);
    }
    const feat = new Float32Array(c * 4).fill(-1);
    if (input.features) {
      for (let i = 0; i < c * 3; i++) {
        const v = input.features[i]!;
        if (v >= 0) feat[Math.floor(i / 3) * 4 + (i % 3)] = v;
      }
    }
    const w = { recency: 0, retention: 0.2, trust: 0.2, ...input.weights };
    const params = new ArrayBuffer(32);
    new Uint32Array(params, 0, 4).set([c, P, limit, stride4]);
    new Float32Array(params, 16, 4).set([input.lambda ?? 0.7, w.recency, w.retention, w.trust]);
    const made: GPUBuffer[] = [];
    const buffer = (
      name: string,
      size: number,
      usage: number,
      data?: ArrayBuffer | Float32Array,
    ) => {
      const b = device.createBuffer({
        label: `engram rerank ${name}`,
        size: Math.max(16, size),
        usage,
      });
      if (data) device.queue.writeBuffer(b, 0, data as ArrayBuffer);
      made.push(b);
      return b;
    };
    let staging: GPUBuffer | undefined;
    try {
      const { STORAGE, COPY_DST, COPY_SRC, UNIFORM, MAP_READ } = GPUBufferUsage;
      await checked(device, 'rerank', () => {
        const bufs = [
          buffer('vectors', vec.byteLength, STORAGE | COPY_DST, vec),
          buffer('scores', c * 4, STORAGE | COPY_DST, Float32Array.from(input.scores)),
          buffer('features', feat.byteLength, STORAGE | COPY_DST, feat),
          buffer('adjusted', c * 4, STORAGE),
          buffer('pool', P * 4, STORAGE),
          buffer('sims', P * P * 4, STORAGE),
          buffer('picked', limit * 4, STORAGE | COPY_SRC),
          buffer('params', 32, UNIFORM | COPY_DST, params),
        ];
        staging = buffer('readback', limit * 4, MAP_READ | COPY_DST);
        const group = device.createBindGroup({
          label: 'engram rerank group',
          layout: pipelines.layout,
          entries: bufs.map((b, binding) => ({ binding, resource: { buffer: b } })),
        });
        const enc = device.createCommandEncoder({ label: 'engram rerank' });
        const pass = enc.beginComputePass({ label: 'engram rerank passes' });
        pass.setBindGroup(0, group);
        pass.setPipeline(pipelines.pool);
        pass.dispatchWorkgroups(1);
        pass.setPipeline(pipelines.sims);
        pass.dispatchWorkgroups(Math.ceil(P / 16), Math.ceil(P / 16));
        pass.setPipeline(pipelines.mmr);
        pass.dispatchWorkgroups(1);
        pass.end();
        enc.copyBufferToBuffer(bufs[6]!, 0, staging, 0, limit * 4);
        device.queue.submit([enc.finish()]);
      });
      await staging!.mapAsync(GPUMapMode.READ, 0, limit * 4);
      const order = new Int32Array(staging!.getMappedRange(0, limit * 4).slice(0));
      staging!.unmap();
      const adj = adjustedScores(input);
      return { order, scores: Float32Array.from(order, (i) => adj[i]!) };
    } finally {
      for (const b of made) b.destroy();
    }
  }
}
