/**
 * LangChain.js adapters: a retriever and a chat message history over an Engram store.
 * Needs the optional peer dependency `@langchain/core`.
 * @packageDocumentation
 */
export {
  EngramRetriever,
  type EngramRetrieverInput,
  type EngramDocumentMetadata,
} from './retriever';
export { EngramChatMessageHistory, type EngramChatMessageHistoryInput } from './chat-history';
