// Consolidation rules and the `skipped` report, in Node: the rule consolidator
// on given candidates, the sentence splitter, and add() through an engine.
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { Engine } from '../../src/engine/engine';
import { RuleConsolidator, type Candidate } from '../../src/memory/consolidation';
import { SentenceExtractor, splitSentences } from '../../src/memory/extractor';

const rules = new RuleConsolidator();
const decide = (text: string, candidates: Candidate[]) =>
  rules.decide({ text }, rules.prepare({ text }), candidates);
const memory = (text: string, similarity: number, id = 'm1'): Candidate => ({
  id,
  text,
  similarity,
});

describe('RuleConsolidator.decide', () => {
  test('similarity alone never makes a NOOP: a new token is an UPDATE or an ADD', () => {
    expect(decide('The meeting is at 5pm.', [memory('The meeting is at 3pm.', 0.99)])).toEqual({
      event: 'UPDATE',
      id: 'm1',
    });
    expect(decide('Order #5532 shipped.', [memory('Order #5531 shipped.', 0.99)])).toEqual({
      event: 'ADD',
    });
    expect(decide('I have a dog.', [memory('I have a cat.', 0.99)])).toEqual({ event: 'ADD' });
  });

  test('a restatement is a NOOP only above updateThreshold, on the memory that holds it', () => {
    const both = [memory('I live in Paris.', 0.9, 'paris'), memory('I live in Rome.', 0.8, 'rome')];
    expect(decide('I live in Rome!', both)).toEqual({ event: 'NOOP', id: 'rome' });
    expect(decide('I live in Rome!', [memory('I live in Rome.', 0.5)])).toEqual({ event: 'ADD' });
    expect(
      new RuleConsolidator({ updateThreshold: 0.4 }).decide(
        { text: 'I live in Rome!' },
        { query: 'I live in Rome!', retraction: false },
        [memory('I live in Rome.', 0.5)],
      ),
    ).toEqual({ event: 'NOOP', id: 'm1' });
  });

  test('notes without a verb: a changed value updates, another subject or word adds', () => {
    expect(decide('Meeting at 5pm.', [memory('Meeting at 3pm.', 0.9)])).toEqual({
      event: 'UPDATE',
      id: 'm1',
    });
    expect(
      decide('Note number 2 about topic 2.', [memory('Note number 1 about topic 1.', 0.9)]),
    ).toEqual({
      event: 'ADD',
    });
    expect(decide('Lunch with Ann.', [memory('Lunch with Bob.', 0.9)])).toEqual({ event: 'ADD' });
  });

  test('a changed value updates the memory with the same subject, not the first one', () => {
    const near = [
      memory("Bob's rent is $900.", 0.95, 'bob'),
      memory('My rent is $1,200.', 0.9, 'mine'),
    ];
    expect(decide('My rent is $1,350.', near)).toEqual({ event: 'UPDATE', id: 'mine' });
  });

  test('a retraction invalidates the memory it names; none → NOOP with a reason', () => {
    const near = [
      memory('My sister lives in Oslo.', 0.95, 'sister'),
      memory('My brother lives in Oslo.', 0.9, 'brother'),
    ];
    expect(decide('My brother no longer lives in Oslo.', near)).toEqual({
      event: 'DELETE',
      id: 'brother',
    });
    expect(decide("I don't smoke anymore.", near)).toEqual({
      event: 'NOOP',
      reason: 'nothing to retract',
    });
    expect(rules.prepare({ text: "I'm not vegetarian anymore." })).toEqual({
      query: "I'm vegetarian.",
      retraction: true,
    });
    expect(rules.prepare({ text: 'Forget my rent.' })).toEqual({
      query: 'my rent.',
      retraction: true,
    });
  });
});

describe('SentenceExtractor', () => {
  test('splits at sentence ends, not after titles or a.m./p.m. inside a sentence', () => {
    expect(splitSentences('My doctor is Dr. Patel. Dinner is at 8 p.m. on Friday! Ok?')).toEqual([
      'My doctor is Dr. Patel.',
      'Dinner is at 8 p.m. on Friday!',
      'Ok?',
    ]);
    expect(splitSentences('It starts at 9 a.m. Bring coffee.\nThanks')).toEqual([
      'It starts at 9 a.m.',
      'Bring coffee.',
      'Thanks',
    ]);
  });

  test('reports every sentence or message it leaves out, with a reason', () => {
    const out = new SentenceExtractor().extract([
      { role: 'user', content: 'I live in Berlin. Is it far? Ok' },
      { role: 'assistant', content: 'It is not far.' },
      { role: '', content: 'hi' },
    ]);
    expect(out).toEqual({
      facts: [{ text: 'I live in Berlin.', role: 'user' }],
      skipped: [
        { text: 'Is it far?', reason: 'question' },
        { text: 'Ok', reason: 'too short' },
        { text: 'It is not far.', reason: 'role not kept' },
        { text: 'hi', reason: 'too short' },
      ],
    });
  });
});

describe('add() reports what it did not store', () => {
  const open = async (name: string) =>
    Engine.open({ name, embedder: new HashEmbedder({ dim: 64 }), backend: 'cpu' });

  test("add('ok') no longer returns { results: [] } without a reason", async () => {
    const e = await open('skipped-ok');
    expect(await e.add('ok')).toEqual({
      results: [],
      skipped: [{ text: 'ok', reason: 'too short' }],
    });
    expect((await e.getAll()).results).toEqual([]);
    await e.close();
  });

  test('custom extractors: an array (the old contract) or { facts, skipped }; bad output is InvalidArgument and writes nothing', async () => {
    const e = await open('skipped-extractor');
    const old = await e.add('anything', {
      extractor: { extract: () => [{ text: 'I live in Rome.' }] },
    });
    expect([old.results.map((r) => r.memory), old.skipped]).toEqual([['I live in Rome.'], []]);
    const reported = await e.add('anything', {
      extractor: {
        extract: async () => ({
          facts: [{ text: 'I have a cat.' }],
          skipped: [{ text: 'lol', reason: 'small talk' }],
        }),
      },
    });
    expect(reported.skipped).toEqual([{ text: 'lol', reason: 'small talk' }]);
    const before = (await e.getAll()).results.length;
    for (const bad of [{ facts: [] }, { facts: [], skipped: [{ text: 1 }] }, 'facts'])
      await expect(
        e.add('anything', { extractor: { extract: () => bad as never } }),
      ).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect((await e.getAll()).results).toHaveLength(before);
    await e.close();
  });

  test("llm.extractFacts finding nothing → 'no fact'; a consolidator's bare NOOP → 'no change'", async () => {
    const e = await open('skipped-hooks');
    const none = await e.add('Hello there, how nice.', {
      llm: { extractFacts: async () => ({ facts: [] }) },
    });
    expect(none).toEqual({
      results: [],
      skipped: [{ text: 'Hello there, how nice.', reason: 'no fact' }],
    });
    const bare = await e.add('I live in Rome.', {
      consolidator: {
        prepare: (f) => ({ query: f.text, retraction: false }),
        decide: () => ({ event: 'NOOP' }),
      },
    });
    expect(bare.skipped).toEqual([{ text: 'I live in Rome.', reason: 'no change' }]);
    expect((await e.getAll()).results).toEqual([]);
    await e.close();
  });
});
