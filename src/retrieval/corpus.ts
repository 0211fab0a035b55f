// The indexed memories of a retriever: BM25 over memories and over whole episodes, each
// memory's stage data (time, speaker, episode position) and the episode order for neighbours.
import { LexicalIndex, type Bm25Params } from './lexical-index';
import { rowOf, type DocInfo, type LexicalRow, type RetrievalDoc } from './lexical-row';

/**
 * The index side of a {@link Retriever}: `upsert`/`upsertRow`/`remove` keep BM25 postings,
 * episode texts and positions up to date, incrementally.
 */
export class Corpus {
  protected readonly lexical: LexicalIndex;
  protected readonly episodeIndex: LexicalIndex;
  protected readonly dirtyEpisodes = new Set<string>();
  protected readonly rows = new Map<string, LexicalRow>();
  protected readonly info = new Map<string, DocInfo>();
  protected readonly episodes = new Map<string, string[]>();
  /** Per episode, each member's position in it: built when first needed, dropped when it changes. */
  private readonly positions = new Map<string, Map<string, number>>();

  /** @param bm25 - BM25 parameters */
  constructor(bm25: Bm25Params) {
    this.lexical = new LexicalIndex(bm25);
    this.episodeIndex = new LexicalIndex(bm25);
  }

  /**
   * Operation counts (tests and benches; not a public API): postings the lexical stage read,
   * and the candidates the last search carried through its stages.
   * @internal
   */
  get stats(): { postingsTouched: number; candidates: number } {
    return { postingsTouched: this.lexical.stats.postingsTouched, candidates: this.candidates };
  }

  /** Candidates the last search carried through its first stages. */
  protected candidates = 0;

  /** Number of memories indexed. */
  get size(): number {
    return this.info.size;
  }

  /**
   * Indexes a memory, replacing an earlier version of it.
   * @param doc - id, text, event time, episode and order
   */
  upsert(doc: RetrievalDoc): void {
    this.upsertRow(rowOf(doc));
  }

  /**
   * Indexes an analysed memory (a stored {@link LexicalRow}: nothing is re-tokenised).
   * @param row - terms and stage data of one memory
   */
  upsertRow(row: LexicalRow): void {
    this.remove(row.id);
    const counts = new Map(row.terms);
    for (const [t, c] of row.dates) counts.set(t, (counts.get(t) ?? 0) + c);
    this.lexical.addTerms(row.id, counts);
    this.rows.set(row.id, row);
    this.setInfo(row.id, row.info);
  }

  /** Whether a memory is indexed. */
  has(id: string): boolean {
    return this.info.has(id);
  }

  /**
   * Drops a memory (delete, erasure); a no-op for an unknown id.
   * @param id - memory id
   */
  remove(id: string): void {
    const inf = this.info.get(id);
    if (!inf) return;
    this.lexical.remove(id);
    this.info.delete(id);
    this.rows.delete(id);
    if (inf.episode !== undefined) {
      this.dirtyEpisodes.add(inf.episode);
      const ids = this.episodes.get(inf.episode)!.filter((x) => x !== id);
      if (ids.length) this.episodes.set(inf.episode, ids);
      else this.episodes.delete(inf.episode);
      this.positions.delete(inf.episode);
    }
  }

  /** Drops everything. */
  clear(): void {
    this.lexical.clear();
    this.episodeIndex.clear();
    this.dirtyEpisodes.clear();
    this.rows.clear();
    this.info.clear();
    this.episodes.clear();
    this.positions.clear();
  }

  /**
   * The memories within `radius` positions of `id` in its episode; `distance` is negative before it.
   * @param id - memory id
   * @param radius - positions either side
   */
  neighbours(id: string, radius: number): { id: string; distance: number }[] {
    const inf = this.info.get(id);
    if (!inf || inf.episode === undefined) return [];
    const ids = this.episodes.get(inf.episode)!;
    // Positions of this episode only: a write elsewhere does not make a search re-walk them all.
    let pos = this.positions.get(inf.episode);
    if (!pos) {
      pos = new Map();
      for (let i = 0; i < ids.length; i++) pos.set(ids[i]!, i);
      this.positions.set(inf.episode, pos);
    }
    const at = pos.get(id)!;
    const out: { id: string; distance: number }[] = [];
    for (let d = 1; d <= radius; d++) {
      const before = ids[at - d];
      const after = ids[at + d];
      if (before !== undefined) out.push({ id: before, distance: -d });
      if (after !== undefined) out.push({ id: after, distance: d });
    }
    return out;
  }

  protected refreshEpisodes(): void {
    for (const e of this.dirtyEpisodes) {
      const ids = this.episodes.get(e);
      if (!ids) {
        this.episodeIndex.remove(e);
        continue;
      }
      const counts = new Map<string, number>();
      for (const id of ids)
        for (const [t, c] of this.rows.get(id)?.terms ?? [])
          counts.set(t, (counts.get(t) ?? 0) + c);
      this.episodeIndex.addTerms(e, counts);
    }
    this.dirtyEpisodes.clear();
  }

  private setInfo(id: string, inf: DocInfo): void {
    this.info.set(id, inf);
    if (inf.episode === undefined) return;
    this.dirtyEpisodes.add(inf.episode);
    const list = this.episodes.get(inf.episode) ?? [];
    // Insert in order (appends are the common case).
    let i = list.length;
    while (i > 0 && this.before(id, inf, list[i - 1]!)) i--;
    list.splice(i, 0, id);
    this.episodes.set(inf.episode, list);
    this.positions.delete(inf.episode);
  }

  private before(id: string, a: DocInfo, other: string): boolean {
    const b = this.info.get(other)!;
    if (a.order !== b.order) return a.order < b.order;
    if (a.seq !== b.seq) return a.seq < b.seq;
    return id < other;
  }
}
