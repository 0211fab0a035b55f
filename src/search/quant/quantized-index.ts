// Coarse-then-exact search: scan compact codes for the top m = candidates·k
// rows, then rescore those exactly against the full-precision rows kept in a
// CPU cache. Codes live on the GPU (webgpu) or in JS memory (cpu twin).
import { EngramError, shown } from '../../errors';
import type { GpuContext } from '../../gpu/device';
import { checkAllow, checkFirst, checkK, checkRows, checkSlots, MAX_K, TopK } from '../topk';
import type { SearchHits, VectorIndex } from '../vector-index';
import type { Codec, QuantMode } from './codec';
import { CpuCodeStore, type CodeStore } from './code-store';
import { makeCodec } from './make-codec';

/** Options of {@link QuantizedIndex.create}. */
export interface QuantizedIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** The compact code scanned in the coarse pass. */
  mode: QuantMode;
  /** Where the codes are scanned (default `'cpu'`, the twin). */
  backend?: 'cpu' | 'webgpu';
  /** Device for `'webgpu'`; default: the shared one. */
  gpu?: GpuContext;
  /** Rescore the coarse candidates exactly (default true); false returns code-estimated scores. */
  rescore?: boolean;
  /**
   * Candidates per hit of the coarse pass: m = max(k, candidates·k,
   * candidateFraction·size). Default 10 for int8 and fp16, 25 for binary.
   * Past 256 the GPU writes every row's code score and the host keeps
   * the top m.
   */
  candidates?: number;
  /**
   * Share of the stored rows the coarse pass keeps at least (default 0.04
   * for binary, else 0): sign codes rank the true top-10 of 100k rows within
   * the top ≈ 1000 on clustered data, ≈ 4000 on random unit vectors.
   */
  candidateFraction?: number;
  /** Codec parameters are re-learned each time the store doubles, up to this many rows (default 65 536). */
  trainRows?: number;
  /** Rows per GPU shard (tests force small shards). */
  shardRows?: number;
  /** Prefix of GPU labels. */
  label?: string;
}

/**
 * A {@link VectorIndex} whose first pass scans compact codes (int8, binary,
 * or fp16) and whose second pass rescores the best m rows
 * exactly in fp32. Same ranking contract and argument checks as
 * {@link CpuFlatIndex}; with `rescore` the returned scores are exact inner
 * products. The GPU store and the CPU twin return identical candidates.
 *
 * @example
 * const index = await QuantizedIndex.create({ dim: 384, mode: 'binary', candidates: 20 });
 * await index.write(0, vectors);
 * const [hits] = await index.search(query, 10);
 * console.log(index.residentBytesPerVector); // 48 (vs 1536 for fp32)
 */
export class QuantizedIndex implements VectorIndex {
  private full = new Float32Array(0);
  private count = 0;
  private readonly m: number;
  private readonly fraction: number;

  private constructor(
    /** Vector length. */
    readonly dim: number,
    /** The codec of the coarse pass. */
    readonly codec: Codec,
    private readonly store: CodeStore,
    private readonly options: QuantizedIndexOptions,
  ) {
    this.m = options.candidates ?? (codec.mode === 'binary' ? 25 : 10);
    this.fraction = options.candidateFraction ?? (codec.mode === 'binary' ? 0.04 : 0);
  }

