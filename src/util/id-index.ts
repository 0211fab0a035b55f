// Row numbers of many strings by value, without a JS Map over them.

/**
 * The rows of an array of strings (memory ids), found by value. A `Map` hashes a string the
 * first time it meets one, and for the 100k ids a checkpoint has just decoded that took ≈ 1.2 µs
 * apiece in Chromium (≈ 115 ms of a 100k cold open, whichever map came first; the same map
 * again: 8 ms). This index hashes characters itself (FNV-1a over a sample of them, or all of
 * them where samples collide) into an open-addressed table of row numbers and compares the
 * string it finds, so that no Map over every id is made before the first result.
 * @example
 * const ix = IdIndex.of(['a', 'b', 'c']);
 * ix?.get('b'); // 1
 */
export class IdIndex {
  private constructor(
    private readonly ids: readonly string[],
    /** Row + 1 per slot; 0: empty. */
    private readonly table: Int32Array,
    /** Rows indexed. */
    readonly size: number,
    /** Hashes every character (else a sample of them: see {@link sampleHash}). */
    private readonly full: boolean,
  ) {}

  /**
   * Indexes `ids[r]` for each row `r` of `rows` (default every row).
   * @param ids - the strings
   * @param rows - which rows to index
   * @returns the index, or undefined when two of those rows hold the same string
   */
  static of(ids: readonly string[], rows?: readonly number[]): IdIndex | undefined {
    // A sample of each string's characters first (ids are mostly random: UUIDs); strings that
    // differ elsewhere crowd the table (a long probe run), and every character is hashed then.
    const sampled = IdIndex.build(ids, rows, false);
    return sampled !== null ? sampled : (IdIndex.build(ids, rows, true) ?? undefined);
  }

  /** The index; undefined: a string twice; null: sampled hashes crowded (build with `full`). */
  private static build(
    ids: readonly string[],
    rows: readonly number[] | undefined,
    full: boolean,
  ): IdIndex | undefined | null {
    const n = rows ? rows.length : ids.length;
    let cap = 16;
    while (cap < 2 * n) cap *= 2; // at most half full: short probe runs
    const table = new Int32Array(cap);
    const mask = cap - 1;
    const hash = full ? fullHash : sampleHash;
    for (let k = 0; k < n; k++) {
      const r = rows ? rows[k]! : k;
      const id = ids[r]!;
      let at = hash(id) & mask;
      for (let probes = 0; ; probes++) {
        const held = table[at]!;
        if (held === 0) break;
        if (ids[held - 1] === id) return undefined;
        if (!full && probes > MAX_PROBES) return null;
        at = (at + 1) & mask;
      }
      table[at] = r + 1;
    }
    return new IdIndex(ids, table, n, full);
  }

  /**
   * The row of `id`, or undefined when none of the rows indexed holds it.
   * @param id - a string
   */
  get(id: string): number | undefined {
    const { table, ids } = this;
    const mask = table.length - 1;
    let at = (this.full ? fullHash(id) : sampleHash(id)) & mask;
    for (;;) {
      const held = table[at]!;
      if (held === 0) return undefined;
      if (ids[held - 1] === id) return held - 1;
      at = (at + 1) & mask;
    }
  }
}

/** A probe run this long while building with sampled hashes: build again hashing everything. */
const MAX_PROBES = 48;

/** FNV-1a over every UTF-16 code unit. */
function fullHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** FNV-1a over the length and up to 12 code units: the first 4, 4 in the middle, the last 4. */
function sampleHash(s: string): number {
  const n = s.length;
  if (n <= 12) return fullHash(s);
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  const mid = (n >> 1) - 2;
  for (const from of [0, mid, n - 4])
    for (let i = from; i < from + 4; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
