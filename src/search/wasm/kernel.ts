// Loads the WASM SIMD scan kernel (built from ./kernel/scan.ts) over a memory
// that grows with the rows it holds. One kernel per index: its memory holds
// the rows at byte 0, then scratch space for queries and scores.
import { EngramError } from '../../errors';
import { SCAN_WASM_BASE64 } from './build/scan-wasm';

/** The kernel's exports (byte offsets into its memory). */
interface ScanExports {
  dot1(rows: number, n: number, stride: number, q: number, out: number): void;
  dot4(rows: number, n: number, stride: number, q: number, out: number, outStride: number): void;
  hamming(codes: number, n: number, words: number, q: number, out: number): void;
  dot8(codes: number, n: number, codeStride: number, scales: number, q: number, out: number): void;
  encode8(
    rows: number,
    n: number,
    stride: number,
    dim: number,
    codes: number,
    codeStride: number,
    scales: number,
  ): void;
}

const PAGE = 65536;
let compiled: WebAssembly.Module | null | undefined;

function bytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(SCAN_WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module, or null where this engine has no WASM SIMD (compiled once). */
function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    const b = bytes();
    compiled =
      typeof WebAssembly === 'object' && WebAssembly.validate(b) ? new WebAssembly.Module(b) : null;
  }
  return compiled;
}

/**
 * True when this JS engine runs WebAssembly with 128-bit SIMD (Chrome 91+,
 * Firefox 89+, Safari 16.4+, Node 16+).
 *
 * @example
 * const index = wasmSimdSupported() ? new WasmFlatIndex({ dim }) : new CpuFlatIndex({ dim });
 */
export function wasmSimdSupported(): boolean {
  return module() !== null;
}

/**
 * An instance of the scan kernel and its memory. Callers keep their rows at
 * byte 0..`rowBytes` and use {@link ScanKernel.scratch} for queries and scores.
 */
export class ScanKernel {
  /** The kernel's functions. */
  readonly fn: ScanExports;
  private readonly memory: WebAssembly.Memory;
  private view = new Float32Array(0);
  /** Bytes reserved for the caller's rows (scratch starts here, 16-aligned). */
  rowBytes = 0;

  /**
   * @param rowBytes - bytes to reserve for rows up front
   * @throws EngramError `WasmUnavailable` without WASM SIMD
   */
  constructor(rowBytes: number) {
    const mod = module();
    if (!mod) throw new EngramError('WasmUnavailable', 'this engine has no WebAssembly SIMD');
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(mod, { env: { memory: this.memory } });
    this.fn = instance.exports as unknown as ScanExports;
    this.reserve(rowBytes, 0);
  }

  /**
   * Grows the memory so rows fit in `rowBytes` and `scratchBytes` follow;
   * rows already held keep their place, scratch contents do not.
   * @param rowBytes - bytes for rows
   * @param scratchBytes - bytes for scratch after the rows
   */
  reserve(rowBytes: number, scratchBytes: number): void {
    this.rowBytes = Math.max(this.rowBytes, Math.ceil(rowBytes / 16) * 16);
    const need = this.rowBytes + scratchBytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      // Exactly what is asked: callers reserve rows ahead themselves (×1.5), and a ×1.25 here on
      // top of rows that fill the memory would hold a quarter of them again as empty pages.
      const pages = Math.ceil((need - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new EngramError('WasmUnavailable', `WASM memory cannot grow to ${need} bytes`, {
          cause: e,
        });
      }
    }
  }

  /** A Float32Array over the whole memory (renewed after growth). */
  get f32(): Float32Array {
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return this.view;
  }

  /** The memory's buffer (renewed after growth). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }
}
