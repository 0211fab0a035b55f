// The retrieval pipeline: lexical + dense fusion, time, context, links, rerank.
import { windowFit } from './time';
import { rowOf, type DocInfo, type LexicalRow, type RetrievalDoc } from './lexical-row';

export type { RetrievalDoc } from './lexical-row';
export { DEFAULT_BM25, DEFAULT_RETRIEVAL } from './options';
export type {
  DenseStageOptions,
  EpisodeStageOptions,
  LexicalStageOptions,
  LinkStageOptions,
  RerankStageOptions,
  RetrievalOptions,
  RetrieveInput,
  TimeStageOptions,
} from './options';
import { expandContext } from './context';
import { normalise, ranked, weightedFusion, type Scores } from './fusion';
import { LexicalIndex, type Bm25Params } from './lexical-index';
import { DEFAULT_BM25, mergeOptions, type RetrievalOptions, type RetrieveInput } from './options';
import { personalizedPageRank, type Link } from './ppr';
import { processQuery, type ProcessedQuery } from './query';
import { entityRoundRobin } from './entities';
import { terms } from './analyzer';
import { applyFeatures, dot, mmr } from './rerank';
import { fusable, rerankJob, rerankResult, type RerankJob } from './fused-step';
import { rerankFused, type FusedRerankResult } from '../search/rerank-fused';

/** A search between its first stages and its rerank (see {@link Retriever.plan}). */
export interface SearchPlan {
  q: ProcessedQuery;
  o: Required<RetrievalOptions>;
  /** Results wanted. */
  limit: number;
  /** Results ranked before the entity stage redistributes them. */
  inner: number;
  /** Scores after stages 1–4. */
  scores: Scores;
  input: RetrieveInput;
  /** The fused rerank to run, if the rerank stage is on and the kernel applies. */
  job?: RerankJob;
}

/** Serialisable state of a {@link Retriever}. */
export interface RetrieverSnapshot {
  version: 2;
  /** One row per memory, sorted by id. */
  rows: LexicalRow[];
}

/**
 * Hybrid retrieval over a set of memories: keeps a BM25 index and per-memory time and
 * episode data up to date with `upsert`/`remove`, and ranks with {@link Retriever.search}.
 *
 * @example
 * const r = new Retriever();
 * r.upsert({ id: 'm1', text: 'Caroline: I went to a support group yesterday', time, episode: 's1', order: 1 });
 * r.search('When did Caroline go to the support group?', 10, { dense });
 */
export class Retriever {
  private readonly lexical: LexicalIndex;
  private readonly episodeIndex: LexicalIndex;
  private readonly dirtyEpisodes = new Set<string>();
  private readonly rows = new Map<string, LexicalRow>();
  private readonly info = new Map<string, DocInfo>();
  private readonly episodes = new Map<string, string[]>();
  private positions: Map<string, number> | undefined;

