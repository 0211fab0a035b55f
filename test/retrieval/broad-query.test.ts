// Broad queries (few topic terms: "What books has John read?") ask for memories spread over
// episodes: the episode stage weighs them with `episode.broadWeight` instead of `weight`.
import { expect, test } from 'vitest';
import { Retriever, type RetrievalOptions } from '../../src/retrieval/retriever';
import { topicTerms } from '../../src/retrieval/broad-query';
import { processQuery } from '../../src/retrieval/query';
import { checkRetrievalOptions } from '../../src/retrieval/engine-search';

test('topicTerms: the lexical terms, the names of speakers left out', () => {
  const q = processQuery('What books has John read?', 0);
  expect(topicTerms(q, (n) => n === 'John')).toBe(2); // book, read
  expect(topicTerms(q, () => false)).toBe(3); // John is no speaker: a topic
  expect(topicTerms(processQuery('What spice did John add to the soup?', 0), () => true)).toBe(3);
});

// Session s1 talks about books at length (it matches a books query as a whole); s2 holds one
// book John read among other things.
const TURNS: [string, string, string][] = [
  ['s1', 'John', 'John: I love books, books are my thing'],
  ['s1', 'Ana', 'Ana: Books! Which books do you like?'],
  ['s1', 'John', 'John: Mostly books about history, I read a lot of books'],
  ['s2', 'Ana', 'Ana: How was the trip?'],
  ['s2', 'John', 'John: Great, I read Dune on the plane'],
  ['s2', 'Ana', 'Ana: Nice, and the hotel?'],
];

function retriever(): Retriever {
  const r = new Retriever();
  TURNS.forEach(([episode, speaker, text], i) =>
    r.upsert({ id: `m${i}`, text, speaker, episode, order: i }),
  );
  return r;
}

const scores = (r: Retriever, q: string, o: RetrievalOptions) =>
  r.search(q, TURNS.length, {}, { links: false, ...o });

test('a broad query takes the broad episode weight; a specific one keeps the weight', () => {
  const r = retriever();
  const broad = 'What books has John read?';
  const def = scores(r, broad, {});
  // The defaults weigh the broad query's episodes at broadWeight 0.25, not weight 1.5.
  expect(def).toEqual(scores(r, broad, { episode: { broadTerms: 0, weight: 0.25 } }));
  expect(def).not.toEqual(scores(r, broad, { episode: { broadTerms: 0 } }));
  expect(scores(r, broad, { episode: { broadWeight: 0.2 } })).toEqual(
    scores(r, broad, { episode: { broadTerms: 0, weight: 0.2 } }),
  );
  // Three topic terms: not broad at the default bound, broad at 3.
  const specific = 'What books about history has John read?';
  expect(scores(r, specific, {})).toEqual(scores(r, specific, { episode: { broadTerms: 0 } }));
  expect(scores(r, specific, { episode: { broadTerms: 3 } })).toEqual(
    scores(r, specific, { episode: { broadTerms: 0, weight: 0.25 } }),
  );
});

test('retrieval.episode: bad broad settings are refused with InvalidArgument', () => {
  for (const bad of [
    { broadTerms: -1 },
    { broadTerms: 1.5 },
    { broadWeight: -1 },
    { broadWeight: NaN },
  ])
    expect(() => checkRetrievalOptions({ episode: bad }), JSON.stringify(bad)).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  expect(checkRetrievalOptions({ episode: { broadTerms: 0, broadWeight: 2 } })).toEqual({
    episode: { broadTerms: 0, broadWeight: 2 },
  });
});
