// The bridge between the engine's in-memory state and the retrieval pipeline: a Retriever per
// state, kept in step with its records on each search, and the hybrid ranking of one query.
import type { MemoryRecord } from '../store/records';
import type { VectorIndex } from '../search/vector-index';
import type { Link } from './ppr';
import type { MemoryFeatures } from './rerank';
import { docOf, sameDoc, type LexicalRow } from './lexical-row';
import { retrieverFromRows, type LoadedLexical } from './loaded-lexical';
import { DEFAULT_DENSE_PASSAGES, mergeOptions } from './options';
import { DEFAULT_RETRIEVAL, Retriever, type RetrievalOptions, type SearchPlan } from './retriever';
import { EngramError } from '../errors';
import { MAX_K } from '../search/topk';
import { deepSearch } from './deep-search';
import { PassageVectors, type EmbedTexts } from './passage-vectors';
import { PASSAGE_CHARS } from './passages';
import {
  checkCrossEncoderStage,
  crossEncoderStage,
  DEFAULT_CROSS_ENCODER_TOP,
} from './cross-encoder-stage';
import { withVectors } from './fused-step';
import { checkSpeakerOptions } from './speaker';
import { checkUpdateOptions } from './updates';
import { checkStandingOptions } from './standing';
import { checkQuestionOptions } from './questions';
import { checkEpisodeOptions } from './broad-query';
import { GpuReranker } from '../gpu/rerank-kernel';
import { rerankFused, type FusedRerankInput, type FusedRerankResult } from '../search/rerank-fused';
import { ScoreTrace, type ScoreExplanation } from './explain';
import { applyFeatures } from './rerank';
import type { Scores } from './fusion';

const STAGES = new Set(Object.keys(DEFAULT_RETRIEVAL));

