// The knowledge-update stage: a later restatement with a changed value ranks above the earlier
// memory, through the whole Retriever and in the pure function.
import { expect, test } from 'vitest';
import { Retriever } from '../../src/retrieval/retriever';
import { preferNewer, type UpdateDoc } from '../../src/retrieval/updates';
import { terms } from '../../src/retrieval/analyzer';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1);

function retriever(texts: string[]): Retriever {
  const r = new Retriever();
  texts.forEach((text, i) =>
    r.upsert({ id: `m${i}`, text, time: T0 + i * DAY, episode: `s${i}`, order: i }),
  );
  return r;
}

/** A memory as the update stage sees it: its terms, event time, write order (default its time) and role. */
function doc(text: string, time: number, more: { seq?: number; role?: string } = {}): UpdateDoc {
  return {
    terms: new Set(terms(text)),
    time,
    seq: more.seq ?? time,
    ...(more.role ? { role: more.role } : {}),
  };
}

/** Ids by score, best first. */
const ranked = (scores: Map<string, number>) =>
  [...scores].sort((a, b) => b[1] - a[1]).map(([id]) => id);

test('a later memory with a changed value ranks above the earlier one; unchanged values do not move', () => {
  const texts = [
    // The earlier statement says more about the subject: on words alone it ranks first.
    'The average response time of the dashboard API is 400ms.',
    'Sprint 2 targets analytics by April 19.',
    'After caching the response time of the dashboard API is down to 250ms.',
    'I like hiking on weekends.',
  ];
  const r = retriever(texts);
  const q = 'What is the average response time of the dashboard API?';
  const off = r.search(q, 4, {}, { updates: false, context: false }).map((h) => h.id);
  expect(off.indexOf('m0')).toBeLessThan(off.indexOf('m2'));
  const on = r.search(q, 4, {}, { updates: {}, context: false }).map((h) => h.id);
  expect(on.indexOf('m2')).toBeLessThan(on.indexOf('m0'));
  expect(on.slice(0, 2).sort()).toEqual(['m0', 'm2']);

  // Same value restated later (no change), or an unrelated value: the order of the words stays.
  for (const later of [
    'The dashboard API response time is still 400ms now.',
    'The dashboard API has 12 endpoints.',
  ]) {
    const r2 = retriever([texts[0]!, texts[1]!, later]);
    const ids = (updates: false | object) =>
      r2.search(q, 3, {}, { updates, context: false }).map((h) => h.id);
    expect(ids(false)[0]).toBe('m0');
    expect(ids({})).toEqual(ids(false));
  }
});

test('a query that names the earlier value asks for the earlier memory: nothing is lifted over it', () => {
  const r = retriever([
    'Note 127 about the garden: water the tomatoes and check the beans.',
    'Note 128 about the garden: water the tomatoes and check the beans.',
  ]);
  const ids = (q: string) => r.search(q, 2, {}, { updates: {}, context: false }).map((h) => h.id);
  expect(ids('note 127 about the garden: water the tomatoes and check the beans')[0]).toBe('m0');
  // Without the value in the query the later note is the restatement and comes first.
  expect(ids('what should I water in the garden?')[0]).toBe('m1');
});

test('preferNewer: chains end with the latest on top; time, not write order, decides', () => {
  const docs = new Map([
    ['a', doc('I have merged 150 commits into the main branch', T0, { seq: 0 })],
    ['b', doc('The main branch now has 165 commits merged', T0 + DAY, { seq: 1 })],
    ['c', doc('Commits merged into the main branch reached 180', T0 + 2 * DAY, { seq: 2 })],
    // Written first but set later in time: the latest by event time.
    ['d', doc('The main branch has 200 commits merged', T0 + 3 * DAY, { seq: -1 })],
  ]);
  const scores = new Map([
    ['a', 1],
    ['b', 0.9],
    ['c', 0.8],
    ['d', 0.7],
  ]);
  const q = new Set(terms('How many commits have been merged into the main branch?'));
  expect(ranked(preferNewer(scores, q, (id) => docs.get(id), {}))).toEqual(['d', 'c', 'b', 'a']);
  expect(scores.get('a')).toBe(1); // input unchanged
  // A later memory far weaker than the earlier one (below ratio) is left where it is.
  const weak = preferNewer(new Map([...scores, ['d', 0.3]]), q, (id) => docs.get(id), {
    ratio: 0.5,
  });
  expect(weak.get('d')).toBe(0.3);
  // A memory matching fewer than minShared query terms is not an update.
  const strict = preferNewer(scores, q, (id) => docs.get(id), { minShared: 5 });
  expect([...strict]).toEqual([...scores]);
});

