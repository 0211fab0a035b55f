// The BEAM harness: the loader and the metrics on a small chat written here (needs no data).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadBeam, newerFirst, parseAnchor } from '../../eval/beam-data';
import { runBeam } from '../../eval/beam-harness';

/** A two-batch chat: the rent changes in batch 2 (message 6 updates message 0). */
function writeChat(): string {
  const dir = mkdtempSync(join(tmpdir(), 'beam-'));
  mkdirSync(join(dir, '100K', '1'), { recursive: true });
  const m = (id: number, role: string, content: string, time_anchor?: string) => ({
    role,
    id,
    content,
    ...(time_anchor ? { time_anchor } : {}),
  });
  const chat = [
    {
      batch_number: 1,
      turns: [
        [
          m(
            0,
            'user',
            'My flat rent is 900 euros a month, can you plan a budget? ->-> 1,1',
            'March-15-2024',
          ),
          m(
            1,
            'assistant',
            'Sure: with rent at 900 euros, set aside the rest for food and savings.',
          ),
        ],
        [
          m(2, 'user', 'I also adopted a greyhound called Comet. ->-> 1,2'),
          m(3, 'assistant', 'Greyhounds love short sprints and long naps.'),
        ],
      ],
    },
    {
      batch_number: 2,
      turns: [
        [
          m(4, 'user', 'I started learning the cello on Tuesdays. ->-> 2,1', 'May-02-2024'),
          m(5, 'assistant', 'Cello lessons once a week are a good pace.'),
        ],
        [
          m(6, 'user', 'My flat rent went up to 1,050 euros a month. ->-> 2,2'),
          m(7, 'assistant', 'Then the budget needs 150 euros more for rent.'),
        ],
      ],
    },
  ];
  const questions = {
    information_extraction: [
      { question: 'What is the name of my greyhound?', source_chat_ids: [2, 2] },
    ],
    knowledge_update: [
      {
        question: 'How much is my flat rent a month?',
        source_chat_ids: { original_info: [0], updated_info: [6] },
      },
    ],
    abstention: [{ question: 'What is my sister called?' }],
    temporal_reasoning: [
      {
        question: 'When did I start learning the cello?',
        source_chat_ids: { first_event: [4], second_event: [99] },
      },
    ],
  };
  writeFileSync(join(dir, '100K', '1', 'chat.json'), JSON.stringify(chat));
  writeFileSync(join(dir, '100K', '1', 'probing_questions.json'), JSON.stringify(questions));
  return dir;
}

test('loader: markers stripped, time anchors per batch, evidence flattened, unknown ids and abstention left out', () => {
  const [chat] = loadBeam(writeChat());
  expect(chat!.messages).toHaveLength(8);
  expect(chat!.messages[0]!.text).toBe('My flat rent is 900 euros a month, can you plan a budget?');
  expect(chat!.messages[3]!.time).toBe(Date.UTC(2024, 2, 15)); // inherits its batch's anchor
  expect(chat!.messages[7]!.time).toBe(parseAnchor('May-02-2024'));
  expect(chat!.messages[7]!.batch).toBe(2);
  expect(chat!.dropped).toBe(1);
  const byAbility = Object.fromEntries(chat!.questions.map((q) => [q.ability, q]));
  expect(byAbility.information_extraction!.evidence).toEqual(['2']);
  expect(byAbility.temporal_reasoning!.evidence).toEqual(['4']);
  expect(byAbility.knowledge_update!.update).toEqual({ original: ['0'], updated: ['6'] });
  expect(() => parseAnchor('Smarch-1-2024')).toThrow();
});

test('newerFirst: the best updated statement must rank above every original one', () => {
  const u = { original: ['a', 'b'], updated: ['c', 'd'] };
  expect(newerFirst(['x', 'd', 'a', 'c'], u)).toBe(1);
  expect(newerFirst(['b', 'd', 'c'], u)).toBe(0);
  expect(newerFirst(['d'], u)).toBe(1); // originals not found count as below
  expect(newerFirst(['a', 'x'], u)).toBe(0); // no updated statement found
});

test('harness on a small chat: recall per ability and newer-first from the engine', async () => {
  const dir = writeChat();
  const r = await runBeam({ data: dir, ks: [1, 2, 8], cacheDir: join(dir, 'cache') }, [
    ['BM25 only', { dense: false, episode: false, context: false, links: false, time: false }],
  ]);
  expect(r.questions).toBe(3);
  expect(r.messages).toEqual({ '1': 8 });
  expect(r.byCategory.information_extraction!['recall@2']).toBe(1);
  expect(r.overall['recall@8']).toBe(1); // every evidence id among the 8 messages
  expect(r.knowledgeUpdate.questions).toBe(1);
  expect([0, 1]).toContain(r.knowledgeUpdate.newerFirst);
  expect(r.configs['BM25 only']!.byCategory.information_extraction!['recall@1']).toBe(1);
  expect(r.embedded).toBe(8 + 3);
}, 120_000);

test('harness --via add: each message an add() call, results mapped back to their messages', async () => {
  const dir = writeChat();
  const r = await runBeam({
    data: dir,
    ks: [2, 8],
    cacheDir: join(dir, 'cache'),
    via: 'add',
    embedder: 'hash',
  });
  expect(r.via).toBe('add');
  expect(r.questions).toBe(3);
  // "I also adopted a greyhound called Comet." is stored as a fact of message 2 and found.
  expect(r.byCategory.information_extraction!['recall@2']).toBe(1);
  // Message 0 is a question (not stored by the extractor), so the update's original is not found.
  expect(r.overall['recall@8']).toBeGreaterThan(0);
  expect(r.overall['recall@8']).toBeLessThan(1);
}, 120_000);
