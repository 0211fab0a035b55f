import { Document } from '@langchain/core/documents';
import { BaseRetriever, type BaseRetrieverInput } from '@langchain/core/retrievers';
import type { SearchOptions } from '../../engine/search';
import type { Engram } from '../../engram';
import type { Metadata, SearchResult } from '../../types';
import { checkLimit } from '../../engine/validate';
import { EngramError } from '../../errors';

/**
 * What an {@link EngramRetriever} puts in each Document's `metadata`: the hit's id, score and
 * scope, its times, and the memory's own metadata (under `metadata`).
 */
export type EngramDocumentMetadata = {
  /** The memory's id. */
  id: string;
  /** Ranking score (higher is better; see `SearchResult.score`). */
  score: number;
  /** Cosine similarity of the query and the memory. */
  similarity: number;
  /** Retention at search time, in [0, 1]. */
  retention: number;
  userId?: string;
  agentId?: string;
  runId?: string;
  /** Who said it, for a memory made from a chat message. */
  role?: string;
  /** The speaker's name, when the message gave one. */
  name?: string;
  /** When the memory was first stored (ms since epoch). */
  createdAt: number;
  /** When its text last changed (ms since epoch). */
  updatedAt: number;
  /** Since when the fact holds (event time, ms since epoch). */
  validFrom: number;
  /** Until when it held, for a superseded version. */
  validTo?: number;
  /** 1 for a new memory, +1 per update. */
  version: number;
  /** The memory's own metadata. */
  metadata: Metadata;
};

/** Options of {@link EngramRetriever}. */
export interface EngramRetrieverInput extends BaseRetrieverInput {
  /** An open store (only its `search` is used). */
  memory: Pick<Engram, 'search'>;
  /** How many documents to return (default 4, as LangChain's vector-store retrievers). */
  k?: number;
  /** Scope, metadata filters, `asOf`, retrieval stages… of every search (see `SearchOptions`). */
  searchOptions?: Omit<SearchOptions, 'limit'>;
}

/** A search hit as a LangChain Document: the text as `pageContent`, the rest as `metadata`. */
function toDocument(r: SearchResult): Document<EngramDocumentMetadata> {
  const metadata: EngramDocumentMetadata = {
    id: r.id,
    score: r.score,
    similarity: r.similarity,
    retention: r.retention,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    validFrom: r.validFrom,
    version: r.version,
    metadata: r.metadata,
  };
  for (const key of ['userId', 'agentId', 'runId', 'role', 'name'] as const)
    if (r[key] !== undefined) metadata[key] = r[key];
  if (r.validTo !== undefined) metadata.validTo = r.validTo;
  return new Document({ pageContent: r.memory, metadata, id: r.id });
}

/**
 * A LangChain.js retriever over an Engram store: `invoke(query)` runs `search` and returns the
 * hits, best first, as Documents.
 *
 * @example
 * import { Engram } from 'engram';
 * import { EngramRetriever } from 'engram/langchain';
 *
 * const memory = await Engram.open({ name: 'assistant' });
 * const retriever = new EngramRetriever({ memory, k: 3, searchOptions: { userId: 'ada' } });
 * const docs = await retriever.invoke('where do I live?');
 * // docs[0].pageContent: 'I live in Berlin…'; docs[0].metadata: { id, score, userId: 'ada', … }
 */
export class EngramRetriever extends BaseRetriever<EngramDocumentMetadata> {
  /** LangChain's serialisation namespace. */
  override lc_namespace = ['engram', 'retrievers'];

  /** The class name LangChain shows in traces. */
  static override lc_name(): string {
    return 'EngramRetriever';
  }

  private readonly memory: Pick<Engram, 'search'>;
  private readonly k: number;
  private readonly searchOptions: Omit<SearchOptions, 'limit'>;

  /**
   * @param fields - the store, `k` and the search options
   * @throws `InvalidArgument` when `memory` has no `search` or `k` is not an integer from 1 to 10 000
   */
  constructor(fields: EngramRetrieverInput) {
    super(fields);
    if (typeof fields?.memory?.search !== 'function')
      throw new EngramError('InvalidArgument', 'memory must be an open Engram store');
    this.memory = fields.memory;
    this.k = checkLimit(fields.k, 4, 10_000, 'k');
    this.searchOptions = fields.searchOptions ?? {};
  }

  /** Runs the search; called by `invoke`. */
  override async _getRelevantDocuments(query: string): Promise<Document<EngramDocumentMetadata>[]> {
    const { results } = await this.memory.search(query, { ...this.searchOptions, limit: this.k });
    return results.map(toDocument);
  }
}
