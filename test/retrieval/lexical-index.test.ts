import { expect, test } from 'vitest';
import { LexicalIndex } from '../../src/retrieval/lexical-index';

const docs: [string, string][] = [
  ['a', 'Melanie went camping in the mountains with her kids'],
  ['b', 'Caroline painted a sunrise over the lake'],
  ['c', 'The kids loved the dinosaur exhibit at the museum'],
  ['d', 'Camping again! The forest camping trip was great'],
];

test('BM25 ranks by term overlap, rare terms and term frequency', () => {
  const ix = new LexicalIndex();
  for (const [id, t] of docs) ix.add(id, t);
  expect(ix.search('camping trip', 4).map((h) => h.id)).toEqual(['d', 'a']);
  expect(ix.search('dinosaur museum', 1)[0]!.id).toBe('c');
  expect(ix.search('unknown words', 5)).toEqual([]);
  expect(ix.search('kids', 5, (id) => id !== 'a').map((h) => h.id)).toEqual(['c']);
});

test('updates and removes are incremental; a snapshot restores the same scores', () => {
  const ix = new LexicalIndex();
  for (const [id, t] of docs) ix.add(id, t);
  ix.add('b', 'Caroline went camping too'); // update
  expect(ix.search('sunrise', 5)).toEqual([]);
  expect(ix.search('camping', 5).map((h) => h.id)).toContain('b');
  ix.remove('d');
  expect(ix.size).toBe(3);
  expect(ix.has('d')).toBe(false);
  const snap = JSON.parse(JSON.stringify(ix.snapshot()));
  const again = LexicalIndex.fromSnapshot(snap);
  expect(again.search('camping kids', 5)).toEqual(ix.search('camping kids', 5));
});

test('feedback terms come from the given documents, query terms left out', () => {
  const ix = new LexicalIndex();
  for (const [id, t] of docs) ix.add(id, t);
  const fb = ix.feedbackTerms(['a', 'd'], 3, new Set(['camp']));
  expect(fb.has('camp')).toBe(false);
  expect([...fb.values()][0]).toBe(1);
});

test('after many re-indexes and removals (postings compacted, documents renumbered) the index scores as one built afresh', () => {
  const words = ['camping', 'kids', 'lake', 'museum', 'forest', 'sunrise', 'trip', 'dinosaur'];
  const text = (i: number, round: number) =>
    `${words[i % 8]} ${words[(i * 3 + round) % 8]} ${words[(i + round * 5) % 8]} note${i % 37}`;
  const churned = new LexicalIndex({ k1: 1.2, b: 0.4 });
  for (let i = 0; i < 1500; i++) churned.add(`m${i}`, text(i, 0));
  // Each round re-indexes a third and removes a few: document numbers run far past the count.
  for (let round = 1; round <= 6; round++) {
    for (let i = round % 3; i < 1500; i += 3) churned.add(`m${i}`, text(i, round));
    for (let i = round; i < 1500; i += 97) churned.remove(`m${i}`);
  }
  const fresh = LexicalIndex.fromSnapshot(churned.snapshot(), { k1: 1.2, b: 0.4 });
  expect(fresh.size).toBe(churned.size);
  const query = new Map([
    ['camp', 1],
    ['lake', 1],
    ['note5', 1],
  ]);
  for (const t of query.keys()) expect(churned.idf(t)).toBe(fresh.idf(t));
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  expect(sorted(churned.scores(query))).toEqual(sorted(fresh.scores(query)));
  for (const pool of [1, 10, 300]) {
    expect(sorted(churned.topScores(query, pool))).toEqual(sorted(fresh.topScores(query, pool)));
    expect(churned.topScores(query, pool).size).toBe(pool);
  }
  expect(churned.sharedTerms('m10', 100).length).toBeGreaterThan(0);
  expect(churned.sharedTerms('m10', 100)).toEqual(fresh.sharedTerms('m10', 100));
});
