// The indexed memories of a retriever: BM25 over memories (a long one as its passages) and
// over whole episodes, each memory's stage data (time, speaker, episode position, standing
// kind) and the episode order for neighbours.
import { withoutSpeakers } from './dense-query';
import { LexicalIndex, type Bm25Params } from './lexical-index';
import type { TieOrder } from './fusion';
import {
  passageTerms,
  rowOf,
  type DocInfo,
  type LexicalRow,
  type RetrievalDoc,
} from './lexical-row';
import { terms } from './analyzer';
import { InfoTable } from './info-table';
import { RowTable } from './row-table';
import { IdIndex } from '../util/id-index';
import { sortFew } from './sort-few';
import {
  columnDocs,
  docRows,
  invertDocs,
  rowAt,
  type ColumnPostings,
  type DocRows,
  type LexicalColumns,
} from '../store/lexical-columns';
import { runAll } from '../util/tasks';
import { topicTerms, type StandingKind } from './standing';

const NO_WORDS: ReadonlySet<string> = new Set();

/** −1 when `p` is the larger (goes first), 1 when `q` is, else 0. */
const later = (p: number, q: number): number => (p > q ? -1 : p < q ? 1 : 0);

/** Adds `by` to the count of `key` (none: nothing), dropping it at 0. */
function count(counts: Map<string, number>, key: string | undefined, by: number): void {
  if (key === undefined) return;
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

/** {@link Corpus.tieOrder} of two memories and their stage data (undefined: not indexed). */
function tieOf(a: string, x: DocInfo | undefined, b: string, y: DocInfo | undefined): number {
  if (x && y) {
    const c =
      later(x.time ?? -Infinity, y.time ?? -Infinity) ||
      later(x.order, y.order) ||
      later(x.seq, y.seq);
    if (c !== 0) return c;
  } else if (x || y) return x ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The term counts of one of a row's documents (its terms, or a passage's) with its date words. */
function withDates(row: LexicalRow, terms: [string, number][]): Map<string, number> {
  const counts = new Map(terms);
  for (const [t, c] of row.dates) counts.set(t, (counts.get(t) ?? 0) + c);
  return counts;
}

/** Separates a memory id from its passage number in the lexical index's keys. */
const PASSAGE_SEP = '\u0001';

/** The memory a lexical index key belongs to (a passage key or a memory id). */
export function memoryOfKey(key: string): string {
  const at = key.lastIndexOf(PASSAGE_SEP);
  return at < 0 ? key : key.slice(0, at);
}

/**
 * The index side of a {@link Retriever}: `upsert`/`upsertRow`/`remove` keep BM25 postings,
 * episode texts and positions up to date, incrementally.
 */
export class Corpus {
  protected readonly lexical: LexicalIndex;
  protected readonly episodeIndex: LexicalIndex;
  protected readonly dirtyEpisodes = new Set<string>();
  protected readonly rows = new RowTable();
  protected readonly info = new InfoTable();
  protected readonly episodes = new Map<string, string[]>();
  /** Per episode, each member's position in it: built when first needed, dropped when it changes. */
  private readonly positions = new Map<string, Map<string, number>>();
  /** Passages of each memory indexed as several (a long text); others are one document. */
  protected readonly passageCount = new Map<string, number>();
  /** The standing instructions and preferences indexed, by id. */
  protected readonly standing = new Map<string, StandingKind>();
  /** Whether a memory's text is a bare question, as the questions stage last read it (for `maxTerms`). */
  protected readonly bareQuestions = new Map<
    string,
    readonly [text: string, maxTerms: number, bare: boolean]
  >();
  /** BM25 over the standing memories alone: their words and topic markers. */
  protected readonly standingIndex = new LexicalIndex();
  /** How many indexed memories each speaker (lower case) said: a query naming none skips the boost. */
  private readonly speakers = new Map<string, number>();
  /** How many indexed memories have each chat role: no `'user'` one, no first-person boost. */
  private readonly roles = new Map<string, number>();

  /** @param bm25 - BM25 parameters */
  constructor(bm25: Bm25Params) {
    this.lexical = new LexicalIndex(bm25);
    this.episodeIndex = new LexicalIndex(bm25);
  }

  /**
   * Operation counts (tests and benches; not a public API): postings the lexical stage read,
   * the candidates the last search carried through its stages, and the texts analysed
   * (`upsert`; `upsertRow` analyses nothing).
   * @internal
   */
  get stats(): { postingsTouched: number; candidates: number; analysed: number } {
    return {
      postingsTouched: this.lexical.stats.postingsTouched,
      candidates: this.candidates,
      analysed: this.analysed,
    };
  }

  /** Candidates the last search carried through its first stages. */
  protected candidates = 0;

  /** Texts analysed by `upsert` so far. */
  private analysed = 0;

  /**
   * The order of memories with equal scores in every stage of a search: the later event time
   * first, then the later write (`order`, then `seq`: the engine's creation time and vector
   * slot), then the smaller id; an indexed memory before one that is not. Ids are random
   * (UUIDs), so breaking ties by id alone made the same texts, written in the same order,
   * rank differently from one store to the next.
   */
  readonly tieOrder: TieOrder = (a, b) => tieOf(a, this.info.get(a), b, this.info.get(b));

  /** {@link Corpus.tieOrder} of lexical index keys (a passage key as its memory, then by key). */
  protected readonly keyTieOrder: TieOrder = (a, b) =>
    this.tieOrder(memoryOfKey(a), memoryOfKey(b)) || (a < b ? -1 : a > b ? 1 : 0);

  /** Number of memories indexed. */
  get size(): number {
    return this.info.size;
  }

  /**
   * Indexes a memory, replacing an earlier version of it.
   * @param doc - id, text, event time, episode and order
   */
  upsert(doc: RetrievalDoc): void {
    this.analysed++;
    this.upsertRow(rowOf(doc));
  }

  /**
   * Indexes an analysed memory (a stored {@link LexicalRow}: nothing is re-tokenised).
   * @param row - terms and stage data of one memory
   */
  upsertRow(row: LexicalRow): void {
    this.remove(row.id);
    // A long memory is indexed as its passages (each with the date words), found by its best.
    if (row.passages && row.passages.length > 1) {
      const parts = passageTerms(row);
      parts.forEach((p, i) => this.lexical.addTerms(row.id + PASSAGE_SEP + i, withDates(row, p)));
      this.passageCount.set(row.id, parts.length);
    } else this.lexical.addTerms(row.id, withDates(row, row.terms));
    if (row.info.kind) {
      this.standing.set(row.id, row.info.kind);
      const counts = new Map(row.terms);
      for (const t of topicTerms(counts.keys())) counts.set(t, 1);
      this.standingIndex.addTerms(row.id, counts);
    }
    this.rows.set(row);
    this.setInfo(row.id, row.info);
  }

  /**
   * Indexes rows held in columns (a checkpoint's), as {@link Corpus.upsertRow} of each would,
   * without making a row object or a map of term counts per memory: into an empty corpus, the
   * BM25 index takes the postings the checkpoint stored beside the rows when it holds them all
   * (else builds them from the rows' term columns, `columnDocs`), and the rows stay in the
   * columns until a stage reads one. Into one that holds memories, row by row.
   * @param c - the rows in columns
   * @param rows - which of them to index (row numbers, ids distinct: else none is indexed)
   */
  loadColumns(c: LexicalColumns, rows: readonly number[]): void {
    if (this.info.size > 0 || this.lexical.size > 0) {
      for (const i of rows) this.upsertRow(rowAt(c, i));
      return;
    }
    // The rows' ids, found without a Map over them (see `IdIndex`): the row table, the infos
    // and the key look-ups below share it.
    const index = IdIndex.of(c.ids, rows);
    // Two rows of one memory: nothing is indexed (the caller sees fewer memories than rows and
    // loads again with the first of each, `retrieverFromRows`).
    if (!index) return;
    const every = rows.length === c.n && rows.every((i, k) => i === k);
    let docs: DocRows;
    let postings: ColumnPostings;
    if (c.postings && every) {
      docs = docRows(c, rows);
      postings = c.postings;
    } else {
      const made = runAll(columnDocs(c, rows, c.dict.length));
      docs = made;
      postings = runAll(invertDocs(made, c.dict.length));
    }
    const { row, part } = docs;
    const keys = new Array<string>(docs.n);
    // Each row's first document: a key's number found from its memory's (see `find`; not given
    // when an id holds the separator, which would make a key ambiguous).
    const first = new Int32Array(c.n);
    let plain = true;
    for (let d = 0; d < docs.n; d++) {
      const id = c.ids[row[d]!]!;
      const p = part[d]!;
      keys[d] = p < 0 ? id : id + PASSAGE_SEP + p;
      if (p <= 0) {
        first[row[d]!] = d;
        if (id.includes(PASSAGE_SEP)) plain = false;
      }
      // A long memory's last passage: how many it has.
      if (p >= 0 && (d + 1 === docs.n || row[d + 1] !== row[d])) this.passageCount.set(id, p + 1);
    }
    this.lexical.loadPostings({
      ids: keys,
      dict: c.dict,
      ...postings,
      termsOf: (d) => {
        const r = rowAt(c, row[d]!);
        return withDates(r, part[d]! < 0 ? r.terms : passageTerms(r)[part[d]!]!);
      },
      // (A passage key is its memory's first document plus its passage number; the index
      // checks the key found. No map of the 100k+ passage keys is made at open.)
      ...(plain && {
        find: (key: string) => {
          const at = key.lastIndexOf(PASSAGE_SEP);
          const i = index.get(at < 0 ? key : key.slice(0, at));
          if (i === undefined) return undefined;
          return at < 0 ? first[i]! : first[i]! + Number(key.slice(at + 1));
        },
      }),
    });
    this.rows.setColumns(c, rows, index);
    this.info.load(c.info, index);
    for (const i of rows) {
      const info = c.info[i]!;
      const id = c.ids[i]!;
      if (info.kind) {
        this.standing.set(id, info.kind);
        const counts = new Map(rowAt(c, i).terms);
        for (const t of topicTerms(counts.keys())) counts.set(t, 1);
        this.standingIndex.addTerms(id, counts);
      }
      this.noteInfo(id, info);
    }
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
    for (const key of this.keysOf(id)) this.lexical.remove(key);
    this.passageCount.delete(id);
    this.standing.delete(id);
    this.bareQuestions.delete(id);
    this.standingIndex.remove(id);
    this.info.delete(id);
    this.rows.delete(id);
    count(this.speakers, inf.speaker, -1);
    count(this.roles, inf.role, -1);
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
    this.passageCount.clear();
    this.standing.clear();
    this.bareQuestions.clear();
    this.standingIndex.clear();
    this.episodeIndex.clear();
    this.dirtyEpisodes.clear();
    this.rows.clear();
    this.info.clear();
    this.speakers.clear();
    this.roles.clear();
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

  /** The lexical index keys of a memory: its id, or one key per passage. */
  protected keysOf(id: string): string[] {
    const n = this.passageCount.get(id);
    if (n === undefined) return [id];
    return Array.from({ length: n }, (_, i) => id + PASSAGE_SEP + i);
  }

  /**
   * The best BM25 scores by memory: a memory held as passages scores as its best passage
   * (one result per memory, never one per passage).
   * @param query - analysed terms with weights
   * @param pool - how many index documents (memories or passages) to keep
   * @param allow - optional filter of admissible memory ids
   */
  protected lexicalTop(
    query: ReadonlyMap<string, number>,
    pool: number,
    allow?: (id: string) => boolean,
  ): Map<string, number> {
    if (this.passageCount.size === 0)
      return this.lexical.topScores(query, pool, allow, this.keyTieOrder);
    // Each passage's score straight into the memory's best (no map by passage key made first).
    const out = new Map<string, number>();
    this.lexical.topEach(
      query,
      pool,
      (k, s) => {
        const id = memoryOfKey(k);
        if (s > (out.get(id) ?? -Infinity)) out.set(id, s);
      },
      allow && ((k) => allow(memoryOfKey(k))),
      this.keyTieOrder,
    );
    return out;
  }

  /**
   * How well each standing memory matches a request: BM25 among the standing memories of its
   * words and its topics (a shared topic weighs `topicWeight` words).
   * @param query - the request: its analysed terms with weights, and its text (topics are
   *   read from all its words, question words too: "when is it due?")
   * @param allow - memories the search may return
   * @param topicWeight - weight of a topic marker
   */
  protected standingMatches(
    query: { terms: ReadonlyMap<string, number>; text: string },
    allow: (id: string) => boolean,
    topicWeight: number,
  ): Map<string, number> {
    const q = new Map(query.terms);
    if (topicWeight > 0)
      for (const t of topicTerms([...query.terms.keys(), ...terms(query.text, NO_WORDS)]))
        q.set(t, topicWeight);
    return this.standingIndex.scores(q, allow);
  }

  /** Feedback terms of the given memories (all their passages). */
  protected feedbackTermsOf(
    ids: readonly string[],
    n: number,
    exclude: ReadonlySet<string>,
  ): Map<string, number> {
    return this.lexical.feedbackTerms(
      ids.flatMap((id) => this.keysOf(id)),
      n,
      exclude,
    );
  }

  /**
   * Memories sharing rare terms with a memory (see `LexicalIndex.sharedTerms`), over its
   * passages: per other memory, its strongest link; in {@link Corpus.tieOrder} (the walk's
   * sums must not depend on the ids).
   */
  protected sharedTermsOf(id: string, maxDf: number): { id: string; weight: number }[] {
    // (The links' weights do not depend on the order they are found in: sums over a memory's
    // terms, maxima over its passages; only the order given to the walk is set, here.)
    let acc: Map<string, number>;
    if (this.passageCount.size === 0) acc = this.lexical.sharedTermWeights(id, maxDf);
    else {
      const best = new Map<string, number>();
      // (`forEach`: no [key, weight] array per entry, as a `for … of` over the map may.)
      const keep = (weight: number, to: string): void => {
        const other = memoryOfKey(to);
        if (other !== id && weight > (best.get(other) ?? 0)) best.set(other, weight);
      };
      for (const key of this.keysOf(id)) this.lexical.sharedTermWeights(key, maxDf).forEach(keep);
      acc = best;
    }
    // One object per link, its stage data looked up once for the sort (not twice per
    // comparison), handed on as the link itself.
    const links: { id: string; weight: number; inf: DocInfo | undefined }[] = [];
    acc.forEach((weight, to) => links.push({ id: to, weight, inf: this.info.get(to) }));
    return sortFew(links, (p, q) => tieOf(p.id, p.inf, q.id, q.inf));
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

  /**
   * The text to embed for the dense stage: the query without the names of the speakers it
   * names (see {@link withoutSpeakers}), the query itself when no memory has a speaker.
   * @param query - the query text
   */
  denseQueryText(query: string): string {
    if (this.speakers.size === 0) return query;
    return withoutSpeakers(query, (n) => this.speakers.has(n.toLowerCase()));
  }

  /**
   * Whether an indexed memory was said by one of `names` (any case): without one, the speaker
   * boosts would change no score.
   */
  protected speaksAny(names: readonly string[]): boolean {
    if (this.speakers.size === 0) return false;
    return names.some((n) => this.speakers.has(n.toLowerCase()));
  }

  /** Whether an indexed memory has this chat role. */
  protected hasRole(role: string): boolean {
    return this.roles.has(role);
  }

  private setInfo(id: string, inf: DocInfo): void {
    this.info.set(id, inf);
    this.noteInfo(id, inf);
  }

  /** Counts a memory's speaker and role, and puts it in its episode (its info already held). */
  private noteInfo(id: string, inf: DocInfo): void {
    count(this.speakers, inf.speaker, 1);
    count(this.roles, inf.role, 1);
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
