import { tool, type Tool, type ToolExecuteFunction } from 'ai';
import { z } from 'zod/v4';
import type { Engram } from '../../engram';
import type { AddResultItem } from '../../memory/ingest';
import { EngramError } from '../../errors';
import type { Scope } from '../../types';
import { checkLimit, checkScope, inScope } from '../../engine/validate';

/** Options of {@link engramTools}. */
export interface EngramToolsOptions extends Scope {
  /**
   * `remember` extracts facts and consolidates them (ADD / UPDATE / NOOP), as `add` does
   * (default true); `false` stores the text as given.
   */
  infer?: boolean;
  /** Most memories `recall` returns, and its default `limit` (default 5). */
  maxRecall?: number;
}

/** One memory as `recall` returns it to the model. */
export interface RecalledMemory {
  id: string;
  memory: string;
  /** Ranking score, higher is better. */
  score: number;
  /** When it was first stored, ISO 8601. */
  createdAt: string;
}

/** The store methods the tools use. */
export type ToolMemory = Pick<Engram, 'add' | 'search' | 'get' | 'delete'>;

/** An AI SDK tool with its input and output types, and always an `execute`. */
export type EngramTool<Input, Output> = Tool<Input, Output, Record<string, unknown>> & {
  execute: ToolExecuteFunction<Input, Output, Record<string, unknown>>;
};

/** What `remember` returns: what `add` changed (ADD, UPDATE, DELETE, NOOP, or PENDING under review), and what it did not store and why. */
export interface RememberOutput {
  changes: { id: string; memory: string; event: AddResultItem['event'] }[];
  skipped: { text: string; reason: string }[];
}

/** The tools {@link engramTools} makes (a type, not an interface, so it is an AI SDK `ToolSet`). */
export type EngramTools = {
  /** Stores a fact (`add`). */
  remember: EngramTool<{ text: string }, RememberOutput>;
  /** Searches (`search`). */
  recall: EngramTool<{ query: string; limit?: number }, { memories: RecalledMemory[] }>;
  /** Deletes one memory of the scope by id (`delete`). */
  forget: EngramTool<{ id: string }, { id: string; forgotten: string }>;
};

/**
 * Vercel AI SDK tools over an Engram store, for `generateText` / `streamText`:
 * - `remember({ text })` stores what the user said (`add`), and says what changed;
 * - `recall({ query, limit? })` searches (`search`) and returns the best memories with their ids;
 * - `forget({ id })` deletes one memory (soft delete, history kept) by an id from `recall`.
 *
 * The scope (`userId`, `agentId`, `runId`) is the app's, fixed here: the model never chooses
 * it, and `forget` refuses (`NotFound`) a memory outside it. Inputs are checked by zod schemas
 * before a tool runs.
 *
 * @param memory - an open store
 * @param options - the scope, `infer` and `maxRecall`
 * @throws `InvalidArgument` for a malformed scope or `maxRecall`
 * @example
 * import { generateText, stepCountIs } from 'ai';
 * import { Engram } from 'engram';
 * import { engramTools } from 'engram/ai';
 *
 * const memory = await Engram.open({ name: 'assistant' });
 * const { text } = await generateText({
 *   model, // any AI SDK language model
 *   tools: engramTools(memory, { userId: 'ada' }),
 *   stopWhen: stepCountIs(3),
 *   prompt: 'Remember that I moved to Paris.',
 * });
 */
export function engramTools(memory: ToolMemory, options: EngramToolsOptions = {}): EngramTools {
  if (
    typeof memory?.add !== 'function' ||
    typeof memory.search !== 'function' ||
    typeof memory.get !== 'function' ||
    typeof memory.delete !== 'function'
  )
    throw new EngramError('InvalidArgument', 'memory must be an open Engram store');
  const { infer = true, maxRecall: maxOption, ...scopeOptions } = options;
  const scope = checkScope(scopeOptions);
  const maxRecall = checkLimit(maxOption, 5, 100, 'maxRecall');
  if (typeof infer !== 'boolean')
    throw new EngramError('InvalidArgument', 'infer must be a boolean');

  return {
    remember: tool({
      description:
        'Remember a fact about the user for later conversations. Give it in the user\'s words, e.g. "I live in Paris".',
      inputSchema: z.object({
        text: z.string().trim().min(1).max(2000).describe('The fact to remember.'),
      }),
      execute: async ({ text }): Promise<RememberOutput> => {
        const { results, skipped } = await memory.add(text, { ...scope, infer });
        return {
          changes: results.map((r) => ({ id: r.id, memory: r.memory, event: r.event })),
          skipped: skipped.map((s) => ({ text: s.text, reason: s.reason })),
        };
      },
    }),
    recall: tool({
      description:
        'Search what is remembered about the user; returns the best memories with their ids.',
      inputSchema: z.object({
        query: z.string().trim().min(1).max(2000).describe('What to look for.'),
        limit: z.number().int().min(1).max(maxRecall).optional().describe('How many memories.'),
      }),
      execute: async ({ query, limit }) => {
        const { results } = await memory.search(query, { ...scope, limit: limit ?? maxRecall });
        const memories: RecalledMemory[] = results.map((r) => ({
          id: r.id,
          memory: r.memory,
          score: r.score,
          createdAt: new Date(r.createdAt).toISOString(),
        }));
        return { memories };
      },
    }),
    forget: tool({
      description: 'Forget one memory, by an id that recall returned.',
      inputSchema: z.object({
        id: z.string().min(1).max(200).describe('The id of the memory to forget.'),
      }),
      execute: async ({ id }) => {
        const m = await memory.get(id);
        if (!inScope(m, scope))
          throw new EngramError('NotFound', 'No memory with that id in this scope.', {
            details: { id },
          });
        await memory.delete(id);
        return { id, forgotten: m.memory };
      },
    }),
  };
}
