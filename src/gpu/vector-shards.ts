// Vectors on the GPU, split over several storage buffers ("shards") that each
// fit one binding. Rows are zero-padded to a multiple of 4 floats (vec4 loads).
// Appends write only the new rows; the last shard grows geometrically by a
// GPU-side copy, and full shards are never touched again.

/** One shard as the scan sees it. */
export interface ShardView {
  /** The storage buffer. */
  buffer: GPUBuffer;
  /** Global slot of the shard's row 0. */
  base: number;
  /** Rows of this shard that hold data. */
  rows: number;
}

/** Smallest allocation of a growing shard, in rows. */
const MIN_ROWS = 1024;

/** The sharded vector store of one GPU index. */
export class VectorShards {
  /** Floats per stored row (dim rounded up to 4). */
  readonly stride: number;
  /** Rows per full shard. */
  readonly shardRows: number;
  private readonly buffers: GPUBuffer[] = [];
  /** Allocated rows of each shard. */
  private readonly caps: number[] = [];
  private padded = new Float32Array(0);

  /**
   * @param device - the device to allocate on
   * @param dim - vector length
   * @param shardRows - rows per shard, already within the device's limits
   * @param label - prefix of the buffers' labels
   */
  constructor(
    private readonly device: GPUDevice,
    readonly dim: number,
    shardRows: number,
    private readonly label: string,
  ) {
    this.stride = Math.ceil(dim / 4) * 4;
    this.shardRows = shardRows;
  }

  /**
   * Largest shard (in rows) that one binding of `device` can hold.
   * @param device - the device
   * @param dim - vector length
   */
  static maxShardRows(device: GPUDevice, dim: number): number {
    const bytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    const rowBytes = Math.ceil(dim / 4) * 16;
    // The scan dispatches one workgroup per 1024 rows, at most 65535 in x.
    return Math.max(1, Math.min(Math.floor(bytes / rowBytes), 65535 * 1024));
  }

  private allocate(index: number, rows: number): GPUBuffer {
    return this.device.createBuffer({
      label: `${this.label} vectors shard ${index} (${rows} rows)`,
      size: rows * this.stride * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
  }

  /**
   * Makes room for `rows` rows in total; `used` rows already hold data.
   * @param rows - rows needed
   * @param used - rows written so far (copied when the last shard grows)
   */
  ensure(rows: number, used: number): void {
    let have = this.caps.reduce((a, b) => a + b, 0);
    if (rows <= have) return;
    const last = this.buffers.length - 1;
    const lastCap = this.caps[last] ?? this.shardRows;
    if (last >= 0 && lastCap < this.shardRows) {
      const base = last * this.shardRows;
      const cap = Math.min(this.shardRows, Math.max(rows - base, lastCap * 2));
      const next = this.allocate(last, cap);
      const old = this.buffers[last]!;
      const keep = Math.max(0, Math.min(used - base, lastCap)) * this.stride * 4;
      if (keep > 0) {
        const enc = this.device.createCommandEncoder({ label: `${this.label} grow shard` });
        enc.copyBufferToBuffer(old, 0, next, 0, keep);
        this.device.queue.submit([enc.finish()]);
      }
      old.destroy();
      this.buffers[last] = next;
      have += cap - lastCap;
      this.caps[last] = cap;
    }
    while (have < rows) {
      const index = this.buffers.length;
      const cap = Math.min(this.shardRows, Math.max(rows - have, MIN_ROWS));
      this.buffers.push(this.allocate(index, cap));
      this.caps.push(cap);
      have += cap;
    }
  }

  /**
   * Uploads rows to slots `first..` (capacity must already be there).
   * @param first - first slot
   * @param vectors - row-major `count × dim`
   */
  write(first: number, vectors: Float32Array): void {
    const { dim, stride } = this;
    const count = vectors.length / dim;
    let src = vectors;
    if (stride !== dim) {
      if (this.padded.length < count * stride) this.padded = new Float32Array(count * stride);
      src = this.padded.subarray(0, count * stride);
      src.fill(0);
      for (let r = 0; r < count; r++) {
        src.set(vectors.subarray(r * dim, (r + 1) * dim), r * stride);
      }
    }
    let row = 0;
    while (row < count) {
      const slot = first + row;
      const shard = Math.floor(slot / this.shardRows);
      const at = slot - shard * this.shardRows;
      const n = Math.min(count - row, this.shardRows - at);
      // Typed-array offsets and sizes of writeBuffer are in elements. The
      // browser also takes views of a SharedArrayBuffer; the types do not say so.
      const data = src as Float32Array<ArrayBuffer>;
      this.device.queue.writeBuffer(
        this.buffers[shard]!,
        at * stride * 4,
        data,
        row * stride,
        n * stride,
      );
      row += n;
    }
  }

  /**
   * The shards holding slots `0..size-1`.
   * @param size - rows written
   */
  views(size: number): ShardView[] {
    const out: ShardView[] = [];
    for (let i = 0; i < this.buffers.length; i++) {
      const base = i * this.shardRows;
      const rows = Math.min(size - base, this.caps[i]!);
      if (rows > 0) out.push({ buffer: this.buffers[i]!, base, rows });
    }
    return out;
  }

  /** Frees every shard. */
  destroy(): void {
    for (const b of this.buffers.splice(0)) b.destroy();
    this.caps.length = 0;
  }
}
