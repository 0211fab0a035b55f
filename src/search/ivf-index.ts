// A partitioned (IVF) index for large stores: k-means lists trained in the
// engine, each list's rows contiguous in WASM memory; a query scans the
// nearest `probes` lists with the SIMD kernel and rescores its candidates
// exactly. Below `flatBelow` rows it is an exact flat scan (the same kernel).
// Each row is held once, in the kernel memory of its list or of the tail.
import { EngramError } from '../errors';
import type { IndexMode } from './index-mode';
import { runInSlices } from '../util/tasks';
import { assign, assignSteps, kMeansSteps, trainKMeans } from './ivf-train';
import { checkAllow, checkFirst, checkK, checkRows, markRemoved, TopK } from './topk';
import type { SearchHits, VectorIndex } from './vector-index';
import { ScanKernel } from './wasm/kernel';
import { Candidates, norm, scanErrorBound } from './wasm/rescore';
import { StagedRows, withinReach, type IvfCodes, type RowSource } from './ivf-staged';

/**
 * The trained lists of an {@link IvfIndex} (what {@link IvfIndex.exportLayout} gives and
 * {@link IvfIndex.restoreLayout} takes): kept beside a store's checkpoint so a reopened
 * index neither retrains nor re-assigns its rows. Only where rows sit: every score is still
 * computed from the rows themselves, so a layout that no longer fits costs recall, never a
 * wrong score.
 */
export interface IvfLayout {
  /** Vector length the lists were trained at. */
  dim: number;
  /** Rows the last training saw. */
  trainedAt: number;
  /** `lists × dim` centroids. */
  centroids: Float32Array;
  /** `lists + 1` offsets into {@link IvfLayout.posSlot}: list `l` is `posSlot[start[l]..start[l+1]]`. */
  listStart: Int32Array;
  /** Slot at each laid-out position (-1: a position whose row was rewritten since). */
  posSlot: Int32Array;
  /**
   * The lists' int8 codes when the index has them ({@link IvfIndex.exportLayout}: a view of the
   * index's memory, valid until its next write, search or layout; copy it at once).
   */
  codes?: IvfCodes;
}

/** A stored layout being filled as its rows are written (see {@link IvfIndex.expectLayout}). */
interface PendingLayout {
  layout: IvfLayout;
  /** Its lists' rows at their positions, room for the centroids after them. */
  kernel: ScanKernel;
  /** Position of each slot the layout places (-1: none). */
  pos: Int32Array;
  /** 1 at each position whose row was written. */
  written: Uint8Array;
}

/** Bytes of rows copied into the code kernel per {@link IvfIndex} encode call. */
const ENCODE_BLOCK_BYTES = 4 << 20;

/** How many times √rows lists the default trains: 1 up to 20 000 rows, 2 from 40 000. */
function finer(count: number): number {
  return Math.min(2, Math.max(1, count / 20_000));
}

/** Options of {@link IvfIndex}. */
export interface IvfIndexOptions {
  /** Vector length (≥ 1). */
  dim: number;
  /** Below this many rows every search is exact and flat (default 20 000; ≥ 1). */
  flatBelow?: number;
  /**
   * Lists to train; default ≈ √rows up to 20 000 rows, rising to 2·√rows at 40 000 and past
   * (finer lists: at 100k real 512-d embeddings 632 lists reach recall@10 0.98 scanning about
   * half the rows 316 lists need).
   */
  lists?: number;
  /** Lists each query scans (default 24); more is slower and closer to exact. */
  probes?: number;
  /** Training rows per list (k-means runs on a sample; default 48 at √rows lists, 32 at 2·√rows). */
  samplePerList?: number;
  /**
   * Rows from which a search that finds training (or the tail's joining its lists) due does
   * not wait for it: the work runs in slices of a few milliseconds between other tasks, and
   * searches meanwhile use the lists as they are (the exact flat scan before the first
   * training). Default: never (the search does the work first). {@link IvfIndex.build}
   * always waits.
   */
  backgroundFrom?: number;
  /**
   * Whether the lists also hold int8 codes (one byte per dimension and a scale per row) that a
   * query scans instead of the fp32 rows, rescoring its best {@link IvfIndex.shortlist}
   * candidates exactly from the rows (default true: 4× fewer bytes scanned; +dim+4 bytes per row).
   */
  int8Scan?: boolean;
}

/**
 * IVF over the WASM SIMD kernel. Hits' scores are exact (f64 sums rounded to
 * f32) and ranked by the shared contract; which rows are found depends on
 * `probes` (recall < 1 above `flatBelow`). Writes land in a "tail" that every
 * query scans in full (its own WASM copy); at the first search (or
 * {@link IvfIndex.build}) after the tail passes 5 % of the rows its rows join
 * their nearest lists, and once the rows have doubled since the last training
 * (or grown by a quarter into one crowded list) the lists are retrained from a
 * sample of all rows. Every written slot is in
 * exactly one list or the tail, so retraining loses and duplicates nothing.
 *
 * @example
 * const index = new IvfIndex({ dim: 512, probes: 16 });
 * await index.write(0, vectors); // 100 000 × 512
 * await index.build(); // optional: otherwise the first search trains
 * const [hits] = await index.search(query, 10);
 */
