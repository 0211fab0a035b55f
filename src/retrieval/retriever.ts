// The retrieval pipeline: lexical + dense fusion, time, context, links, rerank.
import { windowFit } from './time';
import type { LexicalRow } from './lexical-row';

export type { RetrievalDoc } from './lexical-row';
export { DEFAULT_BM25, DEFAULT_LEXICAL_POOL, DEFAULT_RETRIEVAL } from './options';
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
export type { StandingStageOptions } from './standing';
import { expandContext } from './context';
import { bestScore, ranked, scaler, weightedFusion, type Scores } from './fusion';
import type { Bm25Params } from './lexical-index';
import { Corpus } from './corpus';
import {
  DEFAULT_BM25,
  DEFAULT_LEXICAL_POOL,
  mergeOptions,
  type RetrievalOptions,
  type RetrieveInput,
} from './options';
import { personalizedPageRank, type Link } from './ppr';
import { processQuery, type ProcessedQuery } from './query';
import { entityRoundRobin } from './entities';
import { terms } from './analyzer';
import { applyFeatures, diversify, dot, mmr } from './rerank';
import { boostSpeakers } from './speaker';
import { preferNewer, type UpdateDoc } from './updates';
import { passageTerms } from './lexical-row';
import { surfaceStanding } from './standing';
import { bareQuestion } from './questions';
import { episodeWeight, topicTerms } from './broad-query';
import { fusable, rerankJob, rerankResult, type RerankJob } from './fused-step';
import { rerankFused, type FusedRerankResult } from '../search/rerank-fused';
import type { ScoreTrace } from './explain';

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
  /** Scores after each stage, when the search is explained. */
  trace?: ScoreTrace;
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
export class Retriever extends Corpus {
  /**
   * @param options - default stage options of every search
   * @param bm25 - BM25 parameters (default k1 1.2, b 0.4: chat turns vary in length without
   *   being more or less on topic)
   */
  constructor(
    readonly options: RetrievalOptions = {},
    bm25: Bm25Params = DEFAULT_BM25,
  ) {
    super(bm25);
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
   * @param trace - records the scores after each stage (for `explain`; none: no copies made)
   */
  plan(
    query: string,
    limit: number,
    input: RetrieveInput = {},
    options: RetrievalOptions = {},
    trace?: ScoreTrace,
  ): SearchPlan {
    const o = mergeOptions(this.options, options);
    const q = processQuery(query, input.now ?? Date.now(), o.lexical || {});
    const inner =
      o.entities && q.names.length >= 2
        ? Math.max(o.entities.pool ?? Math.max(30, 3 * limit), limit)
        : limit;
    const scores = this.firstStages(q, input, o, trace);
    this.candidates = scores.size;
    const plan: SearchPlan = { q, o, limit, inner, scores, input, ...(trace ? { trace } : {}) };
    if (o.rerank && fusable(o.rerank, inner))
      plan.job = rerankJob(scores, inner, o.rerank, input.vector, input.features, this.tieOrder);
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
        out = mmr(scores, inner, sim, o.rerank, this.tieOrder).map(([id, score]) => ({
          id,
          score,
        }));
      } else if (penalty > 0)
        out = diversify(scores, inner, penalty, (id) => this.info.get(id)?.episode, this.tieOrder);
      else out = ranked(scores, inner, this.tieOrder).map(([id, score]) => ({ id, score }));
    }
    if (!o.entities || q.names.length < 2) return out.slice(0, plan.limit);
    const entities = [...new Set(q.names.map((n) => n.toLowerCase()))];
    const stems = new Map(entities.map((e) => [e, terms(e)[0] ?? e]));
    const about = (id: string, e: string): boolean =>
      this.info.get(id)?.speaker === e ||
      (this.rows.get(id)?.terms.some(([t]) => t === stems.get(e)) ?? false);
    return entityRoundRobin(out, entities, about, plan.limit, o.entities);
  }

  /** Stages 1–4: fusion, episodes, speaker, time, context, links, late speaker boost. */
  private firstStages(
    q: ProcessedQuery,
    input: RetrieveInput,
    o: Required<RetrievalOptions>,
    trace?: ScoreTrace,
  ): Scores {
    const allow = input.allow ?? (() => true);
    // Explain: the scores after a stage that ran (copied: later stages mutate the map).
    const step = trace
      ? (stage: Parameters<ScoreTrace['record']>[0], on: unknown, s: Scores = scores) =>
          trace.record(stage, on ? new Map(s) : undefined)
      : undefined;

    // 1. First stage: BM25 (with optional feedback terms) and dense, score-normalised and weighted.
    let lex: Scores | undefined;
    if (o.lexical) {
      const pool = o.lexical.pool ?? DEFAULT_LEXICAL_POOL;
      const lexAllow = input.allowsAllIndexed ? undefined : allow;
      lex = this.lexicalTop(q.terms, pool, lexAllow);
      const nfb = o.lexical.feedbackTerms ?? 0;
      if (nfb > 0 && lex.size) {
        const top = ranked(lex, o.lexical.feedbackDocs ?? 5, this.tieOrder).map(([id]) => id);
        const fbw = o.lexical.feedbackWeight ?? 0.3;
        const terms = new Map(q.terms);
        for (const [t, v] of this.feedbackTermsOf(top, nfb, new Set(q.terms.keys())))
          terms.set(t, fbw * v);
        lex = this.lexicalTop(terms, pool, lexAllow);
      }
    }
    const lexInput = lex ? [{ scores: lex, weight: o.lexical ? (o.lexical.weight ?? 1) : 1 }] : [];
    // `lex` is this search's own map (`lexicalTop` makes it) and nothing reads it after the
    // fusion but explain's lexical step: without a trace the fusion writes into it.
    let scores: Scores = weightedFusion(
      [
        ...lexInput,
        ...(o.dense && input.dense
          ? [
              {
                scores: filterScores(input.dense, allow),
                weight: o.dense.weight ?? 0.7,
                normalise: 'minmax' as const,
              },
            ]
          : []),
      ],
      lex !== undefined && !trace,
    );
    step?.('lexical', lex, lex && weightedFusion(lexInput));
    step?.('dense', o.dense && input.dense);

    // Episodes that match the query as a whole lift their memories.
    if (o.episode && this.episodes.size > 0) {
      // A broad query (few topic terms) asks for memories spread over episodes: less weight.
      const w = episodeWeight(o.episode, () => topicTerms(q, (n) => this.speaksAny([n])));
      const add = o.episode.additive ?? 0;
      this.refreshEpisodes();
      const pool = (o.lexical && o.lexical.pool) || DEFAULT_LEXICAL_POOL;
      // Scaled as `normalise(…, 'max')` would, when looked up (no normalised copy made).
      const ep = this.episodeIndex.topScores(q.terms, pool);
      const scale = scaler(ep, 'max');
      if (add > 0) {
        for (const [e, v] of ep)
          for (const id of this.episodes.get(e) ?? [])
            if (allow(id)) scores.set(id, (scores.get(id) ?? 0) + add * scale(v));
      }
      if (w > 0)
        scores.forEach((s, id) => {
          const e = this.info.get(id)?.episode;
          const raw = e === undefined ? undefined : ep.get(e);
          const v = raw === undefined ? 0 : scale(raw);
          scores.set(id, s * (1 + w * v));
        });
    }
    step?.('episode', o.episode && this.episodes.size > 0);

    // Speaker named in the query (early: before context and links; late: on the final score).
    // Nothing to boost when the query names nobody or no memory was said by whom it names.
    // The stages below change `scores` in place: it is this search's own map (explain copies).
    const speakerOf = (id: string): string | undefined => this.info.get(id)?.speaker;
    const boostNames = o.lexical !== false && q.names.length > 0 && this.speaksAny(q.names);
    if (o.lexical && boostNames)
      boostSpeakers(scores, q.names, speakerOf, o.lexical.speaker ?? 0.25, scores);
    // A question in the first person ("what did I decide …") asks about the user's own words.
    const firstPerson = o.lexical ? (o.lexical.firstPerson ?? 0.5) : 0;
    // (In place: `scores` is this search's own map by now; ≈ 0.1 µs per candidate. Nothing to
    // lift when no memory indexed has the user's role.)
    const asksOwn = this.hasRole('user') && FIRST_PERSON.test(q.text);
    if (firstPerson > 0 && asksOwn)
      scores.forEach((s, id) => {
        if (this.info.get(id)?.role === 'user') scores.set(id, s * (1 + firstPerson));
      });
    step?.('speaker', o.lexical);

    // 2. Time: windows named in the query, and "when" questions.
    if (o.time) {
      const win = o.time.window ?? 1;
      const mention = o.time.mention ?? 0.25;
      const half = (o.time.halfLifeDays ?? 7) * 86_400_000;
      const useWin = q.windows.length > 0 && win > 0;
      const useMention = q.timeIntent && mention > 0;
      if (useWin || useMention) {
        scores.forEach((s, id) => {
          const inf = this.info.get(id);
          let m = 1;
          if (useWin && inf?.time !== undefined) m += win * windowFit(inf.time, q.windows, half);
          if (useMention && inf?.mentionsTime) m += mention;
          scores.set(id, s * m);
        });
      }
    }
    step?.('time', o.time);

    // 3. Context: neighbours in the same episode (none without episodes).
    if (o.context && this.episodes.size > 0) {
      expandContext(
        scores,
        (id, radius) => allowed(this.neighbours(id, radius), allow),
        o.context,
        this.tieOrder,
        scores,
      );
    }
    step?.('context', o.context);

    // 4. Links: personalized PageRank from the best hits.
    const stored = o.links && o.links.stored !== false ? input.links : undefined;
    if (o.links && (stored || o.links.shared)) {
      const seeds = new Map(ranked(scores, o.links.seeds ?? 10, this.tieOrder));
      const maxDf = o.links.shared ?? 0;
      // (The shared-term links alone, the default, are not copied: they are this call's own.)
      const linksOf = (id: string): Link[] => {
        const own = stored?.(id);
        const shared = maxDf > 0 ? this.sharedTermsOf(id, maxDf) : [];
        return own && own.length > 0 ? [...own, ...shared] : shared;
      };
      const pr = personalizedPageRank(seeds, (id) => allowed(linksOf(id), allow), o.links);
      for (const id of seeds.keys()) pr.delete(id);
      const w = o.links.weight ?? 0.1;
      const top = scores.size > 0 ? bestScore(scores) : 0;
      // Scaled as `normalise(pr, 'max')` would, without the copy.
      const scale = scaler(pr, 'max');
      pr.forEach((p, id) => {
        if (allow(id)) scores.set(id, (scores.get(id) ?? 0) + w * top * scale(p));
      });
    }
    step?.('links', o.links && (stored || o.links.shared));

    if (o.lexical && boostNames)
      boostSpeakers(scores, q.names, speakerOf, o.lexical.speakerLate ?? 0.5, scores);
    step?.('speakerLate', o.lexical);

    // Bare questions (they have lent to their answers above) below the turns that answer.
    const text = input.text;
    if (o.questions && text) {
      const max = o.questions.maxTerms ?? 12;
      const keep = 1 - (o.questions.penalty ?? 0.4);
      // Only the best QUESTION_POOL can reach the results (a lowered score stays below them).
      // (By index, not `for (const [id, s] of …)`: that made an iterator per pair and a result
      // object per step, ≈ 16 KB per search while this stage runs unoptimised.)
      const best = ranked(scores, QUESTION_POOL, this.tieOrder);
      for (let i = 0; i < best.length; i++) {
        const id = best[i]![0];
        const s = best[i]![1];
        // A question in the first person asks about the user's own words, their questions too.
        if (asksOwn && this.info.get(id)?.role === 'user') continue;
        const t = text(id);
        if (t === undefined) continue;
        // Read once per text (the stage reads the best candidates of every search).
        let seen = this.bareQuestions.get(id);
        if (seen?.[0] !== t || seen[1] !== max)
          this.bareQuestions.set(id, (seen = [t, max, bareQuestion(t, max, speakerOf(id))]));
        if (seen[2]) scores.set(id, s * keep);
      }
    }
    step?.('questions', o.questions && text);

    // 5. Knowledge updates: a later restatement with a changed value above the earlier one.
    if (o.updates) {
      const doc = (id: string): UpdateDoc | undefined => {
        const row = this.rows.get(id);
        return row && updateDocOf(row);
      };
      preferNewer(scores, new Set(q.terms.keys()), doc, o.updates, this.tieOrder, scores);
    }
    step?.('updates', o.updates);

    // 6. Standing instructions and preferences that govern the request, even sharing no word.
    const standingOn = o.standing && this.standing.size > 0;
    if (o.standing && standingOn) {
      const matches = this.standingMatches(q, allow, o.standing.topicWeight ?? 1);
      scores = surfaceStanding(
        scores,
        matches,
        (id) => this.standing.get(id),
        o.standing,
        this.tieOrder,
      );
    }
    step?.('standing', standingOn);
    return scores;
  }
}