/** What `RecordTable` and a plain Map both offer: what a search reads of the records. */
export interface RecordLookup extends Iterable<[string, MemoryRecord]> {
  readonly size: number;
  get(id: string): MemoryRecord | undefined;
  has(id: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<MemoryRecord>;
  /**
   * The row of a memory whose current record is still the one loaded in columns (else -1).
   * @param hint - its row if known (checked, then taken without a look-up by id)
   */
  loadedRowOf?(id: string, hint?: number): number;
  /** A loaded row's state, read in its column. */
  rowState?(row: number): unknown;
  /** A loaded row's text length, read in its column. */
  rowTextLength?(row: number): number;
  /** The record of a memory as it was loaded (made from its columns if need be), if it was. */
  loadedRecord?(id: string): MemoryRecord | undefined;
}

/** What the bridge reads of the engine's state (`MemoryState` satisfies it). */
export interface RetrievalState {
  readonly records: RecordLookup;
  /** The version whose vector lives in a slot. */
  recordAt(slot: number): MemoryRecord | undefined;
  readonly links: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly index: VectorIndex;
  /** The lexical index built from the rows read at open; the first search takes (and clears) it. */
  loadedLexical?: LoadedLexical | undefined;
  /**
   * The ids whose current record changed (or was dropped) since the last call, or undefined
   * when unknown (everything is compared then). Lets a search sync only what changed.
   */
  takeChanged?(): ReadonlySet<string> | undefined;
  /**
   * The lexical row already made for a record's current content (at commit), if one waits:
   * indexed as it is instead of analysing the text again.
   */
  takeRow?(rec: MemoryRecord): LexicalRow | undefined;
}

interface Synced {
  retriever: Retriever;
  /**
   * The record object each id was indexed from (records are replaced, never mutated); with
   * {@link Synced.asLoaded}, not those still indexed from the record loaded for them in columns
   * (not made to be named here: 100k entries at the first search).
   */
  indexed: Map<string, MemoryRecord>;
  /**
   * The ids indexed at the first sync from records still in columns: each of them that the
   * retriever holds and {@link Synced.indexed} does not name is indexed from its record as
   * loaded (`RecordLookup.loadedRecord`). Undefined once there are none (see {@link named}).
   */
  asLoaded?: readonly string[];
  /** Passage vectors of the long ones among them (the dense stage's `passages`). */
  passages: PassageVectors;
}

const cache = new WeakMap<RetrievalState, Synced>();

/**
 * Checks a `retrieval` search option: `false` or an object of stage options.
 * @param v - the option as given
 * @throws EngramError `InvalidArgument`
 */
export function checkRetrievalOptions(v: unknown): RetrievalOptions | false {
  if (v === undefined) return {};
  if (v === false) return false;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new EngramError(
      'InvalidArgument',
      'retrieval must be false or an object of stage options',
    );
  for (const [k, s] of Object.entries(v)) {
    if (!STAGES.has(k)) throw new EngramError('InvalidArgument', `unknown retrieval stage: ${k}`);
    if (s !== undefined && s !== false && (typeof s !== 'object' || s === null))
      throw new EngramError('InvalidArgument', `retrieval.${k} must be false or an object`);
    if (k === 'crossEncoder' && s) checkCrossEncoderStage(s);
    if (k === 'lexical' && s) {
      checkSpeakerOptions(s);
      const pool = (s as { pool?: unknown }).pool;
      if (pool !== undefined && !(Number.isInteger(pool) && (pool as number) >= 1))
        throw new EngramError('InvalidArgument', 'retrieval.lexical.pool must be an integer ≥ 1');
    }
    if (k === 'dense' && s) {
      const p = (s as { passages?: unknown }).passages;
      if (p !== undefined && typeof p !== 'boolean')
        throw new EngramError('InvalidArgument', 'retrieval.dense.passages must be a boolean');
      const strip = (s as { stripSpeakers?: unknown }).stripSpeakers;
      if (strip !== undefined && typeof strip !== 'boolean')
        throw new EngramError('InvalidArgument', 'retrieval.dense.stripSpeakers must be a boolean');
    }
    if (k === 'updates' && s) checkUpdateOptions(s);
    if (k === 'standing' && s) checkStandingOptions(s);
    if (k === 'questions' && s) checkQuestionOptions(s);
    if (k === 'episode' && s) checkEpisodeOptions(s);
  }
  return v as RetrievalOptions;
}

/**
 * The Retriever of a state, brought up to date with its current active records: new and
 * changed ones are (re)indexed, deleted, archived and erased ones dropped. The first call
 * takes the lexical rows the store loaded (kept in step with every write, in the same
 * transaction) and analyses only memories that have no current row.
 * @param state - the engine's in-memory state
 */
export function syncedRetriever(state: RetrievalState): Retriever {
  return synced(state).retriever;
}

/**
 * The text a hybrid search embeds for its query: without the names of the speakers it names
 * when the dense stage's `stripSpeakers` is on (the default), else the query itself.
 * @param state - the engine's in-memory state
 * @param query - the query text
 * @param options - the search's checked `retrieval` option
 */
export function denseQueryText(
  state: RetrievalState,
  query: string,
  options: RetrievalOptions | false,
): string {
  if (options === false) return query;
  const retriever = syncedRetriever(state);
  const { dense } = mergeOptions(retriever.options, options);
  if (!dense || dense.stripSpeakers === false) return query;
  return retriever.denseQueryText(query);
}

/** The state's retriever and passage vectors, brought up to date (see {@link syncedRetriever}). */
function synced(state: RetrievalState): Synced {
  let s = cache.get(state);
  if (!s) s = fromLoaded(state);
  else {
    const changed = state.takeChanged?.();
    if (changed) {
      for (const id of changed) sync(state, s, id, state.records.get(id));
      return s;
    }
    named(state, s);
    const { retriever, indexed, passages } = s;
    for (const [id, rec] of indexed) {
      const cur = state.records.get(id);
      if (cur === rec) continue;
      if (sameDoc(rec, cur))
        indexed.set(id, cur!); // e.g. a recall: nothing indexed changed
      else {
        retriever.remove(id);
        indexed.delete(id);
        passages.drop(id);
      }
    }
  }
  const { retriever, indexed, passages } = s;
  // (Every memory indexed has an entry in the retriever, and only those.)
  if ((s.asLoaded ? retriever.size : indexed.size) !== state.records.size) {
    // (By id first: a record loaded in columns is made only when it is not indexed. The
    // retriever asked first: it finds a loaded memory without hashing its id, which a Map's
    // `has` does, ≈ 1 µs for each of 100k ids just decoded.)
    for (const id of state.records.keys()) {
      if ((s.asLoaded && retriever.has(id)) || indexed.has(id)) continue;
      const rec = state.records.get(id)!;
      if (index(state, retriever, rec)) {
        indexed.set(id, rec);
        passages.mark(rec);
      }
    }
  }
  return s;
}

/**
 * The first sync of a state: the index built at open from stored rows (no re-tokenising), rows
 * of memories that are gone or not active dropped (those that changed since were dropped as
 * they changed). What it keeps is indexed from the current records, so only the records it
 * has no row for are left to index.
 */
function fromLoaded(state: RetrievalState): Synced {
  const { records } = state;
  const loaded = state.loadedLexical ?? retrieverFromRows([]);
  const s: Synced = {
    retriever: loaded.retriever,
    indexed: new Map(),
    passages: new PassageVectors(),
  };
  cache.set(state, s);
  const forgotten = loaded.forgotten.size > 0 ? loaded.forgotten : undefined;
  const { ids, memoryRows } = loaded;
  let asLoaded = false;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const row = records.loadedRowOf?.(id, memoryRows?.[i]) ?? -1;
    if (row >= 0) {
      // Still as loaded in columns: its state and text length read there, no record made. (A
      // memory whose row the retriever forgot is not in it: the sync indexes it, as below.)
      if (records.rowState!(row) === 'active') {
        asLoaded = true;
        if (records.rowTextLength!(row) > PASSAGE_CHARS)
          s.passages.markLoaded(id, () => records.get(id)!);
      } else s.retriever.remove(id);
      continue;
    }
    // It changed since: indexed anew below. (Asked only here, of the few memories not as
    // loaded: a Set's `has` hashes its key, ≈ 1 µs for each of 100k ids just decoded.)
    if (forgotten?.has(id)) continue;
    const rec = records.get(id);
    if (rec && rec.state === 'active') {
      s.indexed.set(id, rec);
      s.passages.mark(rec);
    } else s.retriever.remove(id);
  }
  if (asLoaded) s.asLoaded = ids;
  state.loadedLexical = undefined;
  state.takeChanged?.(); // the sync covers them
  return s;
}

