import { expect, test } from 'vitest';
import { terms, words } from '../../src/retrieval/analyzer';

test('words: lower case, possessives and contractions folded', () => {
  expect(words("Caroline's dog, Max! I didn't go.")).toEqual([
    'caroline',
    'dog',
    'max',
    'i',
    'did',
    'go',
  ]);
});

test('terms: stop words dropped, Porter2 stems', () => {
  expect(terms('She was running to the meetings')).toEqual(['run', 'meet']);
  expect(terms('Camping trips in the mountains')).toEqual(['camp', 'trip', 'mountain']);
});
