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
} from './types';
export type {
  AddOptions,
  AddResult,
  SearchOptions,
  GetAllOptions,
  EngineInfo,
  ProgressCallback,
} from './engine/engine';
export type { MetadataFilter, FieldOps } from './engine/filters';
export type { EmbedderSpec } from './engine/embedder-spec';
export type { Embedder, EmbedOptions, LoadProgress } from './embed/embedder';
export type { LogVerification } from './store/event-log';
export type { BackendChoice } from './search/backend';
export { UseLiteEmbedder, type UseLiteEmbedderOptions } from './embed/use-lite-embedder';
export { TransformersEmbedder } from './embed/transformers-embedder';
export { HashEmbedder } from './embed/hash-embedder';
