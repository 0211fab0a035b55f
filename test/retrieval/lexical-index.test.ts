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
