// Stage options of a search, their defaults (what the LoCoMo eval measures), and what a search
// may draw on besides the index.
import type { ContextOptions } from './context';
import type { CrossEncoderStageOptions } from './cross-encoder-stage';
import type { EntityStageOptions } from './entities';
import type { Scores } from './fusion';
import type { Bm25Params } from './lexical-index';
import type { Link, PprOptions } from './ppr';
import type { QueryOptions } from './query';
import type { FeatureWeights, MemoryFeatures, MmrOptions } from './rerank';
import type { QuestionStageOptions } from './questions';
import type { StandingStageOptions } from './standing';
import type { UpdateStageOptions } from './updates';

/** Options of the time stage. */
export interface TimeStageOptions {
  /** Boost of a memory inside a time window named in the query: score · (1 + window · fit) (default 1). */
  window?: number;
  /** Boost for "when" questions of a memory that itself mentions a time (default 0.25). */
  mention?: number;
  /** Half-life in days of the fit outside a window (default 7). */
  halfLifeDays?: number;
}

/** Options of the lexical stage. */
export interface LexicalStageOptions extends QueryOptions {
  /** Weight in the fusion (default 1). */
  weight?: number;
  /**
   * Early boost of a memory whose speaker the query names: score · (1 + speaker), before the
   * context and link stages, so the named speaker's memories lend to their neighbours and seed
   * the links (default 0.25).
   */
  speaker?: number;
  /**
   * Late boost of a memory whose speaker the query names: its final score (after the context
   * and link stages) · (1 + speakerLate), so a memory lifted by its neighbours (an answer right
   * after the other speaker's question) or by links counts as the named speaker's own, and
   * the other speaker's neighbours do not crowd the results (default 0.5; with `speaker`
   * 0.25 chosen leave-one-conversation-out on LoCoMo dev, the same in every fold).
   */
  speakerLate?: number;
  /**
   * Boost of the user's own messages (role `'user'`) for a question in the first person ("which
   * database did I pick?": it has "I", "me", "my", "mine" or "myself"): score · (1 +
   * firstPerson), before the context and link stages, so the assistant's reply next to the
   * user's message is lifted with it but no longer outranks it (default 0.5, chosen
   * leave-one-conversation-out over LoCoMo and BEAM). Memories without a role (notes,
   * `addMany` items without `role`) and the assistant's (`'assistant'`) are not boosted.
   */
  firstPerson?: number;
  /** Pseudo-relevance feedback: terms taken from the best `feedbackDocs` hits (default 0: off). */
  feedbackTerms?: number;
  /** Documents feedback terms are drawn from (default 5). */
  feedbackDocs?: number;
  /** Weight of the feedback terms relative to a query term (default 0.3). */
  feedbackWeight?: number;
  /**
   * Lexical candidates: only the best `pool` BM25 scores enter the fusion (default 400), so the later stages cost in proportion to the candidates,
   * not to the store.
   */
  pool?: number;
}

/** Lexical candidates a search fuses unless `lexical.pool` says otherwise. */
export const DEFAULT_LEXICAL_POOL = 400;

/** Options of the episode stage: BM25 over whole episodes (all their memories' text). */
export interface EpisodeStageOptions {
  /** A memory's score is scaled by 1 + weight · (max-scaled episode score) (default 1.5). */
  weight?: number;
  /** Added: weight of the episode score for memories with no first-stage score (default 0). */
  additive?: number;
  /**
   * A query with at most this many topic terms (its lexical terms, the names of the speakers it
   * names not counted) is broad: "What books has John read?" (book, read) asks for memories
   * spread over many episodes, and its episode weight is `broadWeight` (default 2; 0: no query
   * is broad; chosen leave-one-conversation-out over LoCoMo and BEAM).
   */
  broadTerms?: number;
  /** The episode weight of a broad query, in place of `weight` (default 0.25). */
  broadWeight?: number;
}

/** Options of the dense stage. */
export interface DenseStageOptions {
  /** Weight in the fusion, dense scores min–max scaled over the candidates (default 0.7, chosen by leave-one-conversation-out on LoCoMo dev). */
  weight?: number;
  /**
   * Score a long memory (over 700 characters: more than one passage, as the lexical index
   * cuts it) by the best cosine of its whole text and its passages, each passage embedded on
   * its own (default false). A memory stays one candidate. Passage vectors are embedded at
   * the first search that uses them (a reopened store embeds them again) and held in memory.
   */
  passages?: boolean;
  /**
   * Embed the query without the names of the speakers it names (default true): "What do
   * Melanie's kids like?" is embedded as "What do kids like?" when a memory was said by
   * Melanie. A name weighs heavily in the embedding and every turn that addresses that person
   * carries it; the speaker boosts of the lexical stage favour the named speaker's memories.
   * Applies when the engine embeds the query (not to a `vector` given to `search`).
   */
  stripSpeakers?: boolean;
}

/** Whether the dense stage scores long memories by their passages unless told. */
export const DEFAULT_DENSE_PASSAGES = false;

