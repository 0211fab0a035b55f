// The assistant's answer to a recall, from the memories search() returned: a template by
// default, or the local model's reply when one is plugged in.
import type { ChatLlm, ChatMessage } from './llm';

/** A retrieved memory, as the answer uses it. */
export interface Recalled {
  memory: string;
  score: number;
  updatedAt: number;
}

/** Below this share of the best score, a memory is left out of the answer. */
export const RELEVANT_SHARE = 0.5;

/**
 * The memories an answer uses: those scoring at least {@link RELEVANT_SHARE} of the best
 * (search returns its `limit` best even when only one matters), never one scoring 0.
 */
export function relevant(hits: Recalled[]): Recalled[] {
  const best = Math.max(0, ...hits.map((h) => h.score));
  return hits.filter((h) => h.score > 0 && h.score >= best * RELEVANT_SHARE);
}

/** The answer without a model: the memories, best first, or that none is known. */
export function templateAnswer(question: string, topic: string | undefined, hits: Recalled[]) {
  const found = relevant(hits);
  const about = topic ? ` about ${topic}` : '';
  if (found.length === 0) return `I don't know anything${about} yet.`;
  const lines = found.map((h) => `• ${h.memory}`);
  return [
    topic ? `Here is what I know${about}:` : `From what you told me (“${question}”):`,
    ...lines,
  ].join('\n');
}

/** The prompt a model answers from: the memories as context, then the question. */
export function llmMessages(question: string, hits: Recalled[]): ChatMessage[] {
  const found = relevant(hits);
  const facts = found.length
    ? found
        .map((h) => `- ${h.memory} (noted ${new Date(h.updatedAt).toISOString().slice(0, 10)})`)
        .join('\n')
    : '(none)';
  return [
    {
      role: 'system',
      content:
        'You are a personal assistant running on the user’s device. Answer briefly, using only ' +
        'these facts the user told you earlier; say so when they do not answer the question.\n' +
        `Facts:\n${facts}`,
    },
    { role: 'user', content: question },
  ];
}

/** The model's answer from the memories. */
export async function llmAnswer(llm: ChatLlm, question: string, hits: Recalled[]) {
  const reply = await llm.chat.completions.create({
    messages: llmMessages(question, hits),
    temperature: 0.2,
    max_tokens: 256,
    stream: false,
  });
  return reply.choices[0]?.message.content?.trim() || '(the model gave no answer)';
}
