// Entity stages: round-robin merge of per-entity rankings, and entity links (shared rare terms).
import { expect, test } from 'vitest';
import { entityRoundRobin } from '../../src/retrieval/entities';
import { LexicalIndex } from '../../src/retrieval/lexical-index';
import { Retriever } from '../../src/retrieval/retriever';

const hit = (id: string) => ({ id, score: 1 });

test('round-robin gives each named entity a turn; fewer than two entities: unchanged', () => {
  const ranking = ['j1', 'j2', 'j3', 'g1', 'x1', 'g2'].map(hit);
  const about = (id: string, e: string) => id.startsWith(e[0]!);
  const merged = entityRoundRobin(ranking, ['jon', 'gina'], about, 4, { keepOverall: false });
  expect(merged.map((h) => h.id)).toEqual(['j1', 'g1', 'j2', 'g2']);
  const withAll = entityRoundRobin(ranking, ['jon', 'gina'], about, 6);
  expect(withAll.map((h) => h.id)).toEqual(['j1', 'j2', 'g1', 'j3', 'g2', 'x1']);
  expect(entityRoundRobin(ranking, ['jon', 'zed'], about, 3).map((h) => h.id)).toEqual([
    'j1',
    'j2',
    'j3',
  ]);
});

test('sharedTerms links documents through rare terms only, weighted by idf', () => {
  const ix = new LexicalIndex();
  ix.add('a', 'Jon opened a dance studio in Rome');
  ix.add('b', 'Rome was lovely');
  ix.add('c', 'the dance was fun');
  for (let i = 0; i < 10; i++) ix.add(`f${i}`, `fun filler dance ${i}`);
  const links = ix.sharedTerms('a', 3);
  expect(links.map((l) => l.id)).toEqual(['b']); // 'dance' is in 12 documents: not rare
  expect(links[0]!.weight).toBeCloseTo(ix.idf('rome'));
  expect(ix.sharedTerms('a', 20).map((l) => l.id)).toContain('c');
});

test('entity links lift a memory that shares a rare name with the hits', () => {
  const r = new Retriever();
  r.upsert({ id: 'q', text: 'Gina launched the Zorbla clothing line' });
  r.upsert({ id: 'other', text: 'Zorbla sold out in a week' });
  r.upsert({ id: 'noise', text: 'a week of rain' });
  const off = { dense: false, episode: false, time: false, context: false, rerank: false } as const;
  const run = (links: object | false) =>
    r.search('clothing line Gina launched', 3, {}, { ...off, links } as never).map((h) => h.id);
  expect(run(false)).toEqual(['q']);
  expect(run({ shared: 5 }).slice(0, 2)).toEqual(['q', 'other']); // 'noise' via 'week', a hop further
});
