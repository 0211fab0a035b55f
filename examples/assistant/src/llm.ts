// The slot for a local language model. The assistant works without one (answers are templates
// filled with the retrieved memories, add() consolidates by rules); with one, it writes the
// answers from those memories and decides what add() stores (./memory-hook.ts).

/** One chat message, as WebLLM's (and OpenAI's) chat API takes it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The part of a chat model the assistant calls: the `chat.completions.create` of WebLLM's
 * `MLCEngine` (`@mlc-ai/web-llm`), non-streaming. WebLLM's engine fits as it is; so does any
 * object of the same shape (an OpenAI-compatible client, a test double).
 * @example
 * import { CreateMLCEngine } from '@mlc-ai/web-llm';
 * const llm: ChatLlm = await CreateMLCEngine('Llama-3.2-1B-Instruct-q4f16_1-MLC');
 */
export interface ChatLlm {
  chat: {
    completions: {
      create(request: {
        messages: ChatMessage[];
        temperature?: number;
        max_tokens?: number;
        stream?: false;
        /** `{ type: 'json_object' }` where a JSON reply is wanted (WebLLM's JSON mode). */
        response_format?: { type: 'json_object' };
      }): Promise<{ choices: Array<{ message: { content: string | null } }> }>;
    };
  };
}

/**
 * Where the app gets its model at start. None by default: replace the body to load one, e.g.
 * `return (await import('@mlc-ai/web-llm')).CreateMLCEngine('Llama-3.2-1B-Instruct-q4f16_1-MLC');`
 * (WebLLM downloads its weights once and keeps them in Cache Storage itself). At run time,
 * `window.assistant.setLlm(llm)` plugs one in too.
 */
export async function loadLlm(): Promise<ChatLlm | undefined> {
  return undefined;
}