/** The best candidates the bare-question stage reads (a text each). */
const QUESTION_POOL = 100;

/** First-person words of a question: it asks about the user's own words. */
const FIRST_PERSON = /\b(?:i|me|my|mine|myself)\b/iu;

/** Each row's {@link UpdateDoc}, made the first time a search needs it (rows are never mutated). */
const updateDocs = new WeakMap<LexicalRow, UpdateDoc>();

/** The knowledge-update stage's view of an indexed row (its term sets, time, order, role). */
function updateDocOf(row: LexicalRow): UpdateDoc {
  let d = updateDocs.get(row);
  if (d) return d;
  const inf = row.info;
  d = {
    terms: new Set(row.terms.map(([t]) => t)),
    ...(row.passages && row.passages.length > 1
      ? { passages: passageTerms(row).map((p) => new Set(p.map(([t]) => t))) }
      : {}),
    time: inf.time ?? 0,
    seq: inf.seq,
    ...(inf.role ? { role: inf.role } : {}),
  };
  updateDocs.set(row, d);
  return d;
}

/** The items of allowed memories: `items` itself when all are (no copy), else a filtered copy. */
function allowed<T extends { id: string }>(items: T[], allow: (id: string) => boolean): T[] {
  for (let i = 0; i < items.length; i++)
    if (!allow(items[i]!.id)) return items.filter((x) => allow(x.id));
  return items;
}

/**
 * The scores of allowed memories: `s` itself when all are (no copy: the caller only reads it),
 * else a filtered copy.
 */
function filterScores(s: Scores, allow: (id: string) => boolean): Scores {
  for (const id of s.keys())
    if (!allow(id)) {
      const out: Scores = new Map();
      s.forEach((v, k) => {
        if (allow(k)) out.set(k, v);
      });
      return out;
    }
  return s;
}