/**
 * Indexes a current record: from the row made when it was written if one waits, else by
 * analysing it. False when it is not searchable.
 */
function index(state: RetrievalState, retriever: Retriever, rec: MemoryRecord): boolean {
  const row = state.takeRow?.(rec);
  if (row) {
    retriever.upsertRow(row);
    return true;
  }
  const doc = docOf(rec);
  if (!doc) return false;
  retriever.upsert(doc);
  return true;
}

/** The record a memory was indexed from (undefined: not indexed). */
function indexedRecord(state: RetrievalState, s: Synced, id: string): MemoryRecord | undefined {
  const rec = s.indexed.get(id);
  if (rec || !s.asLoaded || !s.retriever.has(id)) return rec;
  return state.records.loadedRecord?.(id);
}

/**
 * Names in {@link Synced.indexed} every memory still indexed from its record as loaded (each
 * record made): before a pass over every entry, which is rare (after the state was cleared).
 */
function named(state: RetrievalState, s: Synced): void {
  if (!s.asLoaded) return;
  for (const id of s.asLoaded)
    if (!s.indexed.has(id) && s.retriever.has(id)) {
      const rec = state.records.loadedRecord?.(id);
      if (rec) s.indexed.set(id, rec);
    }
  s.asLoaded = undefined;
}

