// Coarse-then-fine search: scan compact codes for the top m = candidates·k
// rows, then rescore those against 16-bit rows kept on the CPU (RescoreRows:
// half the bytes of fp32, scores within ~1e-6 of it). No fp32 row is kept.
// Codes live in the CodeStore the index is given: the CPU twin by default; the
// engine's factory (src/engine/vector-index-factory.ts) gives the GPU store.
import { EngramError, shown } from '../../errors';
import { checkAllow, checkFirst, checkK, checkRows, checkSlots, MAX_K } from '../topk';
import type { SearchHits, VectorIndex } from '../vector-index';
import type { Codec, QuantMode } from './codec';
import { CpuCodeStore, type CodeStore } from './code-store';
import { makeCodec } from './make-codec';
import { RescoreRows } from './rescore-rows';

/** Options of {@link QuantizedIndex.create}. */
export interface QuantizedIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** The compact code scanned in the coarse pass. */
  mode: QuantMode;
  /**
   * Builds the store where the codes live and are scanned, for the index's codec
   * (default: a {@link CpuCodeStore}, the CPU twin). The engine's
   * `createQuantizedIndex` passes the GPU store for `'webgpu'`.
   */
  codes?: CodeStoreFactory;
  /**
   * Rescore the coarse candidates from 16-bit rows (default true); false keeps no rows
   * and returns code-estimated scores.
   */
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
}

/** Builds the {@link CodeStore} of a codec's codes (mode and row width come from the codec). */
export type CodeStoreFactory = (codec: Codec) => CodeStore | Promise<CodeStore>;

/**
 * A {@link VectorIndex} whose first pass scans compact codes (int8, binary,
 * or fp16) and whose second pass rescores the best m rows from
 * {@link RescoreRows} (int16 with a per-row scale). Same ranking contract and
 * argument checks as {@link CpuFlatIndex}; with `rescore` the returned scores
 * are the inner products within `‖q‖₁·max|xᵢ|/65534` (≈ 1e-6 on unit
 * embeddings). No fp32 copy of the rows is kept: a retraining re-encodes from
 * the 16-bit rows. The GPU store and the CPU twin return identical candidates.
 *
 * @example
 * const index = await QuantizedIndex.create({ dim: 384, mode: 'binary', candidates: 20 });
 * await index.write(0, vectors);
 * const [hits] = await index.search(query, 10);
 * console.log(index.residentBytesPerVector); // 48 (vs 1536 for fp32)
 */
export class QuantizedIndex implements VectorIndex {
  private readonly fine: RescoreRows | undefined;
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
    this.fine = options.rescore === false ? undefined : new RescoreRows(dim);
  }

  /**
   * Builds an empty index and its code store (a GPU store compiles its kernels here).
   * @param options - see {@link QuantizedIndexOptions}
   * @throws EngramError `InvalidArgument` for a bad dim/mode; whatever the `codes` factory
   *   throws (the GPU store: `GpuUnavailable` without a device)
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
    const store = options.codes
      ? await options.codes(codec)
      : new CpuCodeStore(codec.mode, codec.words, codec.queryWords);
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

  /** Bytes per row of the scanned codes (GPU-resident in a GPU store). */
  get residentBytesPerVector(): number {
    return this.codec.words * 4;
  }

  /** Bytes per row of the CPU rows the rescore reads (0 without rescore): 2 per dimension + 4. */
  get cacheBytesPerVector(): number {
    return this.fine?.bytesPerVector ?? 0;
  }

  /**
   * Writes rows: kept as 16-bit rows for the rescore, encoded for the scan. Codec
   * parameters are (re)learned when the store has doubled since the last
   * training (up to `trainRows`), and every row is re-encoded then (rows
   * written before from their 16-bit copy; without rescore, only the rows of
   * this write are kept long enough to train on, so the codec trains once).
   * @param first - first slot (`≤ size`)
   * @param vectors - row-major `count × dim`, finite
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    checkFirst(first, this.count);
    const { codec, dim, fine } = this;
    const end = first + n;
    fine?.write(first, vectors);
    this.count = Math.max(this.count, end);
    const limit = this.options.trainRows ?? 65536;
    const retrain =
      codec.needsTraining &&
      (codec.trainedOn === 0 ||
        (fine !== undefined && this.count >= 2 * codec.trainedOn && codec.trainedOn < limit));
    if (retrain) codec.train(fine ? sampleRows(fine, this.count, limit) : vectors);
    // Without rescore rows the codec trains once, at the first write: no earlier rows to encode again.
    if (!retrain || !fine) {
      await this.store.write(first, alloc(codec, vectors));
      return;
    }
    // Retrained: every row is encoded again, a block at a time (earlier rows from their 16-bit copy).
    const codes = new Uint32Array(this.count * codec.words);
    const block = 4096;
    for (let r = 0; r < this.count; r += block) {
      const to = Math.min(this.count, r + block);
      const rows =
        r >= first && to <= end
          ? vectors.subarray((r - first) * dim, (to - first) * dim)
          : fine.rows(r, to);
      codec.encode(rows, codes, r * codec.words);
    }
    await this.store.write(0, codes);
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
    return coarse.map((h, q) => this.fine!.top(h.slots, queries, q * dim, k));
  }

  /** Candidates of the coarse pass for k hits (see {@link QuantizedIndexOptions.candidates}). */
  private coarseM(k: number): number {
    const want = Math.max(Math.round(this.m * k), Math.ceil(this.fraction * this.count));
    return Math.max(k, Math.min(want, this.count, this.store.maxK ?? Infinity));
  }

  /** Frees the codes and the rows. */
  dispose(): void {
    this.store.dispose();
    this.fine?.dispose();
    this.count = 0;
  }
}

/** Encodes rows into a fresh code array. */
function alloc(codec: Codec, rows: Float32Array): Uint32Array {
  const out = new Uint32Array((rows.length / codec.dim) * codec.words);
  codec.encode(rows, out, 0);
  return out;
}

/** Up to `limit` of the rows `0..n-1` spread evenly, as floats. */
function sampleRows(rows: RescoreRows, n: number, limit: number): Float32Array {
  if (n <= limit) return rows.rows(0, n);
  return rows.gather(Array.from({ length: limit }, (_, j) => Math.floor((j * n) / limit)));
}
