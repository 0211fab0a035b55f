// Bare questions (a turn that only asks) are scaled down after they have lent their score to the
// turns around them, so the answers fill the results.
import { expect, test } from 'vitest';
import { bareQuestion } from '../../src/retrieval/questions';
import { Retriever } from '../../src/retrieval/retriever';
import { checkRetrievalOptions } from '../../src/retrieval/engine-search';

test('bareQuestion: ends in "?" with fewer content terms than the bound, the speaker not counted', () => {
  expect(bareQuestion('Melanie: Cool! What type of music do you play?', 10, 'melanie')).toBe(true);
  // The speaker's "Name:" would count as a term: 4 content terms with it left out, 5 with it.
  expect(bareQuestion('Melanie: Cool! What type of music do you play?', 5, 'melanie')).toBe(true);
  expect(bareQuestion('Melanie: Cool! What type of music do you play?', 5)).toBe(false);
  // A statement, a question carrying facts, a long text: not bare.
  expect(bareQuestion('Melanie: The kids loved the dinosaur exhibit.', 10, 'melanie')).toBe(false);
  expect(
    bareQuestion(
      'I moved the sprint deadline to April 5 for the layout and navigation work, is that realistic for the team?',
      10,
    ),
  ).toBe(false);
  expect(bareQuestion(`${'so '.repeat(200)}why?`, 10)).toBe(false);
});

test('the questions stage ranks the answer above the bare question that asked for it', () => {
  const r = new Retriever();
  const docs = [
    { id: 'q', text: 'Caroline: What do your kids like at the museum?', speaker: 'Caroline' },
    {
      id: 'a',
      text: 'Melanie: They were stoked for the dinosaur exhibit at the museum!',
      speaker: 'Melanie',
    },
    { id: 'x', text: 'Caroline: I painted a sunset last week.', speaker: 'Caroline' },
  ];
  docs.forEach((d, i) => r.upsert({ ...d, episode: 's1', order: i }));
  const text = (id: string) => docs.find((d) => d.id === id)?.text;
  const query = 'What do the kids like?';
  const off = r.search(query, 3, { text }, { questions: false }).map((h) => h.id);
  expect(off[0]).toBe('q');
  const on = r.search(query, 3, { text }, { questions: { penalty: 0.6 } }).map((h) => h.id);
  expect(on.slice(0, 2)).toEqual(['a', 'q']);
  // Without the texts the stage has nothing to read: the order stays.
  expect(r.search(query, 3, {}, { questions: { penalty: 0.6 } }).map((h) => h.id)).toEqual(off);
});

test("a first-person question leaves the user's own questions as they are", () => {
  const r = new Retriever();
  const docs = [
    { id: 'u', text: 'Can I add three columns to the transactions table?', role: 'user' },
    {
      id: 'a',
      text: 'You can add columns to the transactions table with ALTER TABLE.',
      role: 'assistant',
    },
  ];
  docs.forEach((d, i) => r.upsert({ ...d, episode: 'b1', order: i }));
  const text = (id: string) => docs.find((d) => d.id === id)?.text;
  const score = (q: string, questions: false | object) =>
    r.search(q, 2, { text }, { questions }).find((h) => h.id === 'u')!.score;
  // Asked in the first person: the user's question keeps its score.
  const own = 'How many columns did I want to add to the transactions table?';
  expect(score(own, { penalty: 0.5 })).toBeCloseTo(score(own, false), 9);
  // Asked otherwise: a bare question, scaled down.
  const other = 'How many columns were added to the transactions table?';
  expect(score(other, { penalty: 0.5 })).toBeCloseTo(0.5 * score(other, false), 9);
});

test('retrieval.questions: bad values are refused with InvalidArgument, good ones pass', () => {
  for (const bad of [
    { maxTerms: 0 },
    { maxTerms: 2.5 },
    { penalty: -0.1 },
    { penalty: 1.5 },
    { penalty: NaN },
  ])
    expect(() => checkRetrievalOptions({ questions: bad }), JSON.stringify(bad)).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
  expect(checkRetrievalOptions({ questions: { maxTerms: 8, penalty: 0 } })).toEqual({
    questions: { maxTerms: 8, penalty: 0 },
  });
  expect(checkRetrievalOptions({ questions: false })).toEqual({ questions: false });
});