/** Brings one memory's entry in step with its current record (undefined: dropped). */
function sync(state: RetrievalState, s: Synced, id: string, cur: MemoryRecord | undefined): void {
  const was = indexedRecord(state, s, id);
  if (was === cur) return;
  if (was && cur && sameDoc(was, cur)) {
    s.indexed.set(id, cur); // e.g. a recall: nothing indexed changed
    return;
  }
  if (was) {
    s.retriever.remove(id);
    s.indexed.delete(id);
    s.passages.drop(id);
  }
  if (cur && index(state, s.retriever, cur)) {
    s.indexed.set(id, cur);
    s.passages.mark(cur);
  }
}

/** Least time between two attempts to make a GPU reranker after one failed, in ms. */
export const RERANKER_RETRY_MS = 5000;

/** The GPU reranker of one index: being made, made, or failed at `failedAt` (`performance.now()`). */
interface RerankerSlot {
  made: Promise<GpuReranker | undefined>;
  failedAt?: number;
}

const gpuRerankers = new WeakMap<VectorIndex, RerankerSlot>();

/**
 * Runs a fused rerank where the index runs: on the GPU (`GpuReranker`, one per index, on the
 * shared device) when the index is a WebGPU one, else on the CPU twin. A GPU failure (no device,
 * device lost) answers from the twin and is logged; a failed rerank makes a new reranker at the
 * next search, a failed create is tried again {@link RERANKER_RETRY_MS} later (not at every search).
 * @param index - the engine's vector index (its `kind` picks the side)
 * @param input - the kernel input
 * @param log - receives a line when the GPU reranker fails (the engine's `log`)
 */
