// Runs in the test page: the top-k sort of topk-keys.wgsl alone (one
// workgroup per 1024 keys), in the barrier-only and the subgroup variant and
// with the subgroup span capped, against Array.prototype.sort on the same
// keys: ties, empty keys, sorted and reversed chunks.
import { requestGpu } from '../../src/gpu/device';
import { CHUNK, shaderErrors, sortVariant, type SortOptions } from '../../src/gpu/pipelines';
import { rng } from '../search/fixtures';

/** What one variant answered. */
export interface SortTwinResult {
  /** The variant used subgroup operations. */
  subgroups: boolean;
  /** Chunks whose sorted keys differ from the CPU sort (indexes). */
  wrongChunks: number[];
  /** Chunks sorted. */
  chunks: number;
  /** Validation errors (expected: none). */
  errors: string[];
}

/** The adapter's subgroup facts. */
export interface SubgroupFacts {
  feature: boolean;
  minSize: number | null;
  maxSize: number | null;
}

const KERNEL = `
@group(0) @binding(0) var<storage, read> inKeys: array<vec2<u32>>;
@group(0) @binding(1) var<storage, read_write> outKeys: array<vec2<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: Invocation) {
  for (var r = 0u; r < CHUNK / WG; r++) {
    let j = r * WG + ids.t;
    let c = inKeys[wid.x * CHUNK + j];
    keyScore[j] = bitcast<f32>(c.x);
    keySlot[j] = c.y;
  }
  sortChunk(ids);
  for (var r = 0u; r < CHUNK / WG; r++) {
    let j = r * WG + ids.t;
    outKeys[wid.x * CHUNK + j] = vec2<u32>(bitcast<u32>(keyScore[j]), keySlot[j]);
  }
}`;

const NONE = 0xffffffff;
const NEG_INF = -3.4028234663852886e38;

/** Chunks of keys (score bits, slot): random with ties, empty keys, sorted, reversed, all equal. */
function makeKeys(chunks: number, seed: number): Uint32Array<ArrayBuffer> {
  const r = rng(seed);
  const f = new Float32Array(chunks * CHUNK);
  const slots = new Uint32Array(chunks * CHUNK);
  for (let c = 0; c < chunks; c++) {
    const kind = c % 6;
    for (let j = 0; j < CHUNK; j++) {
      const i = c * CHUNK + j;
      slots[i] = Math.floor(r() * 5000);
      if (kind === 0)
        f[i] = Math.round(r() * 16) / 16 - 0.5; // many ties
      else if (kind === 1) f[i] = r() * 2 - 1;
      else if (kind === 2)
        f[i] = j / CHUNK; // ascending: the worst order
      else if (kind === 3) f[i] = 1 - j / CHUNK;
      else if (kind === 4)
        f[i] = 0.25; // all tied: slots decide
      else f[i] = r() < 0.6 ? NEG_INF : r(); // mostly empty (a chunk past the end of a shard)
      if (kind === 5 && f[i] === NEG_INF) slots[i] = NONE;
    }
  }
  const keys = new Uint32Array(chunks * CHUNK * 2);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < f.length; i++) {
    keys[2 * i] = bits[i]!;
    keys[2 * i + 1] = slots[i]!;
  }
  return keys;
}

/** The CPU sort of each chunk: score descending, slot ascending. */
function cpuSorted(keys: Uint32Array, chunks: number): Uint32Array {
  const out = new Uint32Array(keys.length);
  const f = new Float32Array(keys.buffer);
  for (let c = 0; c < chunks; c++) {
    const idx = Array.from({ length: CHUNK }, (_, j) => c * CHUNK + j);
    idx.sort((a, b) => f[2 * b]! - f[2 * a]! || keys[2 * a + 1]! - keys[2 * b + 1]!);
    idx.forEach((i, j) => {
      out[2 * (c * CHUNK + j)] = keys[2 * i]!;
      out[2 * (c * CHUNK + j) + 1] = keys[2 * i + 1]!;
    });
  }
  return out;
}

/** Whether the page's adapter offers subgroups, and its subgroup sizes. */
export async function subgroupFacts(): Promise<SubgroupFacts> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  const info = gpu.adapter.info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    feature: gpu.device.features.has('subgroups'),
    minSize: info.subgroupMinSize ?? null,
    maxSize: info.subgroupMaxSize ?? null,
  };
}

/**
 * Sorts `chunks` chunks of keys on the GPU with the chosen sort and compares each with the CPU.
 * @param sort - which sort (see SortOptions)
 * @param chunks - workgroups
 * @param seed - PRNG seed
 */
export async function runSortTwin(
  sort: SortOptions,
  chunks: number,
  seed: number,
): Promise<SortTwinResult> {
  const { gpu } = await requestGpu();
  if (!gpu) throw new Error('no WebGPU device in the test page');
  const { device } = gpu;
  const variant = sortVariant(device, sort);
  device.pushErrorScope('validation');
  const module = device.createShaderModule({
    label: 'test sort',
    code: `${variant.enable}${variant.wgsl}\n${KERNEL}`,
  });
  const pipeline = await device
    .createComputePipelineAsync({
      label: 'test sort',
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: variant.constants },
    })
    .catch(async (e: unknown) => {
      throw new Error(`${String(e)}\n${await shaderErrors(module)}`);
    });
  const keys = makeKeys(chunks, seed);
  const usage = GPUBufferUsage.STORAGE;
  const input = device.createBuffer({
    label: 'test sort in',
    size: keys.byteLength,
    usage: usage | GPUBufferUsage.COPY_DST,
  });
  const output = device.createBuffer({
    label: 'test sort out',
    size: keys.byteLength,
    usage: usage | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    label: 'test sort read',
    size: keys.byteLength,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  device.queue.writeBuffer(input, 0, keys);
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(
    0,
    device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: input } },
        { binding: 1, resource: { buffer: output } },
      ],
    }),
  );
  pass.dispatchWorkgroups(chunks);
  pass.end();
  enc.copyBufferToBuffer(output, 0, read, 0, keys.byteLength);
  device.queue.submit([enc.finish()]);
  await read.mapAsync(GPUMapMode.READ);
  const got = new Uint32Array(read.getMappedRange().slice(0));
  read.unmap();
  const error = await device.popErrorScope();
  for (const b of [input, output, read]) b.destroy();
  const want = cpuSorted(keys, chunks);
  const wrongChunks: number[] = [];
  for (let c = 0; c < chunks; c++) {
    for (let i = 2 * c * CHUNK; i < 2 * (c + 1) * CHUNK; i++) {
      if (got[i] !== want[i]) {
        wrongChunks.push(c);
        break;
      }
    }
  }
  return {
    subgroups: variant.subgroups,
    wrongChunks,
    chunks,
    errors: error ? [error.message] : [],
  };
}
