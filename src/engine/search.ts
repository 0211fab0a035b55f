// Dense search with scopes, filters, time travel and the forgetting curve.
//
// Two rankings: the retrieval pipeline (`hybridSearch`, the default for current memories) and,
// for time travel and `retrieval: false`, `rank()` below: the cosine similarity from the vector
// index and the retention of the forgetting curve (score = (1 − w)·similarity + w·retention,
// w = `retentionWeight`, default 0). `explain` reports either stage by stage.
import type { EngineCore } from './core';
import { compileFilter, type MetadataFilter } from './filters';
import type { MemoryState } from './memory-state';
import {
  checkBoolean,
  checkLimit,
  checkNumber,
  checkOptionNames,
  checkScope,
  checkText,
  checkTime,
  inScope,
} from './validate';
import { SEARCH_OPTIONS } from './option-names';
import { retention } from '../memory/forgetting';
import { toMemory } from '../memory/record-ops';
import type { MemoryRecord } from '../store/records';
import { deepSearch } from '../retrieval/deep-search';
import { MAX_K } from '../search/topk';
import { checkRetrievalOptions, denseQueryText, hybridSearch } from '../retrieval/engine-search';
import { checkRewrites, mergeRoundRobin, type RewriteQuery } from '../retrieval/rewrite';
import { callHook } from '../memory/llm';
import { EngramError } from '../errors';
import { explainDense } from '../retrieval/explain';
import type { RetrievalOptions } from '../retrieval/retriever';
import type { Metadata, Scope, SearchResult } from '../types';
import { trustTable } from '../govern/trust';

/**
 * Weight of a source's trust in the score: × (1 + w·(trust − 1)), so a fully trusted source
 * keeps its score and one trusted 0.3 loses 35 % (the rerank's `features.trust` overrides it).
 */
export const TRUST_WEIGHT = 0.5;

/** Options of `search`. */
export interface SearchOptions extends Scope {
  /** Metadata filter, applied before top-k. */
  filters?: MetadataFilter;
  /** Number of results (default 10). */
  limit?: number;
  /** A precomputed query vector; skips the embedder. */
  vector?: Float32Array;
  /**
   * Time travel on event time: return the versions that held at this instant
   * (`validFrom ≤ asOf < validTo`), superseded and invalidated ones included
   * (marked `superseded: true` unless current). Ms since epoch, Date or ISO string.
   */
  asOf?: number | Date | string;
  /**
   * Time travel on transaction time: what Engram believed at this instant — the versions
   * recorded by then (`recordedAt ≤ recordedAsOf`) that were valid, as far as it knew then, at
   * `asOf` (default: `recordedAsOf` itself). An end of validity written by a later update does
   * not count; an invalidation's `validTo` counts whenever it was recorded. Deleted and erased
   * memories are not searched. Ms since epoch, Date or ISO string.
   */
  recordedAsOf?: number | Date | string;
  /** Also return past versions and invalidated memories, marked `superseded: true` (default false). */
  includeSuperseded?: boolean;
  /** Weight w of retention in the score, 0..1 (default 0: similarity only). */
  retentionWeight?: number;
  /**
   * Reinforce the memories returned (default: the engine's `reinforceOnSearch`, true). The
   * search itself writes nothing and takes no lock: the recalls are buffered and written
   * later as one event per memory (see `EngineOptions.recallFlushMs`).
   */
  reinforce?: boolean;
  /**
   * Retrieval stages over the dense candidates: BM25 lexical fusion, time windows, episode and
   * neighbour context, link expansion, rerank (see `RetrievalOptions`; each stage takes options
   * or `false`). Default: every stage on, as the LoCoMo eval measures. `false`: dense only.
   * Not used with `asOf` / `includeSuperseded` (those rank versions densely).
   */
  retrieval?: RetrievalOptions | false;
  /**
   * Query-side language-model hook (off by default): `rewriteQuery(query)` returns the query to
   * search instead, or several (each searched, the lists merged round-robin). A throw or a
   * malformed value is `LlmFailed`; not with `vector`.
   */
  llm?: { rewriteQuery?: RewriteQuery };
  /**
   * Explain each result's score (default false): `explanation` on every result gives each
   * pipeline stage's contribution (lexical, dense, episode, speaker, time, context, links,
   * updates, retention, rerank, entities, cross-encoder), which add up to `score`, and the
   * mode that says what the score means (see `ScoreExplanation`). Costs a copy of the
   * candidates' scores per stage; nothing when off.
   */
  explain?: boolean;
}