export class IvfIndex implements VectorIndex {
  /** Always `'cpu'`. */
  readonly kind = 'cpu' as const;
  /** Vector length. */
  readonly dim: number;
  /** Lists scanned per query (may be changed between searches). */
  probes: number;
  /**
   * With int8 codes: candidates per query kept from the code scan and rescored exactly from the
   * fp32 rows (at least 4·k; default 48). 0: scan the fp32 rows instead (may be changed between
   * searches).
   */
  shortlist = 48;
  /** The lists' int8 codes (`codeStride` bytes per laid-out position, then a f32 scale each). */
  private codes: ScanKernel | null = null;
  private readonly codeStride: number;
  private scalesPtr = 0;
  /** Laid-out rows the codes cover (the centroids' codes follow them). */
  private codesLaid = 0;
  private readonly stride: number;
  private readonly flatBelow: number;
  private readonly options: IvfIndexOptions;
  private count = 0;
  private removed = new Uint32Array(0);
  private maxNorm = 0;
  private kernel: ScanKernel | null = null;
  /** Slot of each laid-out position (lists, then the tail). */
  private posSlot = new Int32Array(0);
  /** Where each slot sits in the layout (-1: in the tail, not yet laid out). */
  private slotPos = new Int32Array(0);
  private listStart = new Int32Array(0);
  private lists = 0;
  private trainedAt = 0;
  private centroidPtr = 0;
  /** The training or layout running in slices, if any. */
  private job: Promise<void> | undefined;
  /** Slots written since the running job started (their list is found again at its end). */
  private written: Set<number> | undefined;
  /** Bumped by each layout and by dispose: a job whose start saw another value is dropped. */
  private generation = 0;
  /** A stored layout the rows are written straight into (see {@link IvfIndex.expectLayout}). */
  private pending: PendingLayout | undefined;
  /** Lists staged with their codes while their rows are read (see {@link IvfIndex.stageLayout}). */
  private staged: StagedRows | undefined;

