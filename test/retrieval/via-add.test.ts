// `--via add` in the evals: memories mapped back to the messages whose add() calls wrote or
// restated them, and search results turned into a ranked list of messages.
import { expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import type { AddResult } from '../../src/memory/ingest';
import { ingestViaAdd, parseVia, rankedMessages } from '../../eval/via-add';

/** An engine whose add() returns scripted results, one per call, recording what it was given. */
function scripted(results: AddResult[]) {
  const calls: unknown[][] = [];
  const engine = {
    add: (...args: unknown[]) => {
      calls.push(args);
      return Promise.resolve(results[calls.length - 1]!);
    },
  } as unknown as Engine;
  return { engine, calls };
}

const msg = (id: string, content: string) => ({
  id,
  role: 'user',
  name: 'Ada',
  content,
  runId: 'r1',
  time: 1_700_000_000_000,
});

test('each memory maps to the messages that added, updated or restated it, newest first', async () => {
  const { engine, calls } = scripted([
    { results: [{ id: 'a', memory: 'I live in Berlin', event: 'ADD' }], skipped: [] },
    {
      results: [
        { id: 'a', memory: 'I live in Paris', event: 'UPDATE', previousMemory: 'I live in Berlin' },
        { id: 'b', memory: 'I have a cat', event: 'ADD' },
      ],
      skipped: [],
    },
    {
      results: [{ id: 'a', memory: 'I live in Paris', event: 'NOOP' }],
      skipped: [{ text: 'Where do I live?', reason: 'question' }],
    },
    { results: [{ id: 'b', memory: 'I have a cat', event: 'DELETE' }], skipped: [] },
  ]);
  const r = await ingestViaAdd(
    engine,
    [
      msg('m1', 'I live in Berlin.'),
      msg('m2', 'I live in Paris. I have a cat.'),
      msg('m3', 'I live in Paris. Where do I live?'),
      msg('m4', 'I no longer have a cat.'),
    ],
    ['user'],
  );
  expect([...r.sources]).toEqual([
    ['a', ['m3', 'm2', 'm1']],
    ['b', ['m2']],
  ]);
  expect(r.events).toEqual({ ADD: 2, UPDATE: 1, NOOP: 1, DELETE: 1 });
  expect(r.skipped).toEqual({ question: 1 });
  // One add() per message, as a Mem0-style chat message with its speaker, time and run.
  expect(calls[0]).toEqual([
    [{ role: 'user', name: 'Ada', content: 'I live in Berlin.' }],
    { runId: 'r1', eventTime: 1_700_000_000_000, roles: ['user'] },
  ]);
  expect(calls).toHaveLength(4);
});

test('ranked memories become ranked messages, each once; unknown ids give none', () => {
  const sources = new Map([
    ['a', ['m3', 'm2', 'm1']],
    ['b', ['m2']],
  ]);
  expect(rankedMessages(['b', 'x', 'a'], sources)).toEqual(['m2', 'm3', 'm1']);
  expect(rankedMessages([], sources)).toEqual([]);
});

test('--via takes add or addMany', () => {
  expect(parseVia('add')).toBe('add');
  expect(parseVia('addMany')).toBe('addMany');
  expect(() => parseVia('upsert')).toThrow(/--via/);
});
