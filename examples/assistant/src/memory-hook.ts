// Engram's `llm` hook (Mem0's two steps: extract facts, decide operations) on top of a chat
// model in the llm slot, so a plugged-in model also decides what add() stores. Without a model,
// add() uses Engram's own sentence extractor and rule consolidator.
import type { LlmHook, LlmOperation } from '../../../src/index';
import type { ChatLlm, ChatMessage } from './llm';

const FACTS_PROMPT =
  'Extract the personal facts worth remembering from the user’s message, each as a short ' +
  'sentence in the user’s own words ("I …", "My …"). Questions and small talk hold none. ' +
  'Reply with JSON only: {"facts": ["…"]}';

const DECIDE_PROMPT =
  'You manage a memory. Given new facts and existing memories (with ids), reply with JSON only: ' +
  '{"memory": [{"id": "…", "text": "…", "event": "ADD" | "UPDATE" | "DELETE" | "NONE"}]}. ' +
  'ADD a fact no memory holds (any id); UPDATE a memory the fact changes (its id, the new text); ' +
  'DELETE a memory the fact says is no longer true; NONE when a memory already holds the fact.';

/** The JSON in a model's reply (it may wrap it in a code fence or a sentence). */
export function jsonIn(reply: string): unknown {
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  if (start < 0 || end < start) throw new Error(`no JSON object in the model's reply: ${reply}`);
  return JSON.parse(reply.slice(start, end + 1)) as unknown;
}

async function ask(llm: ChatLlm, system: string, user: string): Promise<unknown> {
  const messages: ChatMessage[] = [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
  const reply = await llm.chat.completions.create({
    messages,
    temperature: 0,
    max_tokens: 512,
    stream: false,
    response_format: { type: 'json_object' },
  });
  return jsonIn(reply.choices[0]?.message.content ?? '');
}

/**
 * Engram's {@link LlmHook} asking `llm`. Engram checks what comes back: a malformed answer is an
 * `LlmFailed` error and nothing is written (the chat then keeps the message in its box).
 */
export function memoryHook(llm: ChatLlm): LlmHook {
  return {
    extractFacts: async ({ messages }) =>
      (await ask(llm, FACTS_PROMPT, messages.map((m) => m.content).join('\n'))) as {
        facts: string[];
      },
    decide: async ({ facts, memories }) =>
      (await ask(llm, DECIDE_PROMPT, JSON.stringify({ facts, memories }))) as {
        memory: LlmOperation[];
      },
  };
}
