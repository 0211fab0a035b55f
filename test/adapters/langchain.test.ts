// engram/langchain against the real @langchain/core (1.x), on an engine opened in Node
// (fake-indexeddb, hash embedder): the retriever through Runnable.invoke and a piped chain,
// the chat history as a list, through RunnableWithMessageHistory, and across a reopen.
import 'fake-indexeddb/auto';
import {
  AIMessage,
  ChatMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
  type BaseMessage,
} from '@langchain/core/messages';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { FakeChatModel } from '@langchain/core/utils/testing';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { EngramChatMessageHistory, EngramRetriever } from '../../src/adapters/langchain';
import type { Engram } from '../../src/engram';
import { openEngram, uniqueName } from '../engine/fixture';

let name: string;
let mem: Engram;
beforeEach(async () => {
  name = uniqueName('langchain');
  mem = await openEngram({ name });
});
afterEach(() => mem.close());

const shape = (ms: BaseMessage[]) => ms.map((m) => ({ type: m.type, text: m.text, name: m.name }));

test('EngramRetriever.invoke returns the search hits as Documents, best first, in scope', async () => {
  const added = await mem.addMany([
    { text: 'I live in Berlin with my cat Mochi', userId: 'ada', metadata: { topic: 'home' } },
    { text: 'I am allergic to peanuts', userId: 'ada', metadata: { topic: 'health' } },
    { text: 'My favourite band is Stereolab', userId: 'ada' },
    { text: 'I live in Lisbon by the river', userId: 'bob' },
  ]);
  const berlinId = added.results[0]!.id;
  const retriever = new EngramRetriever({ memory: mem, k: 2, searchOptions: { userId: 'ada' } });
  const docs = await retriever.invoke('where do I live?');
  const direct = (await mem.search('where do I live?', { userId: 'ada', limit: 2 })).results;

  expect(docs).toHaveLength(2);
  expect(docs[0]!.pageContent).toBe('I live in Berlin with my cat Mochi');
  expect(docs[0]!.id).toBe(berlinId);
  expect(docs[0]!.metadata).toMatchObject({
    id: berlinId,
    userId: 'ada',
    version: 1,
    metadata: { topic: 'home' },
  });
  // The same hits and scores as search itself, in the same order.
  expect(docs.map((d) => [d.metadata.id, d.metadata.score])).toEqual(
    direct.map((r) => [r.id, r.score]),
  );
  expect(docs[0]!.metadata.score).toBeGreaterThan(docs[1]!.metadata.score);
  expect(docs.map((d) => d.pageContent)).not.toContain('I live in Lisbon by the river');

  // Filters pass through; the retriever composes like any Runnable.
  const health = new EngramRetriever({
    memory: mem,
    searchOptions: { userId: 'ada', filters: { topic: 'health' } },
  });
  const joined = await health.pipe((ds) => ds.map((d) => d.pageContent).join('\n')).invoke('food');
  expect(joined).toBe('I am allergic to peanuts');

  await expect(retriever.invoke('')).rejects.toMatchObject({ code: 'EmptyText' });
  expect(() => new EngramRetriever({ memory: mem, k: 0 })).toThrow(
    expect.objectContaining({ code: 'InvalidArgument' }),
  );
});

