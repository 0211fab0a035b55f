import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import {
  mapChatMessagesToStoredMessages,
  mapStoredMessagesToChatMessages,
  type BaseMessage,
  type StoredMessage,
} from '@langchain/core/messages';
import type { Engram } from '../../engram';
import { EngramError } from '../../errors';
import type { ChatMessage } from '../../memory/extractor';
import type { Memory, Metadata, MetadataValue, Scope } from '../../types';

/** Options of {@link EngramChatMessageHistory}. */
export interface EngramChatMessageHistoryInput {
  /** An open store (its `add`, `getAll` and `delete` are used). */
  memory: Pick<Engram, 'add' | 'getAll' | 'delete'>;
  /** The conversation: stored as the memories' `runId`. */
  sessionId: string;
  /** The user the conversation is with (a scope of every message). */
  userId?: string;
  /** The agent that holds the conversation (a scope of every message). */
  agentId?: string;
}

/** The metadata key that marks a memory as a message of a chat history. */
const MARK = 'chatMessage';

/** Mem0's speaker roles for LangChain's message types (a system message is stored without a role). */
const ROLES: Record<string, string | undefined> = {
  human: 'user',
  ai: 'assistant',
  tool: 'tool',
  function: 'function',
  developer: 'developer',
  system: undefined,
};

/** The message types stored ('generic' is LangChain's `ChatMessage` with its own role). */
const TYPES = [...Object.keys(ROLES), 'generic'];

function sameScope(a: Scope, b: Scope): boolean {
  return a.userId === b.userId && a.agentId === b.agentId && a.runId === b.runId;
}

/**
 * A LangChain.js chat message history kept in an Engram store: each message is a memory
 * (stored as said, `infer: false`) in the conversation's scope (`runId` = `sessionId`, plus
 * `userId`/`agentId` when given), with its speaker as `role` (`'user'`, `'assistant'`, …) and
 * `name`, so `search` finds what was said and by whom. `getMessages()` returns them in the
 * order they were added, as the same message classes (tool calls, tool-call ids, names and ids
 * kept in the memory's metadata). Only text messages are stored: content blocks (images,
 * files) and an empty text are refused with `InvalidArgument` / `EmptyText`.
 *
 * @example
 * import { Engram } from 'engram';
 * import { EngramChatMessageHistory } from 'engram/langchain';
 *
 * const memory = await Engram.open({ name: 'assistant' });
 * const history = new EngramChatMessageHistory({ memory, sessionId: 'chat-1', userId: 'ada' });
 * await history.addUserMessage('I live in Berlin');
 * await history.addAIMessage('Noted: Berlin.');
 * (await history.getMessages()).map((m) => m.text); // ['I live in Berlin', 'Noted: Berlin.']
 */
export class EngramChatMessageHistory extends BaseListChatMessageHistory {
  /** LangChain's serialisation namespace. */
  lc_namespace = ['engram', 'chat_history'];

  private readonly memory: Pick<Engram, 'add' | 'getAll' | 'delete'>;
  private readonly scope: Scope;

  /**
   * @param fields - the store and the conversation's scope
   * @throws `InvalidArgument` when `memory` is not a store or `sessionId` is not a non-empty string
   */
  constructor(fields: EngramChatMessageHistoryInput) {
    super(fields);
    const m = fields?.memory;
    if (
      typeof m?.add !== 'function' ||
      typeof m.getAll !== 'function' ||
      typeof m.delete !== 'function'
    )
      throw new EngramError('InvalidArgument', 'memory must be an open Engram store');
    if (typeof fields.sessionId !== 'string' || fields.sessionId.length === 0)
      throw new EngramError('InvalidArgument', 'sessionId must be a non-empty string');
    this.memory = m;
    this.scope = { runId: fields.sessionId };
    if (fields.userId !== undefined) this.scope.userId = fields.userId;
    if (fields.agentId !== undefined) this.scope.agentId = fields.agentId;
  }

  /** The conversation's messages, oldest first. */
  async getMessages(): Promise<BaseMessage[]> {
    const stored: StoredMessage[] = (await this.ownMessages()).map((m) => {
      const data = m.metadata.messageData as Record<string, unknown> | undefined;
      return {
        type: m.metadata[MARK] as string,
        data: { ...data, content: m.memory } as StoredMessage['data'],
      };
    });
    return mapStoredMessagesToChatMessages(stored);
  }

  /**
   * Stores one message as a memory, as said.
   * @throws `InvalidArgument` for a message whose content is not text; `EmptyText`;
   *   `Rejected` when the store's admit hook rejects it (nothing is stored)
   */
  async addMessage(message: BaseMessage): Promise<void> {
    const [stored] = mapChatMessagesToStoredMessages([message]);
    if (!stored || typeof stored.data.content !== 'string')
      throw new EngramError(
        'InvalidArgument',
        'only text messages are stored: the content must be a string',
      );
    const { content, ...rest } = stored.data;
    const role = stored.type === 'generic' ? rest.role : ROLES[stored.type];
    if (!TYPES.includes(stored.type))
      throw new EngramError('InvalidArgument', `message type "${stored.type}" is not stored`);
    // A system message (or a generic one with role 'system') is stored as a plain text:
    // add() with infer: false keeps no 'system' speaker, as Mem0.
    const input: string | ChatMessage[] =
      role && role !== 'system'
        ? [{ role, content, ...(rest.name ? { name: rest.name } : {}) }]
        : content;
    const metadata: Metadata = {
      [MARK]: stored.type,
      // Drops undefined fields; the rest (tool calls, ids, kwargs) must be JSON.
      messageData: JSON.parse(JSON.stringify(rest)) as MetadataValue,
    };
    const { results, skipped } = await this.memory.add(input, {
      ...this.scope,
      infer: false,
      metadata,
    });
    if (results.length === 0)
      throw new EngramError('Rejected', `the message was not stored (${skipped[0]?.reason})`, {
        details: { reason: skipped[0]?.reason },
      });
  }

  /** Deletes the conversation's messages (soft delete: out of search, history kept). */
  override async clear(): Promise<void> {
    for (const m of await this.ownMessages()) await this.memory.delete(m.id);
  }

  /** The memories that are this history's messages, oldest first. */
  private async ownMessages(): Promise<Memory[]> {
    const { results } = await this.memory.getAll({
      ...this.scope,
      filters: { [MARK]: { in: TYPES } },
      limit: Number.MAX_SAFE_INTEGER,
    });
    // A scope field left out is unconstrained: keep only this history's own messages.
    return results.filter((m) => sameScope(m, this.scope));
  }
}