interface Checked {
  query: string;
  scope: Scope;
  limit: number;
  match: (m: Metadata) => boolean;
  filtered: boolean;
  asOf: number | undefined;
  recordedAsOf: number | undefined;
  includeSuperseded: boolean;
  retentionWeight: number;
  reinforce: boolean;
  explain: boolean;
}

function check(core: EngineCore, query: unknown, o: SearchOptions): Checked {
  const q = checkText(query, core.settings.maxTextLength, 'query');
  return {
    query: q,
    scope: checkScope(o),
    limit: checkLimit(o.limit, 10),
    match: compileFilter(o.filters),
    filtered: o.filters !== undefined,
    asOf: o.asOf === undefined ? undefined : checkTime(o.asOf, 'asOf'),
    recordedAsOf:
      o.recordedAsOf === undefined ? undefined : checkTime(o.recordedAsOf, 'recordedAsOf'),
    includeSuperseded: checkBoolean(o.includeSuperseded, 'includeSuperseded', false),
    retentionWeight: checkNumber(o.retentionWeight, 'retentionWeight', 0, 0, 1),
    reinforce: checkBoolean(o.reinforce, 'reinforce', core.settings.reinforceOnSearch),
    explain: checkBoolean(o.explain, 'explain', false),
  };
}

/** Runs a search (see `Engine.search`), rewriting the query first when `llm.rewriteQuery` is given. */
export async function runSearch(
  core: EngineCore,
  query: string,
  options: SearchOptions = {},
): Promise<{ results: SearchResult[] }> {
  checkOptionNames(options, SEARCH_OPTIONS, 'search');
  const o = options ?? {};
  if (o.llm === undefined) return searchOnce(core, query, o);
  const rewrite = o.llm?.rewriteQuery;
  if (typeof o.llm !== 'object' || o.llm === null || typeof rewrite !== 'function')
    throw new EngramError('InvalidArgument', 'llm must be { rewriteQuery: async (query) => … }');
  if (o.vector !== undefined)
    throw new EngramError('InvalidArgument', 'vector and llm.rewriteQuery exclude each other');
  const c = check(core, query, o);
  const queries = checkRewrites(
    await callHook('rewriteQuery', () => rewrite(c.query)),
    core.settings.maxTextLength,
  );
  const { llm: _llm, ...rest } = o;
  const lists: SearchResult[][] = [];
  for (const q of queries)
    lists.push((await searchOnce(core, q, { ...rest, reinforce: false })).results);
  const results = mergeRoundRobin(lists, c.limit);
  if (c.reinforce) core.recall(results.filter((r) => !r.superseded).map((r) => r.id));
  return { results };
}

async function searchOnce(
  core: EngineCore,
  query: string,
  options: SearchOptions,
): Promise<{ results: SearchResult[] }> {
  const c = check(core, query, options ?? {});
  const retrieval = checkRetrievalOptions(options.retrieval);
  const historical = c.asOf !== undefined || c.recordedAsOf !== undefined || c.includeSuperseded;
  let vector: Float32Array;
  if (options.vector !== undefined) {
    vector = core.checkVector(options.vector);
    await core.ready();
  } else if (historical || retrieval === false) {
    vector = (await core.embed([c.query]))[0]!;
    await core.ready();
  } else {
    // The hybrid search embeds the query without the speakers it names (dense.stripSpeakers).
    await core.ready();
    vector = (await core.embed([denseQueryText(core.state, c.query, retrieval)]))[0]!;
  }
  const state = core.state;
  const current = historical ? undefined : state.scopeMask(c.scope, matchOf(c));
  const allow = current ? current.allow : historicalMask(state, c);
  const trust = trustTable(core.settings.trust, core.store.meta.trust);
  if (!historical && retrieval !== false) {
    const now = core.settings.clock();
    const hits = await hybridSearch(state, {
      query: c.query,
      vector,
      limit: c.limit,
      allow,
      allowsAllCurrent: current?.allCurrent === true,
      now,
      options: retrieval,
      retention: (r) => retention(r, now),
      retentionWeight: c.retentionWeight,
      trust: (r) => trust(r.source),
      trustWeight: TRUST_WEIGHT,
      readVectors: (slots) => core.store.readVectors(slots),
      explain: c.explain,
      embed: (texts) => core.embed(texts),
      log: core.settings.log,
    });
    // A loop, not `hits.map`: V8's optimised `map` makes an array of another elements kind than
    // the builtin's, and reading it below threw this function's optimised code away once.
    const results: SearchResult[] = [];
    for (const { rec, score, similarity, explanation } of hits) {
      const r = searchResult(rec, score, similarity, retention(rec, now));
      if (explanation) r.explanation = explanation;
      results.push(r);
    }
    if (c.reinforce) core.recall(results.map((r) => r.id));
    return { results };
  }
  // With retention or trust in the score, rerank more candidates than asked for (within one index pass
  // once the limit itself needs several).
  const k =
    c.retentionWeight > 0 ||
    core.store.meta.trust !== undefined ||
    core.settings.trust.named.length > 1
      ? Math.min(Math.max(c.limit * 4, c.limit + 32), Math.max(MAX_K, c.limit))
      : c.limit;
  const hits = await deepSearch(state.index, vector, k, allow);
  const found: { rec: MemoryRecord; similarity: number }[] = [];
  hits.slots.forEach((slot, i) => {
    const rec = state.recordAt(slot);
    if (rec) found.push({ rec, similarity: hits.scores[i]! });
  });
  const results = rank(
    found,
    state,
    c.retentionWeight,
    core.settings.clock(),
    c.explain,
    trust,
  ).slice(0, c.limit);
  if (c.reinforce) core.recall(results.filter((r) => !r.superseded).map((r) => r.id));
  return { results };
}

