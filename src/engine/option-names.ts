// The option names every public call accepts, each list checked by the compiler against its
// options type (see `optionShape`), so `checkOptionNames` can reject a misspelt or unknown
// option instead of ignoring it.
import type { EmbedderSpec } from './embedder-spec';
import type { IndexOptions } from './open-index';
import type { CheckpointOptions, EngineOptions, GetAllOptions, UpdateOptions } from './options';
import type { SearchOptions } from './search';
import { optionShape, type OptionShape } from './validate';
import type { AddOptions } from '../memory/ingest';
import type { ConsolidationOptions } from '../memory/consolidation';
import type { LlmHook } from '../memory/llm';
import type { ForgetOptions } from '../memory/forgetting';
import type { ExportOptions } from '../memory/export';
import type { UpdateStageOptions } from '../retrieval/updates';
import type { StandingStageOptions } from '../retrieval/standing';
import type { QuestionStageOptions } from '../retrieval/questions';
import type { ImportOptions } from '../memory/import';
import type { CompactOptions } from '../memory/budget';
import type { MergeOptions } from '../memory/merge';
import type {
  DenseStageOptions,
  EpisodeStageOptions,
  LexicalStageOptions,
  LinkStageOptions,
  RerankStageOptions,
  RetrievalOptions,
  TimeStageOptions,
} from '../retrieval/options';
import type { ContextOptions } from '../retrieval/context';
import type { EntityStageOptions } from '../retrieval/entities';
import type { CrossEncoderStageOptions } from '../retrieval/cross-encoder-stage';
import type { FeatureWeights } from '../retrieval/rerank';
import type { RewriteQuery } from '../retrieval/rewrite';
import type { Scope } from '../types';
import type { WriteTagOptions } from '../govern/write-tag';
import type { AuditOptions } from '../govern/audit';
import type { PendingOptions } from '../govern/pending';

type SpecOf<T extends EmbedderSpec['type']> = Extract<EmbedderSpec, { type: T }>;

/** `userId`, `agentId`, `runId`: the options of `deleteAll` and of `erase` with a scope. */
export const SCOPE_OPTIONS = optionShape<Scope>({ userId: true, agentId: true, runId: true });

/** `checkpoint` of `Engine.open` / `Engram.open`. */
export const CHECKPOINT_OPTIONS = optionShape<CheckpointOptions>({
  minMemories: true,
  minEvents: true,
  maxLag: true,
  idleMs: true,
  sliceRows: true,
});

/** `encryption` of `Engine.open` / `Engram.open` (one of the two). */
export const ENCRYPTION_OPTIONS = optionShape<{ passphrase?: string; key?: CryptoKey }>({
  passphrase: true,
  key: true,
});

/** `index` of `Engine.open` / `Engram.open`. */
export const INDEX_OPTIONS = optionShape<IndexOptions>({ mode: true, nprobe: true });

/** `Engine.open`. */
export const ENGINE_OPTIONS = optionShape<EngineOptions>(
  {
    name: true,
    embedder: true,
    backend: true,
    maxTextLength: true,
    clock: true,
    log: true,
    blockRows: true,
    reinforceOnSearch: true,
    warmUp: true,
    recallFlushMs: true,
    initialStrength: true,
    strengthIncrement: true,
    linkThreshold: true,
    maxLinks: true,
    index: true,
    gpuBudgetBytes: true,
    checkpoint: true,
    admit: true,
    trust: true,
    encryption: true,
    sync: true,
  },
  { index: INDEX_OPTIONS, checkpoint: CHECKPOINT_OPTIONS, encryption: ENCRYPTION_OPTIONS },
);

/** Embedder specs, by `type`. */
export const EMBEDDER_SPEC_OPTIONS: Record<EmbedderSpec['type'], OptionShape> = {
  'use-lite': optionShape<SpecOf<'use-lite'>>({
    type: true,
    modelUrl: true,
    wasmPaths: true,
    batchSize: true,
    batchTokens: true,
    cache: true,
    instances: true,
  }),
  transformers: optionShape<SpecOf<'transformers'>>({
    type: true,
    model: true,
    localModelPath: true,
    allowRemote: true,
    device: true,
    dtype: true,
    wasmPaths: true,
    dim: true,
    batchSize: true,
  }),
  hash: optionShape<SpecOf<'hash'>>({ type: true, dim: true }),
};

const LLM_HOOK = optionShape<LlmHook>({ extractFacts: true, decide: true });

/** `add`. */
export const ADD_OPTIONS = optionShape<AddOptions>(
  {
    userId: true,
    agentId: true,
    runId: true,
    metadata: true,
    vector: true,
    infer: true,
    eventTime: true,
    link: true,
    roles: true,
    consolidation: true,
    extractor: true,
    consolidator: true,
    llm: true,
    source: true,
    changeSet: true,
  },
  {
    consolidation: optionShape<ConsolidationOptions>({
      duplicateThreshold: true,
      updateThreshold: true,
      deleteThreshold: true,
      minSharedPrefix: true,
      candidates: true,
    }),
    llm: LLM_HOOK,
  },
);