  /**
   * Builds an empty index (compiles the GPU kernels for `'webgpu'`).
   * @param options - see {@link QuantizedIndexOptions}
   * @throws EngramError `InvalidArgument` for a bad dim/mode, `GpuUnavailable` without a device
   */
  static async create(options: QuantizedIndexOptions): Promise<QuantizedIndex> {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EngramError('InvalidArgument', `dim must be a positive integer, got ${dim}`);
    }
    const c = options.candidates ?? 10;
    if (!(c >= 1))
      throw new EngramError('InvalidArgument', `candidates must be ≥ 1, got ${shown(c)}`);
    const f = options.candidateFraction ?? 0;
    if (!(f >= 0 && f <= 1)) {
      throw new EngramError(
        'InvalidArgument',
        `candidateFraction must be in 0..1, got ${shown(f)}`,
      );
    }
    const codec = makeCodec(options.mode, dim);
    let store: CodeStore;
    if (options.backend === 'webgpu') {
      const { createGpuCodeStore } = await import('../../gpu/code-store');
      store = await createGpuCodeStore(codec, options);
    } else {
      store = new CpuCodeStore(codec.mode, codec.words, codec.queryWords);
    }
    return new QuantizedIndex(dim, codec, store, options);
  }

  /** Where the codes are scanned. */
  get kind(): 'webgpu' | 'cpu' {
    return this.store.kind;
  }

  /** The code mode. */
  get mode(): QuantMode {
    return this.codec.mode;
  }

  /** Slots ever written. */
  get size(): number {
    return this.count;
  }

  /** Bytes per row of the scanned codes (GPU-resident on `'webgpu'`). */
  get residentBytesPerVector(): number {
    return this.codec.words * 4;
  }

  /** Bytes per row of the full-precision CPU cache used by the rescore (0 without rescore). */
  get cacheBytesPerVector(): number {
    return this.options.rescore === false ? 0 : this.dim * 4;
  }

  /** The full-precision rows `0..size-1` (a view: do not keep across writes). */
  get vectors(): Float32Array {
    return this.full.subarray(0, this.count * this.dim);
  }

  /**
   * Writes rows: kept in fp32 for the rescore, encoded for the scan. Codec
   * parameters are (re)learned when the store has doubled since the last
   * training (up to `trainRows`), and every row is re-encoded then.
   * @param first - first slot (`≤ size`)
   * @param vectors - row-major `count × dim`, finite
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    checkFirst(first, this.count);
    const end = first + n;
    if (end * this.dim > this.full.length) {
      const grown = new Float32Array(Math.max(end, Math.ceil(this.count * 1.5)) * this.dim);
      grown.set(this.vectors);
      this.full = grown;
    }
    this.full.set(vectors, first * this.dim);
    this.count = Math.max(this.count, end);
    const { codec } = this;
    const limit = this.options.trainRows ?? 65536;
    const retrain =
      codec.needsTraining &&
      (codec.trainedOn === 0 || (this.count >= 2 * codec.trainedOn && codec.trainedOn < limit));
    if (retrain) codec.train(sample(this.vectors, this.dim, limit));
    const from = retrain ? 0 : first;
    const rows = this.full.subarray(from * this.dim, end * this.dim);
    await this.store.write(from, alloc(codec, rows));
  }

  /**
   * Masks slots.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    checkSlots(slots, this.count);
    this.store.remove(slots);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    checkSlots(slots, this.count);
    this.store.restore(slots);
  }

  /**
   * Coarse top-m on the codes, then (with rescore) exact top-k among them.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query, 1..{@link MAX_K}
   * @param allow - optional filter; slots past its end are not allowed
   */
  async search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const nq = checkRows(queries, this.dim, 'query');
    checkK(k);
    checkAllow(allow);
    const { dim, codec } = this;
    const rescore = this.options.rescore !== false;
    const m = rescore ? this.coarseM(k) : k;
    const encoded = Array.from({ length: nq }, (_, q) =>
      codec.encodeQuery(queries.subarray(q * dim, (q + 1) * dim)),
    );
    const qw = codec.queryWords ?? codec.words;
    const words = new Uint32Array(nq * qw);
    encoded.forEach((e, q) => words.set(e.words, q * qw));
    const coarse = await this.store.search(words, nq, m, allow);
    if (!rescore) {
      return coarse.map((h, q) => ({
        slots: h.slots,
        scores: h.scores.map((s) => encoded[q]!.estimate(s)),
      }));
    }
    return coarse.map((h, q) => this.rescore(h.slots, queries, q, k));
  }

  /** Candidates of the coarse pass for k hits (see {@link QuantizedIndexOptions.candidates}). */
  private coarseM(k: number): number {
    const want = Math.max(Math.round(this.m * k), Math.ceil(this.fraction * this.count));
    return Math.max(k, Math.min(want, this.count, this.store.maxK ?? Infinity));
  }

  /** Exact fp32 top-k of one query among candidate slots (f64 sums rounded to f32, as CpuFlatIndex). */
  private rescore(cands: Int32Array, queries: Float32Array, q: number, k: number): SearchHits {
    const { dim, full } = this;
    const top = new TopK(k);
    const qo = q * dim;
    for (const slot of Int32Array.from(cands).sort()) {
      const ro = slot * dim;
      let a = 0;
      for (let i = 0; i < dim; i++) a += full[ro + i]! * queries[qo + i]!;
      top.push(Math.fround(a), slot);
    }
    return top.result();
  }

  /** Frees the codes and the cache. */
  dispose(): void {
    this.store.dispose();
    this.full = new Float32Array(0);
    this.count = 0;
  }
}

/** Encodes rows into a fresh code array. */
function alloc(codec: Codec, rows: Float32Array): Uint32Array {
  const out = new Uint32Array((rows.length / codec.dim) * codec.words);
  codec.encode(rows, out, 0);
  return out;
}

/** Up to `limit` rows spread evenly over `rows`. */
function sample(rows: Float32Array, dim: number, limit: number): Float32Array {
  const n = rows.length / dim;
  if (n <= limit) return rows;
  const out = new Float32Array(limit * dim);
  for (let j = 0; j < limit; j++) {
    const r = Math.floor((j * n) / limit);
    out.set(rows.subarray(r * dim, (r + 1) * dim), j * dim);
  }
  return out;
}