  /** @param options - see {@link IvfIndexOptions} */
  constructor(options: IvfIndexOptions) {
    const { dim } = options;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new EngramError('InvalidArgument', `dim must be a positive integer, got ${dim}`);
    }
    this.dim = dim;
    this.stride = Math.ceil(dim / 4) * 4;
    this.codeStride = Math.ceil(dim / 16) * 16;
    this.flatBelow = options.flatBelow ?? 20_000;
    this.probes = options.probes ?? 24;
    this.options = options;
  }

  /** Slots ever written (live or removed). */
  get size(): number {
    return this.count;
  }

  /** Partitions trained (0 while flat). */
  get listCount(): number {
    return this.lists;
  }

  /** Bumped each time the lists are laid out (trained, joined by the tail, or restored). */
  get layoutVersion(): number {
    return this.layouts;
  }

  private layouts = 0;

  /** Rows the last training saw (0: never trained). */
  get trainedRows(): number {
    return this.trainedAt;
  }

  /** `'ivf'` once lists are trained; `'fp32'` while every search is an exact flat scan. */
  get mode(): IndexMode {
    return this.lists ? 'ivf' : 'fp32';
  }

  /**
   * Bytes per row held: the padded fp32 row the kernel scans (and the rescore reads),
   * its slot's place in the layout and the tail, and its position's slot once laid out;
   * with int8 codes, the code and its scale too.
   */
  get bytesPerVector(): number {
    return this.stride * 4 + (this.lists ? 12 : 8) + (this.codes ? this.codeStride + 4 : 0);
  }

  /** Same as {@link IvfIndex.bytesPerVector}: everything is CPU-resident. */
  get residentBytesPerVector(): number {
    return this.bytesPerVector;
  }

  /**
   * Writes rows into slots `first..`; `first` must be `≤ size`. Rewritten slots
   * move to the tail until the next rebuild.
   * @param first - first slot written (`size` appends)
   * @param vectors - row-major `count × dim`, finite
   */
  async write(first: number, vectors: Float32Array): Promise<void> {
    const n = checkRows(vectors, this.dim, 'vector');
    checkFirst(first, this.count);
    const end = first + n;
    if (end > this.slotPos.length) {
      const cap = Math.max(end, Math.ceil(this.slotPos.length * 1.5));
      const bits = new Uint32Array(Math.ceil(cap / 32));
      bits.set(this.removed);
      this.removed = bits;
      const pos = new Int32Array(cap).fill(-1);
      pos.set(this.slotPos.subarray(0, this.count));
      this.slotPos = pos;
      const at = new Int32Array(cap).fill(-1);
      at.set(this.tailAt.subarray(0, this.count));
      this.tailAt = at;
    }
    for (let r = 0; r < n; r++) {
      this.maxNorm = Math.max(this.maxNorm, norm(vectors, r * this.dim, this.dim));
      const p = this.slotPos[first + r]!;
      if (p >= 0) this.posSlot[p] = -1; // the laid-out copy is stale
      this.slotPos[first + r] = -1;
    }
    if (this.written) for (let r = 0; r < n; r++) this.written.add(first + r);
    this.count = Math.max(this.count, end);
    if (this.pending) this.toPending(this.pending, first, vectors, n);
    else this.toTail(first, vectors, n);
  }

  /**
   * While a stored layout is expected: rows of slots it places go straight to their position in
   * its lists (a rewrite overwrites), the others to the tail.
   */
  private toPending(pend: PendingLayout, first: number, vectors: Float32Array, n: number): void {
    const { dim, stride } = this;
    const f32 = pend.kernel.f32;
    for (let r = 0; r < n; r++) {
      const s = first + r;
      const row = vectors.subarray(r * dim, (r + 1) * dim);
      const p = s < pend.pos.length ? pend.pos[s]! : -1;
      if (p < 0) this.toTail(s, row, 1);
      else {
        f32.set(row, p * stride);
        pend.written[p] = 1;
      }
    }
  }

  /** Copies written rows into the tail's kernel memory (in place for slots already there). */
  private toTail(first: number, vectors: Float32Array, n: number): void {
    const { dim, stride } = this;
    const fresh = Array.from({ length: n }, (_, r) => first + r).filter(
      (s) => this.tailAt[s]! < 0,
    ).length;
    const need = this.tailCount + fresh;
    if (!this.tailKernel) this.tailKernel = new ScanKernel(Math.max(need, 1024) * stride * 4);
    const kernel = this.tailKernel;
    if (need * stride * 4 > kernel.rowBytes) {
      kernel.reserve(
        Math.max(need, Math.ceil((kernel.rowBytes / stride / 4) * 1.5)) * stride * 4,
        0,
      );
    }
    const f32 = kernel.f32;
    for (let r = 0; r < n; r++) {
      const s = first + r;
      let t = this.tailAt[s]!;
      if (t < 0) {
        t = this.tailCount++;
        this.tailAt[s] = t;
        this.tailSlots[t] = s;
      }
      f32.set(vectors.subarray(r * dim, (r + 1) * dim), t * stride);
    }
  }

  /**
   * Masks slots so they are never returned.
   * @param slots - existing slots
   */
  remove(slots: readonly number[]): void {
    markRemoved(this.removed, slots, this.count, true);
  }

  /**
   * Unmasks slots.
   * @param slots - existing slots
   */
  restore(slots: readonly number[]): void {
    markRemoved(this.removed, slots, this.count, false);
  }

  /**
   * Trains and lays out the lists now if the rows call for it (else the next
   * search does): first at `flatBelow` rows, again when the rows have doubled
   * since training, or have grown by a quarter while one list holds more than
   * 8× the mean (the new rows crowd one part of the space); the tail joins the
   * lists when it passes 5 % of the rows.
   */
  async build(): Promise<void> {
    this.settleLayout();
    if (this.staged) return; // nothing is trained or laid out before the rows are in
    while (this.job) await this.job;
    const due = this.due();
    if (due === 'train') this.train();
    else if (due === 'layout') this.layout(false);
  }

  /**
   * True while training or a layout runs in slices (see {@link IvfIndexOptions.backgroundFrom}),
   * and while staged, its rows not all in ({@link IvfIndex.stageLayout}).
   */
  get building(): boolean {
    return this.job !== undefined || this.staged !== undefined;
  }

  /** What the rows call for: training, the tail joining its lists, or nothing. */
  private due(): 'train' | 'layout' | undefined {
    if (this.count < this.flatBelow) return undefined;
    const unbalanced =
      this.count >= 1.25 * this.trainedAt && this.largest > (8 * this.count) / this.lists;
    if (this.lists === 0 || this.count >= 2 * this.trainedAt || unbalanced) return 'train';
    if (this.tailCount > Math.max(1024, this.count / 20)) return 'layout';
    return undefined;
  }

  /** Starts the due work in slices unless it runs already. */
  private startJob(): void {
    if (this.job || this.staged) return;
    const due = this.due();
    if (!due) return;
    this.written = new Set();
    // A failure leaves the index as it was (every row is still in a list or the tail); the next
    // search tries again, and build() reports it.
    this.job = this.sliced(due === 'train').then(
      () => this.jobEnded(true),
      () => this.jobEnded(false),
    );
  }

  /**
   * After a job: rows written while it ran may already call for the next (a retraining once
   * they doubled, the tail joining its lists), which starts at once, so that `building` false
   * means settled rather than "until the next search starts it" (a search would then answer
   * beside the k-means). Not after a failure: the next search tries again.
   */
  private jobEnded(ok: boolean): void {
    this.job = undefined;
    this.written = undefined;
    if (ok && this.count >= (this.options.backgroundFrom ?? Infinity)) this.startJob();
  }

  /**
   * Trains (or assigns the tail) in slices; then, at once, finds the lists of the rows written
   * meanwhile and lays everything out. Dropped if a layout or dispose came in between.
   */
  private async sliced(retrain: boolean): Promise<void> {
    const { dim } = this;
    const generation = this.generation;
    const count = this.count;
    let centroids = this.centroids;
    let of: Int32Array;
    if (retrain) {
      centroids = await runInSlices(
        kMeansSteps(this.sample(), dim, { lists: this.listsFor(count) }),
      );
      of = await runInSlices(assignSteps(centroids, (s) => this.rowOf(s), dim, count));
    } else {
      of = this.listsKept(count);
      const tail = this.tailSlots.slice(0, this.tailCount);
      const got = await runInSlices(assignSteps(centroids, this.gather(tail), dim));
      tail.forEach((s, j) => (of[s] = got[j]!));
    }
    if (generation !== this.generation) return;
    const all = new Int32Array(this.count);
    all.set(of);
    const again = [...this.written!].filter((s) => s < count);
    for (let s = count; s < this.count; s++) again.push(s);
    const got = assign(centroids, this.gather(again), dim);
    again.forEach((s, j) => (all[s] = got[j]!));
    if (retrain) {
      this.centroids = centroids;
      this.lists = centroids.length / dim;
      this.trainedAt = count;
    }
    this.lay(all);
  }

  /** Lists to train for `count` rows. */
  private listsFor(count: number): number {
    return this.options.lists ?? Math.max(1, Math.round(Math.sqrt(count) * finer(count)));
  }

  /** The k-means sample: rows spread evenly over the slots. */
  private sample(): Float32Array {
    const { dim, count } = this;
    const perList = this.options.samplePerList ?? 48 - 16 * (finer(count) - 1);
    const sampleRows = Math.min(count, Math.round(this.listsFor(count) * perList));
    const sample = new Float32Array(sampleRows * dim);
    const step = count / sampleRows;
    for (let i = 0; i < sampleRows; i++) {
      const s = Math.floor(i * step);
      sample.set(this.rowOf(s), i * dim);
    }
    return sample;
  }

  /** The rows of `slots`, row-major. */
  private gather(slots: readonly number[]): Float32Array {
    const { dim } = this;
    const rows = new Float32Array(slots.length * dim);
    slots.forEach((s, j) => rows.set(this.rowOf(s), j * dim));
    return rows;
  }

  /** The row of a written slot: a view of the kernel memory it sits in (valid until the next write or layout). */
  private rowOf(s: number): Float32Array {
    return this.reader()(s);
  }

  /**
   * Reads rows by slot from where they sit now, even after the layout changes (the next
   * layout is built from it).
   */
  private reader(): (s: number) => Float32Array {
    const { dim, stride, kernel, tailKernel } = this;
    const slotPos = this.slotPos;
    const tailAt = this.tailAt;
    return (s) => {
      const p = slotPos[s]!;
      const at = p >= 0 ? p : tailAt[s]!;
      const from = p >= 0 ? kernel! : tailKernel!;
      return from.f32.subarray(at * stride, at * stride + dim);
    };
  }

  /** The list of each laid-out slot below `count` (tail slots: 0, to be assigned). */
  private listsKept(count: number): Int32Array {
    const of = new Int32Array(count);
    for (let l = 0; l < this.lists; l++) {
      for (let p = this.listStart[l]!; p < this.listStart[l + 1]!; p++) {
        const s = this.posSlot[p]!;
        if (s >= 0 && s < count) of[s] = l;
      }
    }
    return of;
  }

  private train(): void {
    const { dim, count } = this;
    this.centroids = trainKMeans(this.sample(), dim, { lists: this.listsFor(count) });
    this.lists = this.centroids.length / dim;
    this.trainedAt = count;
    this.layout(true);
  }

  private centroids: Float32Array = new Float32Array(0);
  /** The tail: slots written since the last layout, their rows in their own kernel memory. */
  private tailKernel: ScanKernel | null = null;
  private tailCount = 0;
  private tailSlots: number[] = [];
  /** Where each slot sits in the tail (-1: not there). */
  private tailAt = new Int32Array(0);
  /** Rows of the largest list (scratch size). */
  private biggest = 0;
  /** Rows of the largest list. */
  private largest = 0;

  /**
   * Lays the lists out contiguously (centroids after them). `all`: every row
   * goes to its nearest centroid (after training); else laid-out rows keep
   * their list and only the tail's rows are assigned.
   */
  private layout(all: boolean): void {
    const { dim, count } = this;
    let of: Int32Array;
    if (all) of = assign(this.centroids, (s) => this.rowOf(s), dim, count);
    else {
      of = this.listsKept(count);
      const tail = this.tailSlots.slice(0, this.tailCount);
      const got = assign(this.centroids, this.gather(tail), dim);
      tail.forEach((s, j) => (of[s] = got[j]!));
    }
    this.lay(of);
  }

  /** Lays every slot out in its list `of[slot]` (the tail emptied). */
  private lay(of: Int32Array): void {
    const { stride, count, lists } = this;
    this.generation++;
    const start = new Int32Array(lists + 1);
    for (let s = 0; s < count; s++) start[of[s]! + 1]!++;
    for (let c = 0; c < lists; c++) start[c + 1]! += start[c]!;
    const fill = start.slice(0, lists);
    const kernel = new ScanKernel((count + lists) * stride * 4);
    const f32 = kernel.f32;
    // Rows move from their old place (old lists or the tail) to the new lists.
    const old = this.snapshotReader(count);
    this.posSlot = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      const p = fill[of[s]!]!++;
      this.posSlot[p] = s;
      this.slotPos[s] = p;
      f32.set(old(s), p * stride);
    }
    this.placeCentroids(kernel, count);
    this.kernel = kernel;
    this.encode(count);
    this.layouts++;
    this.listStart = start;
    this.clearTail();
    this.tailKernel = null; // its memory fit the old tail; the next write starts a small one
    this.measureLists();
  }

  /** The centroids into `kernel` after its `laid` rows, where searches score them. */
  private placeCentroids(kernel: ScanKernel, laid: number): void {
    const { dim, stride, lists } = this;
    const f32 = kernel.f32;
    for (let c = 0; c < lists; c++)
      f32.set(this.centroids.subarray(c * dim, (c + 1) * dim), (laid + c) * stride);
    this.centroidPtr = laid * stride * 4;
  }

  /** Rows of the largest list, and the scratch a scan of one list or of the centroids needs. */
  private measureLists(): void {
    const { lists, listStart } = this;
    this.largest = 0;
    for (let c = 0; c < lists; c++)
      this.largest = Math.max(this.largest, listStart[c + 1]! - listStart[c]!);
    this.biggest = Math.max(lists, this.largest);
  }

  /**
   * Takes a stored layout's lists (copies), its placed slots' positions (`slotPos` sized and
   * cleared by the caller), and counts a new layout (a training running in slices was for the
   * lists replaced here).
   */
  private takeLists(layout: IvfLayout): void {
    const { centroids, listStart, posSlot } = layout;
    posSlot.forEach((s, p) => {
      if (s >= 0) this.slotPos[s] = p;
    });
    this.centroids = centroids.slice();
    this.posSlot = posSlot.slice();
    this.listStart = listStart.slice();
    this.lists = listStart.length - 1;
    this.trainedAt = layout.trainedAt;
    this.layouts++;
    this.generation++;
    this.measureLists();
  }

  /**
   * A copy of the trained lists, or undefined while the index is flat (nothing trained).
   * @example
   * const layout = index.exportLayout(); // stored; later, after the same rows are written:
   * fresh.restoreLayout(layout!); // true: no k-means, no re-assignment
   */
  exportLayout(): IvfLayout | undefined {
    this.settleLayout();
    if (!this.lists || (!this.kernel && !this.staged)) return undefined;
    const codes = this.codes;
    const laid = this.codesLaid;
    return {
      dim: this.dim,
      trainedAt: this.trainedAt,
      centroids: this.centroids.slice(),
      listStart: this.listStart.slice(),
      posSlot: this.posSlot.slice(),
      ...(codes && laid === this.posSlot.length
        ? {
            codes: {
              bytes: new Uint8Array(codes.buffer, 0, (laid + this.lists) * (this.codeStride + 4)),
              maxNorm: this.maxNorm,
            },
          }
        : {}),
    };
  }

  /**
   * Before any row is written (an index just made, at open): takes a stored layout and its int8
   * codes ({@link IvfIndex.exportLayout}) for a store of `rows` slots whose fp32 rows are not
   * read yet. Every slot counts as written (the caller masks them as `write` would leave new
   * ones); the rows the layout does not place must then be written ({@link IvfIndex.unplacedSlots})
   * before a search. A search scans the codes and reads the rows it rescores through `read`,
   * so its answers are the same as with every row in; {@link IvfIndex.fillStaged} takes the rows as
   * they are read in the background and {@link IvfIndex.settleStaged} ends the staging. Nothing is
   * trained or laid out meanwhile.
   * @param layout - the stored lists
   * @param codes - their codes and the largest row norm when they were made
   * @param rows - the store's slots (its next free slot)
   * @param read - reads stored rows by slot
   * @returns whether it was taken (false: rows written already, int8 codes off, or the layout
   *   or codes malformed; then nothing changed)
   */
  stageLayout(layout: IvfLayout, codes: IvfCodes, rows: number, read: RowSource): boolean {
    if (this.count > 0 || this.lists > 0 || this.pending || this.staged) return false;
    if (this.options.int8Scan === false || !this.wellFormed(layout, rows)) return false;
    const lists = layout.listStart.length - 1;
    const laid = layout.posSlot.length;
    const codeBytes = (laid + lists) * (this.codeStride + 4);
    if (codes.bytes.length !== codeBytes) return false;
    if (!Number.isFinite(codes.maxNorm) || codes.maxNorm < 0) return false;
    this.slotPos = new Int32Array(rows).fill(-1);
    this.tailAt = new Int32Array(rows).fill(-1);
    this.removed = new Uint32Array(Math.ceil(rows / 32));
    this.count = rows;
    this.takeLists(layout);
    this.maxNorm = codes.maxNorm;
    const kernel = new ScanKernel(codeBytes);
    new Uint8Array(kernel.buffer, 0, codeBytes).set(codes.bytes);
    this.codes = kernel;
    this.scalesPtr = (laid + lists) * this.codeStride;
    this.codesLaid = laid;
    this.staged = new StagedRows(laid, lists, this.stride, read);
    return true;
  }

  /** Whether the lists are staged, their rows still being read ({@link IvfIndex.stageLayout}). */
  get staging(): boolean {
    return this.staged !== undefined;
  }

  /** The laid-out position of slot `s` while its row is still the one placed there, else -1. */
  private placedAt(s: number): number {
    const p = this.slotPos[s]!;
    return p >= 0 && this.posSlot[p] === s ? p : -1;
  }

  /** The slots a staged layout does not place and that are not in the tail yet: write them. */
  unplacedSlots(): number[] {
    const out: number[] = [];
    for (let s = 0; s < this.count; s++)
      if (this.slotPos[s]! < 0 && this.tailAt[s]! < 0) out.push(s);
    return out;
  }

  /**
   * Rows of a staged layout as they are read (slots `first..`, row-major): each row a placed
   * slot still holds goes to its position; the others (slots written since, or not placed)
   * are left as they are. No-op when nothing is staged.
   */
  fillStaged(first: number, rows: Float32Array): void {
    const staged = this.staged;
    if (!staged) return;
    const { dim } = this;
    const n = Math.floor(rows.length / dim);
    for (let r = 0; r < n; r++) {
      const s = first + r;
      if (s >= this.count) break;
      const p = this.placedAt(s);
      if (p >= 0 && !staged.arrived[p]) staged.put(p, rows.subarray(r * dim, (r + 1) * dim));
    }
  }

  /**
   * Ends a staging: the rows of placed slots that have not arrived are read (a slot stored
   * nowhere is a zero row, as a load pads it), then the lists hold their rows and searches
   * rescore from them. No-op (false) when nothing is staged.
   */
  async settleStaged(): Promise<boolean> {
    const staged = this.staged;
    if (!staged) return false;
    const missing: number[] = [];
    this.posSlot.forEach((s, p) => {
      if (s >= 0 && !staged.arrived[p]) missing.push(s);
    });
    const got = missing.length ? await staged.read(missing) : new Map<number, Float32Array>();
    if (this.staged !== staged) return false; // disposed meanwhile
    for (const s of missing) {
      const p = this.placedAt(s);
      const row = got.get(s);
      if (p >= 0 && row) staged.put(p, row);
    }
    this.placeCentroids(staged.kernel, this.posSlot.length);
    this.kernel = staged.kernel;
    this.staged = undefined;
    return true;
  }

  /**
   * Lays the rows written so far out in the lists of a stored layout instead of training:
   * its laid-out slots go to their lists, every other written slot (rows the layout did not
   * cover, or had in its tail) stays in the tail, as before the layout was taken. A layout that
   * does not fit these rows (another dimension, slots not written, a slot twice, offsets out of
   * order, non-finite centroids) is refused and the index is left as it was.
   * @param layout - from {@link IvfIndex.exportLayout}
   * @returns whether it was used
   */
  restoreLayout(layout: IvfLayout): boolean {
    this.settleLayout();
    if (!this.fits(layout)) return false;
    const { stride, count } = this;
    const laid = layout.posSlot.length;
    const kernel = new ScanKernel((laid + layout.listStart.length - 1) * stride * 4);
    const f32 = kernel.f32;
    const old = this.snapshotReader(count);
    for (let p = 0; p < laid; p++) {
      const s = layout.posSlot[p]!;
      if (s >= 0) f32.set(old(s), p * stride);
    }
    this.adopt(layout, kernel);
    // The tail: every written slot the layout does not place.
    this.clearTail();
    this.tailKernel = null;
    for (let s = 0; s < count; s++) if (this.slotPos[s]! < 0) this.toTail(s, old(s), 1);
    return true;
  }

  /**
   * Before any row is written (an index just made, at open): takes a stored layout whose rows
   * are about to be written, so that each row goes straight to its place in the lists as it is
   * written, instead of into the tail and then, at {@link IvfIndex.restoreLayout}, copied into
   * the lists (at 100k × 512 a second 205 MB and a pass of random reads). Rows of slots the
   * layout does not place go to the tail. {@link IvfIndex.settleLayout} (or the first search)
   * then uses the layout when every slot it places was written, exactly as `restoreLayout` would,
   * and otherwise moves those rows to the tail (as if no layout had been given).
   * @param layout - from {@link IvfIndex.exportLayout}
   * @param rows - how many slots the store holds (its next free slot): a layout placing a slot
   *   past them is malformed (a corrupt stored id would otherwise size the arrays made here)
   * @returns whether it is expected (false: rows were written already, or the layout is
   *   malformed; then nothing changed)
   * @example
   * if (index.expectLayout(stored, meta.nextSlot)) await index.write(0, rows); // rows land in their lists
   * index.settleLayout(); // true: laid out, no copy, no training
   */
  expectLayout(layout: IvfLayout, rows: number): boolean {
    if (this.count > 0 || this.lists > 0 || this.pending || !this.wellFormed(layout, rows))
      return false;
    const laid = layout.posSlot.length;
    let top = -1;
    for (const s of layout.posSlot) top = Math.max(top, s);
    const pos = new Int32Array(top + 1).fill(-1);
    layout.posSlot.forEach((s, p) => {
      if (s >= 0) pos[s] = p;
    });
    this.pending = {
      layout,
      kernel: new ScanKernel((laid + layout.listStart.length - 1) * this.stride * 4),
      pos,
      written: new Uint8Array(laid),
    };
    return true;
  }

  /**
   * Ends an expected layout ({@link IvfIndex.expectLayout}): lays the lists out when every slot
   * it places was written; else its rows join the tail and the index is as without it.
   * @returns whether the layout is used (undefined: none was expected)
   */
  settleLayout(): boolean | undefined {
    const pend = this.pending;
    if (!pend) return undefined;
    this.pending = undefined;
    const { layout, kernel, written } = pend;
    const { posSlot } = layout;
    let all = true;
    for (let p = 0; p < posSlot.length && all; p++) all = posSlot[p]! < 0 || written[p] === 1;
    if (all) {
      this.adopt(layout, kernel);
      return true;
    }
    const { dim, stride } = this;
    for (let p = 0; p < posSlot.length; p++) {
      const s = posSlot[p]!;
      if (s >= 0 && written[p] === 1)
        this.toTail(s, kernel.f32.subarray(p * stride, p * stride + dim), 1);
    }
    return false;
  }

  /** Takes `layout`'s lists, its rows already at their positions in `kernel` (then the centroids). */
  private adopt(layout: IvfLayout, kernel: ScanKernel): void {
    const laid = layout.posSlot.length;
    this.slotPos.fill(-1, 0, this.count);
    this.takeLists(layout);
    this.placeCentroids(kernel, laid);
    this.kernel = kernel;
    this.encode(laid);
  }

  /**
   * The int8 codes of the `laid` laid-out rows and of the centroids after them (symmetric, a
   * scale per row: its largest |value| / 127), unless {@link IvfIndexOptions.int8Scan} is false.
   */
  private encode(laid: number): void {
    this.codes = null;
    if (this.options.int8Scan === false) return;
    const { dim, stride, codeStride } = this;
    const rows = laid + this.lists; // the kernel holds the centroids right after the rows
    const scalesPtr = rows * codeStride;
    const codes = new ScanKernel(scalesPtr + rows * 4);
    // In the kernel (SIMD max, rounding as Math.round): the rows are copied into its scratch a
    // block at a time (at 100k × 512 the per-element loop in JS took seconds at open).
    const block = Math.max(1, Math.min(rows, Math.floor(ENCODE_BLOCK_BYTES / (stride * 4))));
    codes.reserve(codes.rowBytes, block * stride * 4);
    const at = codes.rowBytes;
    const f32 = this.kernel!.f32;
    for (let p = 0; p < rows; p += block) {
      const m = Math.min(block, rows - p);
      new Float32Array(codes.buffer, at, m * stride).set(
        f32.subarray(p * stride, (p + m) * stride),
      );
      codes.fn.encode8(at, m, stride, dim, p * codeStride, codeStride, scalesPtr + p * 4);
    }
    this.codes = codes;
    this.scalesPtr = scalesPtr;
    this.codesLaid = laid;
  }

  /** A reader of the rows as they sit now that later changes to the layout do not affect. */
  private snapshotReader(count: number): (s: number) => Float32Array {
    const { dim, stride, kernel, tailKernel } = this;
    const slotPos = this.slotPos.slice(0, count);
    const tailAt = this.tailAt.slice(0, count);
    return (s) => {
      const p = slotPos[s]!;
      const at = p >= 0 ? p : tailAt[s]!;
      const from = p >= 0 ? kernel! : tailKernel!;
      return from.f32.subarray(at * stride, at * stride + dim);
    };
  }

  /**
   * Whether a stored layout is well formed (shapes, offsets, finite centroids, every slot below
   * `rows`, no slot twice). Nothing here is sized by a stored value: a corrupt layout is refused,
   * never a RangeError or a huge allocation.
   */
  private wellFormed(layout: IvfLayout, rows: number): boolean {
    const { centroids, listStart, posSlot, dim, trainedAt } = layout;
    if (dim !== this.dim || !(centroids instanceof Float32Array)) return false;
    if (!(listStart instanceof Int32Array) || !(posSlot instanceof Int32Array)) return false;
    const lists = listStart.length - 1;
    if (lists < 1 || centroids.length !== lists * dim) return false;
    if (!Number.isInteger(trainedAt) || trainedAt < 1) return false;
    if (listStart[0] !== 0 || listStart[lists] !== posSlot.length) return false;
    for (let c = 0; c < lists; c++) if (listStart[c + 1]! < listStart[c]!) return false;
    for (const v of centroids) if (!Number.isFinite(v)) return false;
    if (!Number.isInteger(rows) || rows < 0) return false;
    const seen = new Uint8Array(rows);
    for (const s of posSlot) {
      if (s === -1) continue;
      if (s < -1 || s >= rows || seen[s]) return false;
      seen[s] = 1;
    }
    return true;
  }

  /** Whether a stored layout can describe the rows written now (well formed, its slots written). */
  private fits(layout: IvfLayout): boolean {
    return this.wellFormed(layout, this.count);
  }

  /**
   * Top-k per query, best first (score desc, ties → lower slot), exact scores.
   * @param queries - row-major `nq × dim`
   * @param k - hits per query, 1..{@link MAX_K}
   * @param allow - optional filter; slots past its end are not allowed
   */
  async search(queries: Float32Array, k: number, allow?: Uint8Array): Promise<SearchHits[]> {
    const nq = checkRows(queries, this.dim, 'query');
    checkK(k);
    checkAllow(allow);
    this.settleLayout();
    if (this.staged) return this.searchStaged(queries, nq, k, allow);
    if (this.count >= (this.options.backgroundFrom ?? Infinity)) this.startJob();
    else await this.build();
    const out: SearchHits[] = [];
    for (let q = 0; q < nq; q++) out.push(this.one(queries, q, k, allow));
    return out;
  }

  /** A query's candidates, kept for the next ({@link IvfIndex.one} runs to its end at once). */
  private readonly cand = new Candidates(1, 0);

  /** Whether slot `s` may be returned: not removed, and allowed by `allow`. */
  private eligible(allow?: Uint8Array): (s: number) => boolean {
    const { removed } = this;
    const allowLen = allow ? allow.length : 0;
    return (s) =>
      !((removed[s >>> 5]! >>> (s & 31)) & 1) && !(allow && (s >= allowLen || allow[s] === 0));
  }

  /**
   * {@link IvfIndex.search} while staged: each query's shortlist from the codes, then (one read
   * for all queries) the shortlisted rows from the store, those not in yet, scored as
   * {@link IvfIndex.one} scores them in their lists: the same candidates in the same order, so
   * the same hits. The rows read are kept in the lists (a row is a slice of a stored block,
   * ≈ 0.5 ms each at 100k × 512: a search repeated, or one near it, reads none again).
   */
  private async searchStaged(
    queries: Float32Array,
    nq: number,
    k: number,
    allow?: Uint8Array,
  ): Promise<SearchHits[]> {
    const staged = this.staged!;
    const { dim } = this;
    const shortlists: number[][] = [];
    let ok = this.eligible(allow);
    for (let q = 0; q < nq; q++) {
      const qo = q * dim;
      const short = this.scanCodes(queries, qo, Math.max(this.shortlist, 4 * k), ok);
      // (A view made after the scan: it may have grown the codes' memory.)
      const scales = new Float32Array(this.codes!.buffer, this.scalesPtr, this.codesLaid);
      // Only the rows whose code score leaves them within reach of the top k are read.
      const reach = withinReach(short, scales, queries.subarray(qo, qo + dim), k, this.maxNorm);
      shortlists.push(Array.from(reach, (p) => this.posSlot[p]!));
    }
    const generation = this.generation;
    // Rows already in (read in the background, or by an earlier search) are taken from the
    // lists; the rest are read.
    const rows = new Map<number, Float32Array>();
    const missing: number[] = [];
    const { stride } = this;
    for (const s of new Set(shortlists.flat())) {
      const p = this.placedAt(s);
      if (p >= 0 && staged.arrived[p] === 1)
        rows.set(s, staged.kernel.f32.slice(p * stride, p * stride + dim));
      else missing.push(s);
    }
    if (missing.length) {
      const got = await staged.read(missing);
      // Disposed (or rebuilt) while the rows were read: the search runs again on what is there.
      if (this.generation !== generation) return this.search(queries, k, allow);
      for (const [s, row] of got) {
        rows.set(s, row);
        // Kept at its place in the lists (where the background read would put it), so the
        // next searches do not read it again; not if its slot was rewritten meanwhile.
        const p = this.placedAt(s);
        if (p >= 0 && staged.arrived[p] === 0) staged.put(p, row);
      }
    }
    ok = this.eligible(allow); // removals while the rows were read
    const tailRow = this.reader();
    const zero = new Float32Array(dim);
    const rowOf = (s: number) => rows.get(s) ?? (this.tailAt[s]! >= 0 ? tailRow(s) : zero);
    const out: SearchHits[] = [];
    for (let q = 0; q < nq; q++) {
      const qo = q * dim;
      const c = new Candidates(
        k,
        2 * scanErrorBound(this.stride, this.maxNorm, norm(queries, qo, dim)),
      );
      this.scanTail(c, queries, qo, ok);
      const slots = shortlists[q]!;
      const scores = staged.score(
        slots.map((s) => rows.get(s)),
        queries.subarray(qo, qo + dim),
      );
      slots.forEach((s, j) => {
        const v = scores[j]!;
        if (v >= c.cut && ok(s)) c.add(v, s, s);
      });
      out.push(c.finishRows(rowOf, queries, qo, dim, k));
    }
    return out;
  }

  /** Offers every eligible row of the tail (every row while flat) to `c`, scanned in full. */
  private scanTail(
    c: Candidates,
    queries: Float32Array,
    qo: number,
    ok: (s: number) => boolean,
  ): void {
    const { dim, stride } = this;
    const tk = this.tailKernel;
    if (tk && this.tailCount) {
      const n = this.tailCount;
      tk.reserve(tk.rowBytes, (stride + n) * 4);
      const f32 = tk.f32;
      const qOff = tk.rowBytes / 4;
      const sOff = qOff + stride;
      f32.fill(0, qOff, sOff);
      f32.set(queries.subarray(qo, qo + dim), qOff);
      tk.fn.dot1(0, n, stride, qOff * 4, sOff * 4);
      let cut = c.cut;
      for (let j = 0; j < n; j++) {
        const v = f32[sOff + j]!;
        if (v < cut) continue;
        const s = this.tailSlots[j]!;
        if (!ok(s)) continue;
        c.add(v, s, s);
        cut = c.cut;
      }
    }
  }

  private one(queries: Float32Array, q: number, k: number, allow?: Uint8Array): SearchHits {
    const { dim, stride, lists } = this;
    const qo = q * dim;
    const c = this.cand;
    c.reset(k, 2 * scanErrorBound(stride, this.maxNorm, norm(queries, qo, dim)));
    const ok = this.eligible(allow);
    this.scanTail(c, queries, qo, ok);
    const rows = this.reader();
    if (lists === 0 || !this.kernel) return c.finishRows(rows, queries, qo, dim, k);
    const kernel = this.kernel;
    kernel.reserve(kernel.rowBytes, (stride + this.biggest) * 4);
    const f32 = kernel.f32;
    const qOff = kernel.rowBytes / 4;
    const sOff = qOff + stride;
    f32.fill(0, qOff, sOff);
    f32.set(queries.subarray(qo, qo + dim), qOff);
    if (this.codes && this.shortlist > 0) {
      // The codes of the centroids and of the probed lists, then the shortlist's rows in f32
      // (the error bound holds for them), then the survivors exactly.
      const short = this.scanCodes(queries, qo, Math.max(this.shortlist, 4 * k), ok).slots;
      for (const p of short) {
        kernel.fn.dot1(p * stride * 4, 1, stride, qOff * 4, sOff * 4);
        const v = f32[sOff]!;
        if (v < c.cut) continue;
        const s = this.posSlot[p]!;
        c.add(v, s, s);
      }
      return c.finishRows(rows, queries, qo, dim, k);
    }
    kernel.fn.dot1(this.centroidPtr, lists, stride, qOff * 4, sOff * 4);
    const nearest = new TopK(Math.min(this.probes, lists));
    for (let l = 0; l < lists; l++) nearest.push(f32[sOff + l]!, l);
    for (const l of nearest.result().slots) {
      const p0 = this.listStart[l]!;
      const m = this.listStart[l + 1]! - p0;
      if (m === 0) continue;
      kernel.fn.dot1(p0 * stride * 4, m, stride, qOff * 4, sOff * 4);
      let cut = c.cut;
      for (let j = 0; j < m; j++) {
        const v = f32[sOff + j]!;
        if (v < cut) continue;
        const s = this.posSlot[p0 + j]!;
        if (s < 0 || !ok(s)) continue;
        c.add(v, s, s);
        cut = c.cut;
      }
    }
    return c.finishRows(rows, queries, qo, dim, k);
  }

  /**
   * Positions (`slots`) of the `want` best rows (eligible only) of the {@link IvfIndex.probes}
   * lists whose centroids score highest, all scored by their int8 codes (`scores`, in units of
   * the query rounded to i16 by `qScale`, so that no i32 sum can overflow), best first.
   */
  private scanCodes(
    queries: Float32Array,
    qo: number,
    want: number,
    ok: (s: number) => boolean,
  ): SearchHits & { qScale: number } {
    const codes = this.codes!;
    const { dim, codeStride, lists } = this;
    codes.reserve(codes.rowBytes, codeStride * 2 + this.biggest * 4);
    const buf = codes.buffer;
    const qAt = codes.rowBytes;
    const outAt = qAt + codeStride * 2;
    const q16 = new Int16Array(buf, qAt, codeStride);
    let m = 0;
    for (let i = 0; i < dim; i++) m = Math.max(m, Math.abs(queries[qo + i]!));
    const top = Math.min(32767, Math.floor((2 ** 31 - 1) / (codeStride * 127)));
    const scale = m > 0 ? top / m : 0;
    for (let i = 0; i < dim; i++) q16[i] = Math.round(queries[qo + i]! * scale);
    const out = new Float32Array(buf, outAt, this.biggest);
    const laid = this.codesLaid;
    codes.fn.dot8(laid * codeStride, lists, codeStride, this.scalesPtr + laid * 4, qAt, outAt);
    const nearest = new TopK(Math.min(this.probes, lists));
    for (let l = 0; l < lists; l++) nearest.push(out[l]!, l);
    const best = new TopK(want);
    for (const l of nearest.result().slots) {
      const p0 = this.listStart[l]!;
      const n = this.listStart[l + 1]! - p0;
      if (n === 0) continue;
      codes.fn.dot8(p0 * codeStride, n, codeStride, this.scalesPtr + p0 * 4, qAt, outAt);
      let cut = best.threshold;
      for (let j = 0; j < n; j++) {
        const v = out[j]!;
        if (v <= cut) continue;
        const s = this.posSlot[p0 + j]!;
        if (s < 0 || !ok(s)) continue;
        best.push(v, p0 + j);
        cut = best.threshold;
      }
    }
    return { ...best.result(), qScale: scale };
  }

  private clearTail(): void {
    for (let t = 0; t < this.tailCount; t++) this.tailAt[this.tailSlots[t]!] = -1;
    this.tailCount = 0;
    this.tailSlots = [];
  }

  /** Drops rows and lists; the index is empty afterwards. */
  dispose(): void {
    this.pending = undefined;
    this.staged = undefined;
    this.removed = new Uint32Array(0);
    this.slotPos = new Int32Array(0);
    this.posSlot = new Int32Array(0);
    this.kernel = null;
    this.codes = null;
    this.tailKernel = null;
    this.tailAt = new Int32Array(0);
    this.tailSlots = [];
    this.tailCount = 0;
    this.count = this.lists = this.trainedAt = 0;
    this.maxNorm = 0;
    this.generation++;
  }
}
