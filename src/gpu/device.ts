// Acquiring a WebGPU adapter and device, with the facts the backend choice needs.
import { EngramError } from '../errors';

/** What the adapter says about itself, plus the limits the index uses. */
export interface GpuAdapterSummary {
  /** e.g. 'google', 'nvidia', 'apple' (may be empty). */
  vendor: string;
  /** e.g. 'swiftshader', 'ampere' (may be empty). */
  architecture: string;
  /** Device string, often empty for privacy. */
  device: string;
  /** Driver description, often empty. */
  description: string;
  /** The browser marks software or otherwise degraded adapters as fallback. */
  isFallbackAdapter: boolean;
  /** True for a fallback adapter or a known software rasteriser (SwiftShader, llvmpipe, WARP). */
  software: boolean;
  /** Largest storage binding the device was given (the adapter's own limit). */
  maxStorageBufferBindingSize: number;
  /** Largest buffer the device was given (the adapter's own limit). */
  maxBufferSize: number;
  /** Adapter features, e.g. 'shader-f16'. */
  features: string[];
}

/** A usable device with its adapter. */
export interface GpuContext {
  /** The device (shared by every index that did not ask for a fresh one). */
  device: GPUDevice;
  /** The adapter it came from. */
  adapter: GPUAdapter;
  /** Facts about the adapter. */
  info: GpuAdapterSummary;
}

/** Result of {@link requestGpu}: a context, or `null` with the reason. */
export type GpuRequest = { gpu: GpuContext; reason: string } | { gpu: null; reason: string };

/** Options of {@link requestGpu}. */
export interface RequestGpuOptions {
  /** Passed to `requestAdapter` (default 'high-performance'). */
  powerPreference?: GPUPowerPreference;
  /** A new device instead of the shared one (tests that destroy their device use this). */
  fresh?: boolean;
}

let shared: Promise<GpuRequest> | undefined;

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render/i;

/** Summarises an adapter's info and limits. */
function summarise(adapter: GPUAdapter): GpuAdapterSummary {
  const info = adapter.info;
  const legacy = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const isFallbackAdapter =
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? legacy ?? false;
  const names = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter,
    software: isFallbackAdapter || SOFTWARE.test(names),
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    features: [...adapter.features].map(String).sort(),
  };
}

async function acquire(powerPreference: GPUPowerPreference): Promise<GpuRequest> {
  const gpu = typeof navigator === 'undefined' ? undefined : navigator.gpu;
  if (!gpu) return { gpu: null, reason: 'WebGPU is not available here (no navigator.gpu)' };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference });
  } catch (e) {
    return { gpu: null, reason: `requestAdapter failed: ${String(e)}` };
  }
  if (!adapter) return { gpu: null, reason: 'the browser offers no WebGPU adapter' };
  const info = summarise(adapter);
  try {
    // shader-f16 (where offered) lets the fp16 code scan use f16 types;
    // subgroups lets the top-k sort swap keys between lanes without barriers;
    // timestamp-query lets benchmarks time passes on the GPU.
    const wanted = ['shader-f16', 'subgroups', 'timestamp-query'] as GPUFeatureName[];
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({
      label: 'engram',
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: info.maxStorageBufferBindingSize,
        maxBufferSize: info.maxBufferSize,
      },
    });
    const name = [info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown';
    return { gpu: { device, adapter, info }, reason: `adapter ${name}` };
  } catch (e) {
    return { gpu: null, reason: `requestDevice failed: ${String(e)}` };
  }
}

/**
 * Acquires a WebGPU device with the adapter's own buffer limits. By default
 * one device is shared per page (pipelines compile once per device); it is
 * dropped from the cache when lost, so the next call acquires a new one.
 * Never throws: without WebGPU (Node, old browsers, blocked GPU) the result
 * is `{ gpu: null, reason }`.
 *
 * @param options - see {@link RequestGpuOptions}
 * @example
 * const { gpu, reason } = await requestGpu();
 * if (!gpu) console.info('CPU search:', reason);
 * else if (gpu.info.software) console.info('software adapter', gpu.info.architecture);
 */
export async function requestGpu(options: RequestGpuOptions = {}): Promise<GpuRequest> {
  const power = options.powerPreference ?? 'high-performance';
  if (options.fresh) return acquire(power);
  if (!shared) {
    const pending = acquire(power);
    shared = pending;
    const result = await pending;
    if (!result.gpu) {
      if (shared === pending) shared = undefined;
    } else {
      void result.gpu.device.lost.then(() => {
        if (shared === pending) shared = undefined;
      });
    }
    return result;
  }
  return shared;
}

/**
 * Runs `fn` (GPU calls that do not throw but record errors) inside
 * validation and out-of-memory error scopes, and rejects with
 * `GpuUnavailable` if either caught one: an allocation the device refused
 * or an invalid command must not pass for a result.
 *
 * @param device - the device `fn` uses
 * @param what - what `fn` does, for the message
 * @param fn - synchronous GPU work; its value is returned
 * @example
 * const buffer = await checked(device, 'allocate shard', () => device.createBuffer(desc));
 */
export async function checked<T>(device: GPUDevice, what: string, fn: () => T): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  // Scopes pop innermost first: out-of-memory, then validation.
  const pop = () => Promise.all([device.popErrorScope(), device.popErrorScope()]);
  let value: T;
  try {
    value = fn();
  } catch (e) {
    void pop();
    throw e;
  }
  const [oom, invalid] = await pop();
  const error = oom ?? invalid;
  if (error) {
    const kind = oom ? 'out of GPU memory' : 'WebGPU validation error';
    throw new EngramError('GpuUnavailable', `${what}: ${kind}: ${error.message}`, {
      cause: error,
    });
  }
  return value;
}
