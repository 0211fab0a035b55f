// engram/ai against the real Vercel AI SDK (ai 7) and zod 4, on an engine opened in Node
// (fake-indexeddb, hash embedder): the tools executed directly and through generateText with
// the SDK's mock language model, whose tool calls go through the SDK's zod input check.
import 'fake-indexeddb/auto';
import { generateText, stepCountIs, type ToolExecutionOptions } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { engramTools, type EngramTool } from '../../src/adapters/ai';
import type { Engram } from '../../src/engram';
import { openEngram } from '../engine/fixture';

let mem: Engram;
beforeEach(async () => {
  mem = await openEngram();
});
afterEach(() => mem.close());

const call: ToolExecutionOptions<Record<string, unknown>> = {
  toolCallId: 't',
  messages: [],
  context: {},
};
/** Runs a tool's execute directly (ours return promises, never streams). */
const run = async <I, O>(t: EngramTool<I, O>, input: I) => (await t.execute(input, call)) as O;
const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** The SDK's mock model, scripted: each step's tool calls, then a text that quotes the last tool output it was sent. */
function scriptedModel(steps: { toolName: string; input: unknown }[][]): MockLanguageModelV4 {
  let step = 0;
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const calls = steps[step++];
      if (calls)
        return {
          content: calls.map((c, i) => ({
            type: 'tool-call' as const,
            toolCallId: `call-${step}-${i}`,
            toolName: c.toolName,
            input: JSON.stringify(c.input),
          })),
          finishReason: { unified: 'tool-calls' as const, raw: undefined },
          usage,
          warnings: [],
        };
      const last = prompt.at(-1);
      const part = last?.role === 'tool' ? last.content.at(-1) : undefined;
      const output = part?.type === 'tool-result' ? JSON.stringify(part.output) : 'nothing';
      return {
        content: [{ type: 'text' as const, text: `tool said: ${output}` }],
        finishReason: { unified: 'stop' as const, raw: undefined },
        usage,
        warnings: [],
      };
    },
  });
}

test("remember, recall and forget run directly against the store, in the tools' scope", async () => {
  const ada = engramTools(mem, { userId: 'ada' });
  const bob = engramTools(mem, { userId: 'bob' });
  const saved = await run(ada.remember, { text: 'I live in Berlin with my cat Mochi' });
  expect(saved).toMatchObject({
    changes: [{ event: 'ADD', memory: 'I live in Berlin with my cat Mochi' }],
  });
  await run(ada.remember, { text: 'I am allergic to peanuts' });
  await run(bob.remember, { text: 'I live in Lisbon' });
  const id = saved.changes[0]!.id;
  expect((await mem.get(id)).userId).toBe('ada');

  const found = await run(ada.recall, { query: 'where do I live?' });
  expect(found.memories[0]).toMatchObject({ id, memory: 'I live in Berlin with my cat Mochi' });
  expect(found.memories.map((m) => m.memory)).not.toContain('I live in Lisbon');
  expect(Date.parse(found.memories[0]!.createdAt)).toBe((await mem.get(id)).createdAt);

  // Bob's tools cannot forget Ada's memory; Ada's can.
  await expect(run(bob.forget, { id })).rejects.toMatchObject({ code: 'NotFound' });
  expect((await mem.get(id)).memory).toBe('I live in Berlin with my cat Mochi');
  expect(await run(ada.forget, { id })).toEqual({
    id,
    forgotten: 'I live in Berlin with my cat Mochi',
  });
  await expect(mem.get(id)).rejects.toMatchObject({ code: 'NotFound' });
  const after = await run(ada.recall, { query: 'where do I live?' });
  expect(after.memories.map((m) => m.id)).not.toContain(id);
  expect((await mem.history(id)).map((h) => h.event)).toEqual(['ADD', 'DELETE']);

  // remember consolidates (infer default true): saying it again changes nothing.
  const again = await run(ada.remember, { text: 'I am allergic to peanuts' });
  expect(again).toMatchObject({ changes: [{ event: 'NOOP' }] });
});

test('generateText with the SDK mock model calls remember, then recall, and answers from what it recalled', async () => {
  const tools = engramTools(mem, { userId: 'ada' });
  const result = await generateText({
    model: scriptedModel([
      [{ toolName: 'remember', input: { text: 'My sister Ines lives in Porto' } }],
      [{ toolName: 'recall', input: { query: 'where does my sister live?', limit: 2 } }],
    ]),
    tools,
    stopWhen: stepCountIs(5),
    prompt: 'Remember my sister, then tell me where she lives.',
  });
  expect(result.steps.map((s) => s.toolCalls.map((c) => c.toolName))).toEqual([
    ['remember'],
    ['recall'],
    [],
  ]);
  const stored = (await mem.getAll({ userId: 'ada' })).results;
  expect(stored.map((m) => m.memory)).toEqual(['My sister Ines lives in Porto']);
  const recalled = result.steps[1]!.toolResults[0]!.output as {
    memories: { id: string; memory: string }[];
  };
  expect(recalled.memories).toEqual([
    expect.objectContaining({ id: stored[0]!.id, memory: 'My sister Ines lives in Porto' }),
  ]);
  // The model's final answer was built from the recall output the SDK sent back to it.
  expect(result.text).toContain('My sister Ines lives in Porto');
  expect(result.text).toContain(stored[0]!.id);
});

test('zod rejects bad tool input before a tool runs: nothing is stored or deleted', async () => {
  const tools = engramTools(mem, { userId: 'ada', maxRecall: 3 });
  await run(tools.remember, { text: 'I drink green tea' });
  const schema = (t: { inputSchema: unknown }) =>
    t.inputSchema as { safeParse(v: unknown): { success: boolean } };
  expect(schema(tools.remember).safeParse({ text: '   ' }).success).toBe(false);
  expect(schema(tools.remember).safeParse({}).success).toBe(false);
  expect(schema(tools.recall).safeParse({ query: 'tea', limit: 4 }).success).toBe(false); // over maxRecall
  expect(schema(tools.recall).safeParse({ query: 'tea', limit: 2.5 }).success).toBe(false);
  expect(schema(tools.recall).safeParse({ query: 'tea', limit: 3 }).success).toBe(true);
  expect(schema(tools.forget).safeParse({ id: 42 }).success).toBe(false);

  const result = await generateText({
    model: scriptedModel([
      [
        { toolName: 'remember', input: { text: '' } },
        { toolName: 'forget', input: { id: 7 } },
        { toolName: 'recall', input: { query: 'tea', limit: 50 } },
      ],
    ]),
    tools,
    stopWhen: stepCountIs(3),
    prompt: 'bad calls',
  });
  const errors = result.steps[0]!.content.filter((p) => p.type === 'tool-error');
  expect(errors.map((e) => e.toolName).sort()).toEqual(['forget', 'recall', 'remember']);
  expect(result.steps[0]!.toolResults).toEqual([]);
  expect((await mem.getAll({ userId: 'ada' })).results.map((m) => m.memory)).toEqual([
    'I drink green tea',
  ]);
});

test('engramTools refuses a malformed scope or options with a typed EngramError', () => {
  expect(() => engramTools(mem, { userId: '' })).toThrow(
    expect.objectContaining({ code: 'InvalidArgument' }),
  );
  expect(() => engramTools(mem, { maxRecall: 0 })).toThrow(
    expect.objectContaining({ code: 'InvalidArgument' }),
  );
  expect(() => engramTools({} as Engram)).toThrow(
    expect.objectContaining({ code: 'InvalidArgument' }),
  );
});