export async function fusedRerank(
  index: VectorIndex,
  input: FusedRerankInput,
  log?: (message: string) => void,
): Promise<FusedRerankResult> {
  if (index.kind !== 'webgpu') return rerankFused(input);
  let slot = gpuRerankers.get(index);
  if (
    !slot ||
    (slot.failedAt !== undefined && performance.now() - slot.failedAt >= RERANKER_RETRY_MS)
  ) {
    const fresh: RerankerSlot = {
      made: GpuReranker.create().catch((e: unknown) => {
        fresh.failedAt = performance.now();
        log?.(`engram: GPU reranker unavailable, reranking on the CPU (${reason(e)})`);
        return undefined;
      }),
    };
    gpuRerankers.set(index, (slot = fresh));
  }
  const reranker = await slot.made;
  if (reranker) {
    try {
      return await reranker.rerank(input);
    } catch (e) {
      if (gpuRerankers.get(index) === slot) gpuRerankers.delete(index);
      log?.(`engram: GPU rerank failed, answered on the CPU (${reason(e)})`);
    }
  }
  return rerankFused(input);
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Dense candidates a search of `limit` results takes from the vector index: max(100, 4 · limit),
 * but no more than max({@link MAX_K}, limit) (beyond one index pass, only what the limit needs).
 * @param limit - results wanted
 */
export function denseCandidates(limit: number): number {
  return Math.min(Math.max(100, 4 * limit), Math.max(MAX_K, limit));
}

/** One query for {@link hybridSearch}. */
export interface HybridQuery {
  query: string;
  vector: Float32Array;
  limit: number;
  /** Slot mask of what may be returned (the engine's scope/filter mask); undefined: all active. */
  allow: Uint8Array | undefined;
  /**
   * The mask, if any, only hides versions that are not current and active (no scope, no
   * filter): every memory the retriever holds may be returned, so its lexical stage checks
   * none of them (default false).
   */
  allowsAllCurrent?: boolean;
  /** Reference time (the engine's clock). */
  now: number;
  /** Stage options (merged over the defaults). */
  options: RetrievalOptions;
  /** Retention of a memory (forgetting curve), for the rerank features. */
  retention?: (rec: MemoryRecord) => number;
  /** Weight of retention in the rerank unless `options.rerank.features.retention` sets it (default 0). */
  retentionWeight?: number;
  /** Trust of a memory's source (1: fully trusted), for the rerank's `trust` feature. */
  trust?: (rec: MemoryRecord) => number;
  /** Weight of trust in the rerank unless `options.rerank.features.trust` sets it (default 0.2). */
  trustWeight?: number;
  /** Reads stored vectors by slot (for MMR, `rerank.lambda` < 1; without it MMR sees none). */
  readVectors?: (slots: readonly number[]) => Promise<Map<number, Float32Array>>;
  /** Dense candidates taken from the vector index (default {@link denseCandidates}). */
  denseCandidates?: number;
  /** Explain each hit's score, stage by stage (default false: nothing recorded). */
  explain?: boolean;
  /**
   * The engine's embedder, for the dense stage's `passages` (long memories' passage vectors,
   * embedded at the first search that needs them); without it passages are not used.
   */
  embed?: EmbedTexts;
  /** Receives diagnostic lines (the GPU reranker's failures); the engine passes its `log`. */
  log?: (message: string) => void;
}

/** One hit of {@link hybridSearch}. */
export interface HybridHit {
  rec: MemoryRecord;
  /** The fused score. */
  score: number;
  /** Cosine similarity (0 when not a dense candidate). */
  similarity: number;
  /** Stage by stage, when the query asked to explain. */
  explanation?: ScoreExplanation;
}

/**
 * Ranks current memories for a query: dense candidates from the vector index, then the
 * retrieval pipeline (BM25, fusion, time, episode and neighbour context, links, rerank).
 * @param state - the engine's in-memory state
 * @param q - query, vector, limit, mask, time, options
 * @returns records with their fused score and cosine similarity, best first
 */
export async function hybridSearch(state: RetrievalState, q: HybridQuery): Promise<HybridHit[]> {
  const s = synced(state);
  const retriever = s.retriever;
  const allowRec = (rec: MemoryRecord | undefined): rec is MemoryRecord =>
    rec !== undefined && rec.state === 'active' && (q.allow ? q.allow[rec.slot] === 1 : true);
  const allow = (id: string): boolean => {
    const rec = state.records.get(id);
    return allowRec(rec) && state.recordAt(rec.slot) === rec;
  };
  const dense = new Map<string, number>();
  if (q.options.dense !== false) {
    const k = q.denseCandidates ?? denseCandidates(q.limit);
    const hits = await deepSearch(state.index, q.vector, k, q.allow);
    hits.slots.forEach((slot, i) => {
      const rec = state.recordAt(slot);
      if (rec && state.records.get(rec.id) === rec) dense.set(rec.id, hits.scores[i]!);
    });
    // A long memory scores the best of its whole text and its passages (one candidate each).
    if (q.embed && (q.options.dense?.passages ?? DEFAULT_DENSE_PASSAGES)) {
      await s.passages.fill(q.embed, state.index.dim);
      for (const [id, sim] of s.passages.best(q.vector, k, allow, retriever.tieOrder))
        if ((dense.get(id) ?? -Infinity) < sim) dense.set(id, sim);
    }
  }
  // In the retriever's tie order (event time, write order): the walk's sums must not depend on
  // the order links were loaded or made in, nor on the memories' random ids.
  const links = (id: string): Link[] =>
    [...(state.links.get(id) ?? [])]
      .sort((a, b) => retriever.tieOrder(a[0], b[0]))
      .map(([to, weight]) => ({ id: to, weight }));
  // One object answers every call (a call per candidate): its readers (the rerank's feature
  // rows, `applyFeatures`) read it before the next call, and it keeps one shape.
  const feat: MemoryFeatures = { retention: undefined, trust: undefined };
  const features =
    q.retention || q.trust
      ? (id: string): MemoryFeatures | undefined => {
          const rec = state.records.get(id);
          if (!rec) return undefined;
          feat.retention = q.retention ? q.retention(rec) : undefined;
          feat.trust = q.trust ? q.trust(rec) : undefined;
          return feat;
        }
      : undefined;
  const options: RetrievalOptions = { ...q.options };
  if (options.rerank !== false) {
    const r = options.rerank ?? {};
    const weights = {
      retention: q.retentionWeight ?? 0,
      ...(q.trustWeight !== undefined ? { trust: q.trustWeight } : {}),
      ...r.features,
    };
    options.rerank = { ...r, features: weights };
  }
  // The cross-encoder (off by default) rescores the best `top` after the rerank.
  const cross = q.options.crossEncoder || undefined;
  const planned = cross ? Math.max(q.limit, cross.top ?? DEFAULT_CROSS_ENCODER_TOP) : q.limit;
  const trace = q.explain ? new ScoreTrace() : undefined;
  const plan = retriever.plan(
    q.query,
    planned,
    {
      allow,
      // The retriever holds exactly the current, active memories (synced above).
      allowsAllIndexed: q.allow === undefined || q.allowsAllCurrent === true,
      dense,
      now: q.now,
      links,
      text: (id) => state.records.get(id)?.text,
      ...(features ? { features } : {}),
    },
    options,
    trace,
  );
  let job = plan.job;
  if (job && job.input.lambda! < 1 && q.readVectors) {
    const slots = job.ids.map((id) => state.records.get(id)!.slot);
    const got = await q.readVectors(slots);
    job = plan.job = withVectors(
      job,
      slots.map((s) => got.get(s)),
      state.index.dim,
    );
  }
  let ranked = retriever.complete(plan, job && (await fusedRerank(state.index, job.input, q.log)));
  const recs = new Map(ranked.map(({ id }) => [id, state.records.get(id)!]));
  const reranked = trace && new Map(ranked.map(({ id, score }) => [id, score]));
  if (cross)
    ranked = (await crossEncoderStage(q.query, ranked, (id) => recs.get(id)!.text, cross)).slice(
      0,
      q.limit,
    );
  if (trace) traceLateStages(trace, plan, reranked!, ranked, features);
  // A loop, not `ranked.map`: V8's optimised `map` makes an array of another elements kind than
  // the builtin's, and the caller's optimised code reading the hits was thrown away once.
  const hits: HybridHit[] = [];
  for (const { id, score } of ranked)
    hits.push({
      rec: recs.get(id)!,
      score,
      similarity: dense.get(id) ?? 0,
      ...(trace ? { explanation: trace.explain(id) } : {}),
    });
  return hits;
}

/**
 * Records the stages after the retriever's first ones, for the results only: the rerank's
 * feature weighting (retention, as the CPU rerank computes it), the rerank's picks (its score
 * minus that: the fused kernel's float32 rounding, else 0; MMR and the episode penalty only
 * reorder), the entity stage (reorders) and the cross-encoder's blend.
 */
function traceLateStages(
  trace: ScoreTrace,
  plan: SearchPlan,
  reranked: Scores,
  final: readonly { id: string; score: number }[],
  features: ((id: string) => MemoryFeatures | undefined) | undefined,
): void {
  const { rerank, entities, crossEncoder } = plan.o;
  let weighted: Scores | undefined;
  if (rerank && features && rerank.features?.retention !== 0) {
    weighted = new Map();
    for (const [id] of reranked) {
      const s = plan.scores.get(id) ?? 0;
      weighted.set(id, applyFeatures(new Map([[id, s]]), features, rerank.features).get(id)!);
    }
  }
  trace.record('retention', weighted);
  trace.record('rerank', rerank ? reranked : undefined);
  trace.record('entities', entities && plan.q.names.length >= 2 ? reranked : undefined);
  trace.record(
    'crossEncoder',
    crossEncoder ? new Map(final.map(({ id, score }) => [id, score])) : undefined,
  );
}
