// The offline assistant's pure parts: how a chat message is read, and how an answer is made
// from retrieved memories (template, or the prompt a local model gets).
import { expect, test } from 'vitest';
import {
  llmAnswer,
  llmMessages,
  relevant,
  templateAnswer,
} from '../../examples/assistant/src/answer';
import { intentOf } from '../../examples/assistant/src/intent';
import type { ChatLlm } from '../../examples/assistant/src/llm';
import { jsonIn, memoryHook } from '../../examples/assistant/src/memory-hook';

test('questions and "what do you know about …" recall; statements are remembered', () => {
  expect(intentOf('What do you know about my sister?')).toEqual({
    kind: 'recall',
    query: 'my sister',
    topic: 'my sister',
  });
  expect(intentOf('tell me about the dentist')).toMatchObject({ query: 'the dentist' });
  expect(intentOf('where do I live?')).toEqual({ kind: 'recall', query: 'where do I live?' });
  expect(intentOf('Is the meeting at 5')).toMatchObject({ kind: 'recall' });
  expect(intentOf('I live in Paris')).toEqual({ kind: 'remember' });
  expect(intentOf('Forget that I live in Paris')).toEqual({ kind: 'remember' });
  // "Isabel …" starts with the letters of "is" but is no question.
  expect(intentOf('Isabel moved to Rome')).toEqual({ kind: 'remember' });
});

const hit = (memory: string, score: number) => ({ memory, score, updatedAt: Date.UTC(2026, 0, 2) });

test('an answer keeps the memories near the best score and none that scored 0', () => {
  const hits = [hit('A', 2), hit('B', 1.2), hit('C', 0.9), hit('D', 0)];
  expect(relevant(hits).map((h) => h.memory)).toEqual(['A', 'B']);
  expect(relevant([hit('D', 0)])).toEqual([]);
  expect(templateAnswer('q', 'my cat', hits)).toBe('Here is what I know about my cat:\n• A\n• B');
  expect(templateAnswer('where?', undefined, [hit('D', 0)])).toBe(`I don't know anything yet.`);
});

test('a plugged-in model gets the relevant memories and the question, and its reply is the answer', async () => {
  const seen: unknown[] = [];
  const llm: ChatLlm = {
    chat: {
      completions: {
        async create(request) {
          seen.push(request);
          return { choices: [{ message: { content: '  You live in Paris. ' } }] };
        },
      },
    },
  };
  const hits = [hit('I live in Paris', 1.5), hit('I like tea', 0.2)];
  expect(await llmAnswer(llm, 'where do I live?', hits)).toBe('You live in Paris.');
  expect(seen).toEqual([
    expect.objectContaining({ messages: llmMessages('where do I live?', hits), stream: false }),
  ]);
  const [system, user] = llmMessages('where do I live?', hits);
  expect(system!.content).toContain('- I live in Paris (noted 2026-01-02)');
  expect(system!.content).not.toContain('tea');
  expect(user).toEqual({ role: 'user', content: 'where do I live?' });
});

test("the memory hook asks the model for Mem0's two steps in JSON mode and reads its JSON", async () => {
  const requests: Array<Parameters<ChatLlm['chat']['completions']['create']>[0]> = [];
  const replies = [
    '{"facts": ["I own a bike"]}',
    '```json\n{"memory": [{"id": "0", "text": "I own a red bike", "event": "UPDATE"}]}\n```',
  ];
  const llm: ChatLlm = {
    chat: {
      completions: {
        async create(request) {
          requests.push(request);
          return { choices: [{ message: { content: replies[requests.length - 1]! } }] };
        },
      },
    },
  };
  const hook = memoryHook(llm);
  expect(await hook.extractFacts!({ messages: [{ role: 'user', content: 'Got a bike' }] })).toEqual(
    { facts: ['I own a bike'] },
  );
  const memories = [{ id: '0', text: 'I own a blue bike' }];
  expect(await hook.decide!({ facts: ['I own a red bike'], memories })).toEqual({
    memory: [{ id: '0', text: 'I own a red bike', event: 'UPDATE' }],
  });
  expect(requests.map((r) => r.response_format)).toEqual([
    { type: 'json_object' },
    { type: 'json_object' },
  ]);
  expect(requests[0]!.messages[1]).toEqual({ role: 'user', content: 'Got a bike' });
  expect(JSON.parse(requests[1]!.messages[1]!.content)).toEqual({
    facts: ['I own a red bike'],
    memories,
  });
  expect(() => jsonIn('no idea')).toThrow(/no JSON object/);
});
