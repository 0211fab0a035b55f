// Dense passages: a long memory's text embedded as its passages (the same passages the lexical
// index holds, src/retrieval/passages.ts), each vector pointing to its memory. The dense stage
// scores a memory by the best of its whole-text cosine and its passages' cosines, so a query
// about one paragraph of a 5,000-character answer meets that paragraph instead of the whole
// text's average, and a memory is still one candidate however many passages it has.
//
// Derived data, held in memory next to the lexical index and kept in step with it: a memory
// whose current text has one passage (most memories: short ones) has no passage vectors; a
// changed, deleted or erased one loses them. They are embedded on the first search that uses
// them (one embedder call for every long memory written since), and not stored: a reopened
// store embeds its long memories' passages again at its first such search.
import type { MemoryRecord } from '../store/records';
import { passages, PASSAGE_CHARS } from './passages';
import { dot } from './rerank';

/** Embeds texts (the engine's embedder): one unit-length vector per text, in order. */
export type EmbedTexts = (texts: string[]) => Promise<Float32Array[]>;

/** The passage vectors of one memory's current text. */
interface Entry {
  rec: MemoryRecord;
  /** `count × dim`, row-major. */
  rows: Float32Array;
  count: number;
}

/**
 * Passage vectors of the long current memories of one engine state. `mark` and `drop` follow
 * the lexical index (called as it indexes and drops memories); {@link fill} embeds what was
 * marked; {@link best} scores memories by their best passage.
 */
export class PassageVectors {
  private readonly vectors = new Map<string, Entry>();
  /** Long memories marked and not yet embedded (a function: the record, made when embedded). */
  private readonly todo = new Map<string, MemoryRecord | (() => MemoryRecord)>();
  /** The batch being embedded (an entry dropped meanwhile is not kept). */
  private readonly inflight = new Map<string, MemoryRecord>();
  private filling: Promise<void> | undefined;

  /** Memories with passage vectors (embedded). */
  get size(): number {
    return this.vectors.size;
  }

  /** Passage vectors held, in all. */
  get passages(): number {
    let n = 0;
    for (const e of this.vectors.values()) n += e.count;
    return n;
  }

  /** A memory's current record was indexed: it gets passage vectors when its text is long. */
  mark(rec: MemoryRecord): void {
    this.drop(rec.id);
    if (rec.text.length > PASSAGE_CHARS) this.todo.set(rec.id, rec);
  }

  /**
   * {@link mark} for a long memory whose record is not made yet (loaded in columns).
   * @param id - the memory (its text longer than `PASSAGE_CHARS`)
   * @param rec - makes its record (called when its passages are embedded)
   */
  markLoaded(id: string, rec: () => MemoryRecord): void {
    this.drop(id);
    this.todo.set(id, rec);
  }

  /** A memory left the index (changed, deleted, erased): its passage vectors go. */
  drop(id: string): void {
    // (An empty map is not looked up: a reopen marks every memory, with nothing held yet.)
    if (this.todo.size) this.todo.delete(id);
    if (this.inflight.size) this.inflight.delete(id);
    if (this.vectors.size) this.vectors.delete(id);
  }

  /**
   * Embeds the passages of every marked memory (one `embed` call per batch of marks); a
   * search that comes while another fills waits for it. A failed call leaves its memories
   * marked for the next search.
   * @param embed - the engine's embedder
   * @param dim - vector length
   */
  async fill(embed: EmbedTexts, dim: number): Promise<void> {
    while (this.todo.size > 0 || this.filling) {
      if (this.filling) {
        await this.filling;
        continue;
      }
      const batch = [...this.todo.values()].map((r) => (typeof r === 'function' ? r() : r));
      this.todo.clear();
      for (const rec of batch) this.inflight.set(rec.id, rec);
      this.filling = this.embedBatch(batch, embed, dim).finally(() => {
        this.filling = undefined;
      });
      await this.filling;
    }
  }

  private async embedBatch(batch: MemoryRecord[], embed: EmbedTexts, dim: number): Promise<void> {
    const parts = batch.map((rec) => passages(rec.text));
    let vecs: Float32Array[];
    try {
      vecs = await embed(parts.flat());
    } catch (e) {
      for (const rec of batch)
        if (this.inflight.get(rec.id) === rec) {
          this.inflight.delete(rec.id);
          this.todo.set(rec.id, rec);
        }
      throw e;
    }
    let at = 0;
    batch.forEach((rec, i) => {
      const n = parts[i]!.length;
      const rows = new Float32Array(n * dim);
      for (let j = 0; j < n; j++) rows.set(vecs[at + j]!, j * dim);
      at += n;
      if (this.inflight.get(rec.id) !== rec) return; // changed or dropped meanwhile
      this.inflight.delete(rec.id);
      if (n > 1) this.vectors.set(rec.id, { rec, rows, count: n });
    });
  }

  /**
   * The best passage cosine of each memory that has passage vectors and that `allow` admits,
   * keeping the `k` best (ties in `tie` order: not the order embedded, which after a reopen is
   * the order loaded, not written).
   * @param query - the query vector (unit length)
   * @param k - memories to return
   * @param allow - whether a memory may be returned
   * @param tie - order of equal cosines (the retriever's `tieOrder`)
   */
  best(
    query: Float32Array,
    k: number,
    allow: (id: string) => boolean,
    tie: (a: string, b: string) => number,
  ): Map<string, number> {
    const dim = query.length;
    const found: [string, number][] = [];
    for (const [id, { rows }] of this.vectors) {
      if (!allow(id)) continue;
      let top = -Infinity;
      for (let off = 0; off < rows.length; off += dim)
        top = Math.max(top, dot(rows.subarray(off, off + dim), query));
      found.push([id, top]);
    }
    if (found.length > k) found.sort((a, b) => b[1] - a[1] || tie(a[0], b[0])).length = k;
    return new Map(found);
  }
}