  /**
   * @param options - default stage options of every search
   * @param bm25 - BM25 parameters (default k1 1.2, b 0.4: chat turns vary in length without
   *   being more or less on topic)
   */
  constructor(
    readonly options: RetrievalOptions = {},
    bm25: Bm25Params = DEFAULT_BM25,
  ) {
    this.lexical = new LexicalIndex(bm25);
    this.episodeIndex = new LexicalIndex(bm25);
  }

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
      this.positions = undefined;
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
    this.positions = undefined;
  }

  /** State as JSON-able data (to persist it). */
  snapshot(): RetrieverSnapshot {
    return {
      version: 2,
      rows: [...this.rows.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    };
  }

  /**
   * Restores a retriever from {@link Retriever.snapshot} data.
   * @param snap - the snapshot
   * @param options - default stage options
   * @param bm25 - BM25 parameters
   */
  static fromSnapshot(
    snap: RetrieverSnapshot,
    options: RetrievalOptions = {},
    bm25: Bm25Params = DEFAULT_BM25,
  ): Retriever {
    const r = new Retriever(options, bm25);
    for (const row of snap.rows) r.upsertRow(row);
    return r;
  }

  /**
   * Ranks memories for a query through the enabled stages (the rerank on the CPU twin of the
   * fused kernel).
   * @param query - the query text
   * @param limit - how many results
   * @param input - filter, dense scores, vectors, links, features, reference time
   * @param options - stage options for this search (merged over the constructor's)
   * @returns ids with scores, best first
   */
  search(
    query: string,
    limit: number,
    input: RetrieveInput = {},
    options: RetrievalOptions = {},
  ): { id: string; score: number }[] {
    const plan = this.plan(query, limit, input, options);
    return this.complete(plan, plan.job && rerankFused(plan.job.input));
  }

  /**
   * Stages 1–4 of a search and the rerank job left to run (on the CPU twin or the GPU); finish
   * with {@link Retriever.complete}.
   * @param query - the query text
   * @param limit - how many results
   * @param input - filter, dense scores, vectors, links, features, reference time
   * @param options - stage options for this search
   */
  plan(
    query: string,
    limit: number,
    input: RetrieveInput = {},
    options: RetrievalOptions = {},
  ): SearchPlan {
    const o = mergeOptions(this.options, options);
    const q = processQuery(query, input.now ?? Date.now(), o.lexical || {});
    const inner =
      o.entities && q.names.length >= 2
        ? Math.max(o.entities.pool ?? Math.max(30, 3 * limit), limit)
        : limit;
    const scores = this.firstStages(q, input, o);
    const plan: SearchPlan = { q, o, limit, inner, scores, input };
    if (o.rerank && fusable(o.rerank, inner))
      plan.job = rerankJob(scores, inner, o.rerank, input.vector, input.features);
    return plan;
  }

  /**
   * Finishes a search: the rerank's picks (or the CPU rerank where the kernel does not apply),
   * then the entity stage.
   * @param plan - from {@link Retriever.plan}
   * @param result - the fused rerank's result for `plan.job`
   * @returns ids with scores, best first
   */
  complete(plan: SearchPlan, result?: FusedRerankResult): { id: string; score: number }[] {
    const { q, o, inner, input } = plan;
    let out: { id: string; score: number }[];
    if (plan.job && result) out = rerankResult(plan.job, result);
    else {
      let scores = plan.scores;
      if (o.rerank && input.features)
        scores = applyFeatures(scores, input.features, o.rerank.features);
      const penalty = o.rerank ? (o.rerank.episodePenalty ?? 0) : 0;
      const vec = input.vector;
      if (o.rerank && vec && (o.rerank.lambda ?? 1) < 1) {
        const sim = (a: string, b: string) => {
          const va = vec(a);
          const vb = vec(b);
          return va && vb ? dot(va, vb) : undefined;
        };
        out = mmr(scores, inner, sim, o.rerank).map(([id, score]) => ({ id, score }));
      } else if (penalty > 0) out = this.diversify(scores, inner, penalty);
      else out = ranked(scores, inner).map(([id, score]) => ({ id, score }));
    }
    if (!o.entities || q.names.length < 2) return out.slice(0, plan.limit);
    const entities = [...new Set(q.names.map((n) => n.toLowerCase()))];
    const stems = new Map(entities.map((e) => [e, terms(e)[0] ?? e]));
    const about = (id: string, e: string): boolean =>
      this.info.get(id)?.speaker === e ||
      (this.rows.get(id)?.terms.some(([t]) => t === stems.get(e)) ?? false);
    return entityRoundRobin(out, entities, about, plan.limit, o.entities);
  }

  /** Stages 1–4: fusion, episodes, speaker, time, context, links. */
  private firstStages(
    q: ProcessedQuery,
    input: RetrieveInput,
    o: Required<RetrievalOptions>,
  ): Scores {
    const allow = input.allow ?? (() => true);

    // 1. First stage: BM25 (with optional feedback terms) and dense, score-normalised and weighted.
    let lex: Scores | undefined;
    if (o.lexical) {
      lex = this.lexical.scores(q.terms, allow);
      const nfb = o.lexical.feedbackTerms ?? 0;
      if (nfb > 0 && lex.size) {
        const top = ranked(lex, o.lexical.feedbackDocs ?? 5).map(([id]) => id);
        const fbw = o.lexical.feedbackWeight ?? 0.3;
        const terms = new Map(q.terms);
        for (const [t, v] of this.lexical.feedbackTerms(top, nfb, new Set(q.terms.keys())))
          terms.set(t, fbw * v);
        lex = this.lexical.scores(terms, allow);
      }
    }
    let scores: Scores = weightedFusion([
      ...(lex ? [{ scores: lex, weight: o.lexical ? (o.lexical.weight ?? 1) : 1 }] : []),
      ...(o.dense && input.dense
        ? [
            {
              scores: filterScores(input.dense, allow),
              weight: o.dense.weight ?? 0.5,
              normalise: 'minmax' as const,
            },
          ]
        : []),
    ]);

    // Episodes that match the query as a whole lift their memories.
    if (o.episode && this.episodes.size > 0) {
      const w = o.episode.weight ?? 1.5;
      const add = o.episode.additive ?? 0;
      this.refreshEpisodes();
      const ep = normalise(this.episodeIndex.scores(q.terms), 'max');
      if (add > 0) {
        for (const [e, v] of ep)
          for (const id of this.episodes.get(e) ?? [])
            if (allow(id)) scores.set(id, (scores.get(id) ?? 0) + add * v);
      }
      if (w > 0)
        for (const [id, s] of scores) {
          const e = this.info.get(id)?.episode;
          const v = e === undefined ? 0 : (ep.get(e) ?? 0);
          scores.set(id, s * (1 + w * v));
        }
    }

    // Speaker named in the query.
    const speakerBoost = o.lexical ? (o.lexical.speaker ?? 0.5) : 0;
    if (speakerBoost > 0 && q.names.length) {
      const named = new Set(q.names.map((n) => n.toLowerCase()));
      for (const [id, s] of scores) {
        const sp = this.info.get(id)?.speaker;
        if (sp !== undefined && named.has(sp)) scores.set(id, s * (1 + speakerBoost));
      }
    }

    // 2. Time: windows named in the query, and "when" questions.
    if (o.time) {
      const win = o.time.window ?? 1;
      const mention = o.time.mention ?? 0.25;
      const half = (o.time.halfLifeDays ?? 7) * 86_400_000;
      const useWin = q.windows.length > 0 && win > 0;
      const useMention = q.timeIntent && mention > 0;
      if (useWin || useMention) {
        const next: Scores = new Map();
        for (const [id, s] of scores) {
          const inf = this.info.get(id);
          let m = 1;
          if (useWin && inf?.time !== undefined) m += win * windowFit(inf.time, q.windows, half);
          if (useMention && inf?.mentionsTime) m += mention;
          next.set(id, s * m);
        }
        scores = next;
      }
    }

    // 3. Context: neighbours in the same episode.
    if (o.context) {
      scores = expandContext(
        scores,
        (id, radius) => this.neighbours(id, radius).filter((n) => allow(n.id)),
        o.context,
      );
    }

    // 4. Links: personalized PageRank from the best hits.
    const stored = o.links && o.links.stored !== false ? input.links : undefined;
    if (o.links && (stored || o.links.shared)) {
      const seeds = new Map(ranked(scores, o.links.seeds ?? 10));
      const maxDf = o.links.shared ?? 0;
      const linksOf = (id: string): Link[] => [
        ...(stored?.(id) ?? []),
        ...(maxDf > 0 ? this.lexical.sharedTerms(id, maxDf) : []),
      ];
      const pr = personalizedPageRank(
        seeds,
        (id) => linksOf(id).filter((l) => allow(l.id)),
        o.links,
      );
      for (const id of seeds.keys()) pr.delete(id);
      const w = o.links.weight ?? 0.1;
      const top = ranked(scores, 1)[0]?.[1] ?? 0;
      for (const [id, p] of normalise(pr, 'max'))
        if (allow(id)) scores.set(id, (scores.get(id) ?? 0) + w * top * p);
    }

    return scores;
  }

  /** Greedy picks, each further one from an already picked episode scaled by (1 − penalty)ⁿ. */
  private diversify(
    scores: Scores,
    limit: number,
    penalty: number,
  ): { id: string; score: number }[] {
    const pool = ranked(scores, limit * 5);
    const seen = new Map<string, number>();
    const out: { id: string; score: number }[] = [];
    const left = new Set(pool.map((_, i) => i));
    while (out.length < limit && left.size) {
      let best = -1;
      let bestVal = -Infinity;
      for (const i of left) {
        const [id, s] = pool[i]!;
        const ep = this.info.get(id)?.episode;
        const v = s * Math.pow(1 - penalty, ep === undefined ? 0 : (seen.get(ep) ?? 0));
        if (v > bestVal) {
          bestVal = v;
          best = i;
        }
      }
      left.delete(best);
      const [id, s] = pool[best]!;
      const ep = this.info.get(id)?.episode;
      if (ep !== undefined) seen.set(ep, (seen.get(ep) ?? 0) + 1);
      out.push({ id, score: s });
    }
    return out;
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
    if (!this.positions) {
      this.positions = new Map();
      for (const list of this.episodes.values()) list.forEach((x, i) => this.positions!.set(x, i));
    }
    const at = this.positions.get(id)!;
    const out: { id: string; distance: number }[] = [];
    for (let d = 1; d <= radius; d++) {
      const before = ids[at - d];
      const after = ids[at + d];
      if (before !== undefined) out.push({ id: before, distance: -d });
      if (after !== undefined) out.push({ id: after, distance: d });
    }
    return out;
  }

  private refreshEpisodes(): void {
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
    this.positions = undefined;
  }

  private before(id: string, a: DocInfo, other: string): boolean {
    const b = this.info.get(other)!;
    if (a.order !== b.order) return a.order < b.order;
    if (a.seq !== b.seq) return a.seq < b.seq;
    return id < other;
  }
}

function filterScores(s: Scores, allow: (id: string) => boolean): Scores {
  const out: Scores = new Map();
  for (const [id, v] of s) if (allow(id)) out.set(id, v);
  return out;
}
