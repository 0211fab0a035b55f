import { expect, test } from 'vitest';
import { standingKind, topicTerms, checkStandingOptions } from '../../src/retrieval/standing';
import { terms } from '../../src/retrieval/analyzer';
import { rowOf } from '../../src/retrieval/lexical-row';
import { Retriever, type RetrievalDoc } from '../../src/retrieval/retriever';
import { EngramError } from '../../src/errors';

test('instructions: imperatives that hold from now on', () => {
  for (const t of [
    'Always format code with syntax highlighting.',
    'Always include version numbers when I ask about software dependencies or libraries used. ->-> 2,26',
    'Please don’t use semicolons in JavaScript examples.',
    'Never suggest paid services.',
    'OK thanks. From now on, answer in French.',
    'please make sure to add type hints',
  ])
    expect(standingKind(t), t).toBe('instruction');
});

test('preferences: the speaker says what they prefer', () => {
  for (const t of [
    'I prefer minimal dependencies',
    "I'm trying to keep my app small, so I'd prefer simple, dependency-free solutions, how can I cache API responses?",
    'We would rather deploy on Fridays.',
    'As per my preference for pragmatic security, what should I add?',
  ])
    expect(standingKind(t), t).toBe('preference');
});

test('neither: habits, questions, narration and code are not standing instructions', () => {
  for (const t of [
    'I always go hiking on Sundays',
    'Should I always use HTTPS?',
    'Never mind, it works now.',
    'My sister never calls me back.',
    'She prefers tea.',
    'The function always returns null when the list is empty.',
    'Caroline: I went to the support group yesterday',
  ])
    expect(standingKind(t), t).toBeUndefined();
  // An instruction beats a preference in the same text.
  expect(standingKind('I prefer tabs. Always indent with tabs.')).toBe('instruction');
});

test("only a user's chat message is read: an assistant's or a role-less 'Always …' is no instruction", () => {
  const text = 'Always validate input on the server.';
  expect(rowOf({ id: 'a', text, role: 'assistant' }).info.kind).toBeUndefined();
  expect(rowOf({ id: 'u', text, role: 'user' }).info.kind).toBe('instruction');
  // No role (a note, a transcript line): not read for instructions either.
  expect(rowOf({ id: 'p', text }).info.kind).toBeUndefined();
});

test('topics bridge words a request and an instruction do not share', () => {
  expect(topicTerms(terms('Could you show me how to write a login function?'))).toContain('§code');
  expect(topicTerms(terms('How should I organize the parts of a webpage in HTML?'))).toContain(
    '§markup',
  );
  expect(topicTerms(terms('I went to the beach with my kids'))).toEqual([]);
});

// A chat: two instructions, a preference, and ordinary messages that share words with requests.
const DOCS: RetrievalDoc[] = [
  { id: 'i-code', text: 'Always format code snippets with syntax highlighting.', role: 'user' },
  {
    id: 'i-markup',
    text: 'Always mention semantic tags when I ask about markup structure.',
    role: 'user',
  },
  { id: 'p-deps', text: 'I prefer minimal dependencies in my projects.', role: 'user' },
  ...[
    'The login page shows a form for the user name and the password.',
    'Passwords are checked against the stored hash on every login.',
    'I went to the beach with my kids last weekend.',
    'The validation of the login form runs in the browser first.',
    'Our team meets on Mondays to plan the week.',
    'My cat knocked the plant off the shelf again.',
    'The budget for the trip is 500 euros.',
    'I reset my password twice this month.',
  ].map((text, i): RetrievalDoc => ({ id: `m${i}`, text, role: i % 2 ? 'assistant' : 'user' })),
];

test('a request that shares no word with an instruction brings it up, in the top results', () => {
  const r = new Retriever();
  for (const d of DOCS) r.upsert(d);
  const q = 'Write me a function to validate the login password';
  // No shared index term: only the topic (code) links them.
  const shared = terms(q).filter((t) => terms(DOCS[0]!.text).includes(t));
  expect(shared).toEqual([]);
  const on = r.search(q, 5, {}, { dense: false }).map((h) => h.id);
  expect(on.slice(0, 3)).toContain('i-code');
  expect(on).not.toContain('i-markup'); // another topic: not brought up
  const off = r.search(q, 5, {}, { dense: false, standing: false }).map((h) => h.id);
  expect(off).not.toContain('i-code');
  // A markup request brings up the markup instruction first.
  const m = r.search('Which HTML elements suit a blog layout?', 3, {}, { dense: false });
  expect(m[0]!.id).toBe('i-markup');
  // Out of scope (not allowed): never brought up.
  const scoped = r.search(q, 5, { allow: (id) => id !== 'i-code' }, { dense: false });
  expect(scoped.map((h) => h.id)).not.toContain('i-code');
});

test('standing options are checked', () => {
  expect(() => checkStandingOptions({ top: 1.5 })).toThrow(EngramError);
  expect(() => checkStandingOptions({ weight: -1 })).toThrow(EngramError);
  expect(() => checkStandingOptions({ weight: Number.NaN })).toThrow(EngramError);
  expect(() => checkStandingOptions({ top: 3, weight: 0.5, topicWeight: 2 })).not.toThrow();
});
