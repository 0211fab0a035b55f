// First-person questions ("which database did I decide on?") ask about the user's own words: by
// default the user's message ranks above the assistant's reply that repeats its words.
import { expect, test } from 'vitest';
import { Retriever } from '../../src/retrieval/retriever';
import { checkRetrievalOptions } from '../../src/retrieval/engine-search';

const DAY = 86_400_000;

function retriever(withRoles: boolean): Retriever {
  const texts: [string, string][] = [
    ['user', 'For the database I went with SQLite in the end, it is simple to run.'],
    // The reply repeats the question's words more often: on words alone it ranks first.
    [
      'assistant',
      'Good choice: SQLite as the database. The database decision keeps deployment simple.',
    ],
    ['user', 'I went hiking on Sunday.'],
    ['assistant', 'Hiking sounds lovely.'],
  ];
  const r = new Retriever();
  texts.forEach(([role, text], i) =>
    r.upsert({
      id: `m${i}`,
      text,
      ...(withRoles ? { role } : {}),
      time: i * DAY,
      episode: `s${Math.floor(i / 2)}`,
      order: i,
    }),
  );
  return r;
}

const ids = (r: Retriever, q: string, lexical: object = {}) =>
  r.search(q, 3, {}, { lexical }).map((h) => h.id);

test("a first-person question puts the user's message above the assistant's echo", () => {
  const r = retriever(true);
  const q = 'Which database did I decide on?';
  expect(ids(r, q, { firstPerson: 0 }).slice(0, 2)).toEqual(['m1', 'm0']);
  expect(ids(r, q).slice(0, 2)).toEqual(['m0', 'm1']);
});

test('a question not in the first person, or memories without roles, are left alone', () => {
  const r = retriever(true);
  const third = 'Which database was the decision?';
  expect(ids(r, third)).toEqual(ids(r, third, { firstPerson: 0 }));
  expect(ids(r, third)[0]).toBe('m1');
  const plain = retriever(false);
  const q = 'Which database did I decide on?';
  expect(ids(plain, q)).toEqual(ids(plain, q, { firstPerson: 0 }));
});

test('a negative or non-numeric first-person boost is InvalidArgument', () => {
  for (const lexical of [{ firstPerson: -1 }, { firstPerson: 'x' }, { firstPerson: Infinity }])
    expect(() => checkRetrievalOptions({ lexical })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
});
