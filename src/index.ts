/**
 * Engram: a browser-native, local-first memory engine.
 * @packageDocumentation
 */
export { Engram, type EngramOptions } from './engram';
export { EngramError, ERROR_CODES, isEngramError, type ErrorCode } from './errors';
export type {
  Memory,
  SearchResult,
  HistoryEntry,
  Scope,
  Metadata,
  MetadataValue,
  MemoryState,
  HistoryEvent,
} from './types';
export type {
  AddInput,
  AddOptions,
  AddResult,
  SearchOptions,
  GetAllOptions,
  UpdateOptions,
  EngineInfo,
  CheckpointOptions,
  ProgressCallback,
} from './engine/engine';
export type { AddManyItem, AddResultItem, SkippedInput, SkipReason } from './memory/ingest';
export type { BatchResult, ChangeSetWriter } from './govern/batch';
export type { RollbackResult } from './govern/rollback';
export type { AuditEntry, AuditOptions } from './govern/audit';
export type { WriteTagOptions } from './govern/write-tag';
export type { AcceptResult, PendingOptions } from './govern/pending';
export type { FeedbackVerdict } from './govern/feedback';
export type { SourceTrust, TrustOptions } from './govern/trust';
export type { Admit, AdmitContext, AdmitDecision } from './govern/admission';
export { redactPersonalData, redactText, type Redaction } from './govern/redact';
export {
  SentenceExtractor,
  type ChatMessage,
  type Extraction,
  type Extractor,
  type Fact,
  type SentenceExtractorOptions,
} from './memory/extractor';
export {
  RuleConsolidator,
  type Candidate,
  type ConsolidationOptions,
  type Consolidator,
  type Decision,
  type Prepared,
} from './memory/consolidation';
export type { LlmHook, LlmOperation } from './memory/llm';
export type {
  DenseStageOptions,
  EpisodeStageOptions,
  LexicalStageOptions,
  LinkStageOptions,
  RerankStageOptions,
  RetrievalOptions,
  TimeStageOptions,
} from './retrieval/options';
export type { ContextOptions } from './retrieval/context';
export type { CrossEncoderStageOptions } from './retrieval/cross-encoder-stage';
export type { FeatureWeights } from './retrieval/rerank';
export type { EntityStageOptions } from './retrieval/entities';
export type { UpdateStageOptions } from './retrieval/updates';
export type { StandingStageOptions, StandingKind } from './retrieval/standing';
export type { QuestionStageOptions } from './retrieval/questions';
export type { RewriteQuery } from './retrieval/rewrite';
export type { ExplainStage, ScoreExplanation, StageContribution } from './retrieval/explain';
export { retention, type ForgetOptions } from './memory/forgetting';
export type { RelatedMemory } from './memory/links';
export type { ErasureReceipt } from './memory/erasure';
export type { ExportHeader, ExportOptions } from './memory/export';
export type { EncryptionHeader, EncryptionSecret } from './store/data-key';
export type { ImportOptions, ImportResult, ImportSource } from './memory/import';
export type { MetadataFilter, FieldOps } from './engine/filters';
export type { EmbedderSpec, ParallelEmbedding } from './engine/embedder-spec';
export type { Embedder, EmbedOptions, LoadProgress } from './embed/embedder';
export type { LogVerification } from './store/event-log';
export type { VerifyCode, VerifyProblem, VerifyReport } from './memory/verify';
export type { BackendChoice } from './search/backend-choice';
export type { IndexMode, IndexModeOption } from './search/index-mode';
export type { IndexOptions } from './engine/open-index';
export type { CompactOptions, CompactResult } from './memory/budget';
export type { MergeCluster, MergeOptions, MergeResult } from './memory/merge';
export { UseLiteEmbedder, type UseLiteEmbedderOptions } from './embed/use-lite-embedder';
export {
  TransformersEmbedder,
  type TransformersEmbedderOptions,
  type TransformersDtype,
} from './embed/transformers-embedder';
export { HashEmbedder, type HashEmbedderOptions } from './embed/hash-embedder';
export type { SyncOptions, SyncStatus } from './sync/sync-options';