/** Combines the ranking features into `score` and orders the hits (best first, stable). */
function rank(
  found: { rec: MemoryRecord; similarity: number }[],
  state: MemoryState,
  w: number,
  now: number,
  explain: boolean,
  trust: (source: string | undefined) => number,
): SearchResult[] {
  let trusted = true;
  const out = found.map(({ rec, similarity }): SearchResult => {
    const r = retention(rec, now);
    const t = trust(rec.source);
    if (t < 1) trusted = false;
    const base = w > 0 ? (1 - w) * similarity + w * r : similarity;
    // As the rerank's trust feature: a fully trusted source keeps its score.
    const factor = t < 1 ? Math.max(0, 1 + TRUST_WEIGHT * (t - 1)) : 1;
    const hit = searchResult(rec, factor < 1 ? base * factor : base, similarity, r);
    const cur = state.records.get(rec.id);
    if (cur !== rec || rec.state !== 'active') hit.superseded = true;
    if (explain) hit.explanation = explainDense(similarity, r, w, factor);
    return hit;
  });
  if (w > 0 || !trusted) out.sort((a, b) => b.score - a.score);
  return out;
}

/**
 * A hit: the memory's public view, then its scores (keys in that order). Built in place: a
 * spread of the view into a new literal cost ≈ 56 µs per hit in Node 20 (V8 11.3), 0.7 ms for
 * ten, more than the index search itself (bench/api-engine-node.ts).
 */
function searchResult(
  rec: MemoryRecord,
  score: number,
  similarity: number,
  retention: number,
): SearchResult {
  const hit = toMemory(rec) as SearchResult;
  hit.score = score;
  hit.similarity = similarity;
  hit.retention = retention;
  return hit;
}

/** A plain search's test of a record beyond its scope: the metadata filter, if one was given. */
function matchOf(c: Checked): ((r: MemoryRecord) => boolean) | undefined {
  return c.filtered ? (r) => c.match(r.metadata) : undefined;
}

/**
 * Mask for `asOf` / `recordedAsOf` / `includeSuperseded`: every eligible version of active or
 * invalidated memories.
 */
function historicalMask(state: MemoryState, c: Checked): Uint8Array {
  const allow = new Uint8Array(state.index.size);
  const known = c.recordedAsOf;
  const at = c.asOf ?? known;
  for (const cur of state.records.values()) {
    if (cur.state !== 'active' && cur.state !== 'invalidated') continue;
    for (const v of state.versionsOf(cur.id)) {
      if (known !== undefined && v.recordedAt > known) continue;
      // Seen from `recordedAsOf`, the end that a later superseding update wrote was not known.
      const validTo =
        known !== undefined && v.supersededAt !== undefined && v.supersededAt > known
          ? Infinity
          : v.validTo;
      if (at !== undefined && !(v.validFrom <= at && at < (validTo ?? Infinity))) continue;
      if (inScope(v, c.scope) && c.match(v.metadata)) allow[v.slot] = 1;
    }
  }
  return allow;
}