test('EngramChatMessageHistory stores messages as scoped memories with role and name, and returns them in order', async () => {
  const history = new EngramChatMessageHistory({ memory: mem, sessionId: 's1', userId: 'ada' });
  const other = new EngramChatMessageHistory({ memory: mem, sessionId: 's2', userId: 'ada' });
  const toolCall = {
    id: 'call-1',
    name: 'weather',
    args: { city: 'Berlin' },
    type: 'tool_call' as const,
  };
  const messages: BaseMessage[] = [
    new SystemMessage('You are a terse assistant.'),
    new HumanMessage({ content: 'I live in Berlin with my cat Mochi', name: 'Ada' }),
    new AIMessage({ content: 'Checking the weather there.', tool_calls: [toolCall] }),
    new ToolMessage({ content: 'Berlin: 4 degrees, rain', tool_call_id: 'call-1' }),
    new AIMessage('It is 4 degrees and raining in Berlin.'),
    new ChatMessage({ content: 'Good answer.', role: 'critic' }),
  ];
  await history.addMessages(messages);
  await other.addUserMessage('This is another conversation');
  for (let i = 0; i < 20; i++) await history.addUserMessage(`message number ${i}`);

  const back = await history.getMessages();
  expect(back).toHaveLength(26);
  expect(shape(back.slice(0, 6))).toEqual(shape(messages));
  expect(back.slice(6).map((m) => m.text)).toEqual(
    Array.from({ length: 20 }, (_, i) => `message number ${i}`),
  );
  expect((back[2] as AIMessage).tool_calls).toEqual([toolCall]);
  expect((back[3] as ToolMessage).tool_call_id).toBe('call-1');
  expect((back[5] as ChatMessage).role).toBe('critic');
  // A history without the user is another conversation, though its runId is the same.
  expect(
    await new EngramChatMessageHistory({ memory: mem, sessionId: 's1' }).getMessages(),
  ).toEqual([]);
  expect(shape(await other.getMessages())).toEqual([
    { type: 'human', text: 'This is another conversation', name: undefined },
  ]);

  // As memories: in the session's scope, with Mem0 roles and the speaker's name, searchable.
  const stored = (await mem.getAll({ runId: 's1', userId: 'ada', limit: 6 })).results;
  expect(stored.map((m) => [m.role, m.name])).toEqual([
    [undefined, undefined],
    ['user', 'Ada'],
    ['assistant', undefined],
    ['tool', undefined],
    ['assistant', undefined],
    ['critic', undefined],
  ]);
  const hit = (await mem.search('where does Ada live?', { runId: 's1', limit: 1 })).results[0];
  expect(hit?.memory).toBe('I live in Berlin with my cat Mochi');

  // Bad input is refused, and nothing is stored.
  await expect(
    history.addMessage(new HumanMessage({ content: [{ type: 'text', text: 'blocks' }] })),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
  await expect(history.addUserMessage('')).rejects.toMatchObject({ code: 'EmptyText' });
  expect(await history.getMessages()).toHaveLength(26);

  // clear() removes this conversation only.
  await history.clear();
  expect(await history.getMessages()).toEqual([]);
  expect(await other.getMessages()).toHaveLength(1);
  expect((await mem.getAll({ runId: 's1' })).results).toEqual([]);
});

test('the history survives a reopen of the store, in order', async () => {
  const history = new EngramChatMessageHistory({ memory: mem, sessionId: 'chat' });
  await history.addUserMessage('Remember that my train leaves at 9');
  await history.addAIMessage('Noted: the train at 9.');
  await mem.close();
  mem = await openEngram({ name });
  const reopened = new EngramChatMessageHistory({ memory: mem, sessionId: 'chat' });
  expect(shape(await reopened.getMessages())).toEqual([
    { type: 'human', text: 'Remember that my train leaves at 9', name: undefined },
    { type: 'ai', text: 'Noted: the train at 9.', name: undefined },
  ]);
});

test('RunnableWithMessageHistory keeps a conversation in Engram and feeds it back to the model', async () => {
  const chain = new RunnableWithMessageHistory({
    runnable: new FakeChatModel({}), // answers with every message it was sent, one per line
    getMessageHistory: (sessionId: string) =>
      new EngramChatMessageHistory({ memory: mem, sessionId, userId: 'ada' }),
  });
  const config = { configurable: { sessionId: 'run-1' } };
  const first = await chain.invoke([new HumanMessage('I live in Berlin')], config);
  expect(first.text).toBe('I live in Berlin');
  const second = await chain.invoke([new HumanMessage('Where do I live?')], config);
  // The model was sent the first turn, read back from the store, before the new message.
  expect(second.text).toBe(['I live in Berlin', 'I live in Berlin', 'Where do I live?'].join('\n'));
  const stored = new EngramChatMessageHistory({ memory: mem, sessionId: 'run-1', userId: 'ada' });
  expect((await stored.getMessages()).map((m) => [m.type, m.text])).toEqual([
    ['human', 'I live in Berlin'],
    ['ai', 'I live in Berlin'],
    ['human', 'Where do I live?'],
    ['ai', second.text],
  ]);
});

test("a message the store's admit hook rejects is refused with Rejected, and the history is unchanged", async () => {
  const guarded = await openEngram({
    admit: (fact) => (/password/i.test(fact) ? { reject: 'secret' } : 'accept'),
  });
  try {
    const history = new EngramChatMessageHistory({ memory: guarded, sessionId: 's' });
    await history.addUserMessage('hello there');
    await expect(history.addUserMessage('my password is hunter2')).rejects.toMatchObject({
      code: 'Rejected',
      details: { reason: 'rejected: secret' },
    });
    expect((await history.getMessages()).map((m) => m.text)).toEqual(['hello there']);
  } finally {
    await guarded.close();
  }
});