/** Options of the link stage. */
export interface LinkStageOptions extends PprOptions {
  /** Weight of the (max-scaled) PageRank score, times the best score, added to a memory's score (default 0.1). */
  weight?: number;
  /** How many of the best hits seed the walk (default 10). */
  seeds?: number;
  /**
   * Entity links: memories sharing a term held by at most this many memories are linked,
   * weighted by the shared terms' idf (default 0: only the given links).
   */
  shared?: number;
  /** Whether the store's links (the engine's links store) take part (default true). */
  stored?: boolean;
}

/** Options of the rerank stage. */
export interface RerankStageOptions extends MmrOptions {
  /** Each further pick from an episode already picked is scaled by (1 − episodePenalty)ⁿ (default 0). */
  episodePenalty?: number;
  /** Feature weights (recency, retention, trust). */
  features?: FeatureWeights;
}

/**
 * The stages of a search; `false` turns a stage off, an object turns it on with those
 * options. The defaults (`DEFAULT_RETRIEVAL`: every stage on except `entities` and `crossEncoder`) are what
 * the LoCoMo eval measures.
 */
export interface RetrievalOptions {
  lexical?: LexicalStageOptions | false;
  dense?: DenseStageOptions | false;
  episode?: EpisodeStageOptions | false;
  time?: TimeStageOptions | false;
  context?: ContextOptions | false;
  links?: LinkStageOptions | false;
  /**
   * Knowledge updates: a later memory that restates an earlier one's subject with a changed
   * value ranks above it (see {@link UpdateStageOptions}; on by default, settings chosen
   * leave-one-conversation-out over LoCoMo and BEAM).
   */
  updates?: UpdateStageOptions | false;
  /**
   * Bare questions (a turn that only asks, "Cool! What type of music do you play?") scaled
   * down after the context stage has let them lend to their answers (on by default, settings
   * chosen leave-one-conversation-out over LoCoMo and BEAM; see {@link QuestionStageOptions};
   * needs the memories' texts, `RetrieveInput.text`, which the engine gives).
   */
  questions?: QuestionStageOptions | false;
  /**
   * Standing instructions and preferences ("Always format code with syntax highlighting", "I
   * prefer minimal dependencies"), recognised when written: the few that best match the
   * request by word or topic are brought up just below the best result (see
   * {@link StandingStageOptions}).
   */
  standing?: StandingStageOptions | false;
  rerank?: RerankStageOptions | false;
  /** Query decomposition by named entity, merged round-robin (see {@link EntityStageOptions}). */
  entities?: EntityStageOptions | false;
  /**
   * Cross-encoder rescoring of the best candidates after the rerank, blended with their fused
   * scores (off by default; see {@link CrossEncoderStageOptions}). Runs in `search()` of the
   * engine (the model loads on first use, in the engine's Worker); `Retriever.search` ignores it.
   */
  crossEncoder?: CrossEncoderStageOptions | false;
}

/** What a search may draw on besides the index. */
export interface RetrieveInput {
  /** Memories that may be returned (scope and filters); default all. */
  allow?: (id: string) => boolean;
  /**
   * True when `allow` admits every indexed memory (no scope or filter): the lexical stage then
   * skips the check per posting.
   */
  allowsAllIndexed?: boolean;
  /** Dense scores (e.g. cosine) of the vector index's best candidates. */
  dense?: Scores;
  /** Reference time for "last year", "two weeks ago" (default now). */
  now?: number;
  /** A memory's unit vector (MMR similarity). */
  vector?: (id: string) => Float32Array | undefined;
  /** A memory's links (the link store's adjacency). */
  links?: (id: string) => readonly Link[];
  /** A memory's features (recency, retention, trust). */
  features?: (id: string) => MemoryFeatures | undefined;
  /** A memory's text (the bare-question stage reads it). */
  text?: (id: string) => string | undefined;
}

/** BM25 parameters of a {@link Retriever} unless given. */
export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.4 };

/** The default stage options: what the LoCoMo eval measures. */
export const DEFAULT_RETRIEVAL: Required<RetrievalOptions> = {
  lexical: {},
  dense: {},
  episode: {},
  time: {},
  context: {},
  // Entity links only: memories sharing a rare term (in ≤ 10 memories: names, specific nouns),
  // one step out from the first hits (more steps cost time and gained nothing on LoCoMo dev,
  // checked leave-one-conversation-out). The engine's cosine links (USE-lite) cost recall there,
  // so they stay out unless asked for (`links: { stored: true }`).
  links: { shared: 10, weight: 0.05, iterations: 1, stored: false },
  updates: {},
  questions: {},
  standing: {},
  rerank: {},
  entities: false,
  crossEncoder: false,
};

/**
 * Stage options merged over the defaults: `false` turns a stage off, an object is merged over
 * the stage's defaults.
 * @param base - options of the retriever
 * @param over - options of this search
 */
export function mergeOptions(
  base: RetrievalOptions,
  over: RetrievalOptions,
): Required<RetrievalOptions> {
  const out = { ...DEFAULT_RETRIEVAL } as Record<string, unknown>;
  for (const src of [base, over] as Record<string, unknown>[]) {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      out[k] = v === false ? false : { ...((out[k] as object) || {}), ...(v as object) };
    }
  }
  return out as Required<RetrievalOptions>;
}