test('preferNewer with cues: a later memory that says it changed the value is lifted, even scored low, over one that does not', () => {
  const docs = new Map([
    ['old', doc('The daily call quota of the API key is 1000 calls', T0)],
    ['plain', doc('The API key call quota table lists 500 calls for tests', T0 + DAY)],
    ['cued', doc('I updated the API key: the daily call quota is 1200 calls', T0 + 2 * DAY)],
  ]);
  const scores = new Map([
    ['old', 1],
    ['plain', 0.8],
    ['cued', 0.2], // below ratio · older: lifted only for its cue
  ]);
  const q = new Set(terms('What is the daily call quota of the API key?'));
  const order = (o: object) => ranked(preferNewer(scores, q, (id) => docs.get(id), o));
  expect(order({})).toEqual(['plain', 'old', 'cued']);
  expect(order({ cues: true })[0]).toBe('cued');
  expect(order({ cues: true }).indexOf('cued')).toBeLessThan(order({ cues: true }).indexOf('old'));
});

test('preferNewer: a restatement rises above every earlier memory it supersedes; an assistant message supersedes none', () => {
  const docs = new Map([
    ['said', doc('I secured 3 interviews for executive producer roles', T0, { role: 'user' })],
    [
      'echo',
      doc('Securing 3 interviews for executive producer roles is a good sign', T0 + 1, {
        role: 'assistant',
      }),
    ],
    ['now', doc('I secured 5 interviews for producer roles so far', T0 + DAY, { role: 'user' })],
    [
      'guess',
      doc('You could aim for 8 interviews for executive producer roles', T0 + 2 * DAY, {
        role: 'assistant',
      }),
    ],
  ]);
  const scores = new Map([
    ['echo', 1],
    ['said', 0.9],
    ['guess', 0.85],
    ['now', 0.6],
  ]);
  const q = new Set(terms('How many interviews have I secured for executive producer roles?'));
  const order = ranked(preferNewer(scores, q, (id) => docs.get(id), {}));
  // The user's restatement tops both the original and the assistant's echo of it; the
  // assistant's later suggestion of another value stays where its words put it.
  expect(order).toEqual(['now', 'echo', 'said', 'guess']);
});

test('preferNewer: a long memory is compared by its passage that matches the query', () => {
  const docs = new Map<string, UpdateDoc>([
    ['old', { terms: new Set(terms('My Zotero library has 45 sources')), time: T0, seq: 0 }],
    [
      'long',
      {
        // Its numbers are in a passage about something else.
        terms: new Set(terms('Zotero library sources tagged by theme. Chapter 7 runs 2,500 words')),
        passages: [
          new Set(terms('Zotero library sources tagged by theme.')),
          new Set(terms('Chapter 7 runs 2,500 words')),
        ],
        time: T0 + DAY,
        seq: 1,
      },
    ],
  ]);
  const scores = new Map([
    ['old', 1],
    ['long', 0.9],
  ]);
  const q = new Set(terms('How many sources are in my Zotero library?'));
  expect([...preferNewer(scores, q, (id) => docs.get(id), {})]).toEqual([...scores]);
  // The same words with the count in the matching passage: an update.
  docs.set('long', {
    ...docs.get('long')!,
    passages: [new Set(terms('Zotero library now has 52 sources')), new Set(terms('Chapter 7'))],
  });
  const out = preferNewer(scores, q, (id) => docs.get(id), {});
  expect(out.get('long')!).toBeGreaterThan(out.get('old')!);
});