/** Each item of `addMany`: the options of `add` and its `text`. */
export const ADD_MANY_ITEM = {
  names: ['text', 'role', 'name', ...ADD_OPTIONS.names],
  nested: ADD_OPTIONS.nested ?? {},
} as const satisfies OptionShape;

/** The options of `Engine.addMany` (the page-side `Engram.addMany` takes a progress callback). */
export const ADD_MANY_OPTIONS = optionShape<{ onProgress?: unknown; signal?: unknown }>({
  onProgress: true,
  signal: true,
});

const RETRIEVAL_OPTIONS = optionShape<RetrievalOptions>(
  {
    lexical: true,
    dense: true,
    episode: true,
    time: true,
    context: true,
    links: true,
    updates: true,
    questions: true,
    standing: true,
    rerank: true,
    entities: true,
    crossEncoder: true,
  },
  {
    lexical: optionShape<LexicalStageOptions>({
      nameWeight: true,
      weight: true,
      speaker: true,
      speakerLate: true,
      firstPerson: true,
      feedbackTerms: true,
      feedbackDocs: true,
      feedbackWeight: true,
      pool: true,
    }),
    dense: optionShape<DenseStageOptions>({ weight: true, passages: true, stripSpeakers: true }),
    episode: optionShape<EpisodeStageOptions>({
      weight: true,
      additive: true,
      broadTerms: true,
      broadWeight: true,
    }),
    time: optionShape<TimeStageOptions>({ window: true, mention: true, halfLifeDays: true }),
    context: optionShape<ContextOptions>({
      radius: true,
      weight: true,
      backward: true,
      decay: true,
      seeds: true,
    }),
    links: optionShape<LinkStageOptions>({
      damping: true,
      iterations: true,
      weight: true,
      seeds: true,
      shared: true,
      stored: true,
    }),
    updates: optionShape<UpdateStageOptions>({
      pool: true,
      minShared: true,
      cover: true,
      ratio: true,
      cues: true,
    }),
    questions: optionShape<QuestionStageOptions>({ maxTerms: true, penalty: true }),
    standing: optionShape<StandingStageOptions>({ top: true, weight: true, topicWeight: true }),
    rerank: optionShape<RerankStageOptions>(
      { lambda: true, pool: true, episodePenalty: true, features: true },
      {
        features: optionShape<FeatureWeights>({ recency: true, retention: true, trust: true }),
      },
    ),
    entities: optionShape<EntityStageOptions>({ pool: true, keepOverall: true }),
    crossEncoder: optionShape<CrossEncoderStageOptions>({
      model: true,
      device: true,
      dtype: true,
      batchSize: true,
      maxLength: true,
      localModelPath: true,
      allowRemote: true,
      wasmPaths: true,
      weight: true,
      top: true,
    }),
  },
);

/** `search`, with its nested `retrieval` stages and `llm` hook. */
export const SEARCH_OPTIONS = optionShape<SearchOptions>(
  {
    userId: true,
    agentId: true,
    runId: true,
    filters: true,
    limit: true,
    vector: true,
    asOf: true,
    recordedAsOf: true,
    includeSuperseded: true,
    retentionWeight: true,
    reinforce: true,
    retrieval: true,
    llm: true,
    explain: true,
  },
  {
    retrieval: RETRIEVAL_OPTIONS,
    llm: optionShape<{ rewriteQuery?: RewriteQuery }>({ rewriteQuery: true }),
  },
);

/** `getAll`. */
export const GET_ALL_OPTIONS = optionShape<GetAllOptions>({
  userId: true,
  agentId: true,
  runId: true,
  filters: true,
  limit: true,
});

/** `update`. */
export const UPDATE_OPTIONS = optionShape<UpdateOptions>({
  metadata: true,
  eventTime: true,
  source: true,
  changeSet: true,
});

/** `delete`. */
export const DELETE_OPTIONS = optionShape<WriteTagOptions>({ source: true, changeSet: true });

/** `audit`. */
export const AUDIT_OPTIONS = optionShape<AuditOptions>({
  since: true,
  source: true,
  changeSet: true,
  limit: true,
});

/** `forget`. */
export const FORGET_OPTIONS = optionShape<ForgetOptions>({
  belowRetention: true,
  userId: true,
  agentId: true,
  runId: true,
});

/** `related`. */
export const RELATED_OPTIONS = optionShape<{ depth?: number; limit?: number }>({
  depth: true,
  limit: true,
});

/** `export`. */
export const EXPORT_OPTIONS = optionShape<ExportOptions>({ vectors: true, plaintext: true });

/** `import`. */
export const IMPORT_OPTIONS = optionShape<ImportOptions>(
  { mode: true, onProgress: true, encryption: true },
  { encryption: ENCRYPTION_OPTIONS },
);

/** `compact`. */
export const COMPACT_OPTIONS = optionShape<CompactOptions>({
  maxBytes: true,
  mergeThreshold: true,
  userId: true,
  agentId: true,
  runId: true,
});

/** `merge`. */
export const MERGE_OPTIONS = optionShape<MergeOptions>({
  threshold: true,
  dryRun: true,
  userId: true,
  agentId: true,
  runId: true,
});

/** `pending`. */
export const PENDING_OPTIONS = optionShape<PendingOptions>({
  userId: true,
  agentId: true,
  runId: true,
  limit: true,
});
