import { expect, test } from 'vitest';
import { Retriever, type RetrievalDoc, type RetrievalOptions } from '../../src/retrieval/retriever';
import { boostSpeakers, checkSpeakerOptions } from '../../src/retrieval/speaker';
import { checkRetrievalOptions } from '../../src/retrieval/engine-search';

// Texts without a "Speaker:" prefix: only the speaker field says who spoke, so the query's
// name matches no text and only the speaker stages react to it.
const turn = (id: string, episode: string, order: number, speaker: string, text: string) =>
  ({ id, episode, order, speaker, text }) satisfies RetrievalDoc;
const DOCS: RetrievalDoc[] = [
  turn('s1:0', 's1', 0, 'Bob', 'What are the names of your pets?'),
  turn('s1:1', 's1', 1, 'Alice', 'Luna and Oliver, two cats'),
  turn('s1:2', 's1', 2, 'Bob', 'Lovely, my neighbour has cats too'),
  turn('s2:0', 's2', 0, 'Bob', 'I walked in the park with my sister'),
  turn('s2:1', 's2', 1, 'Alice', 'Luna slept all day on the sofa'),
  turn('s2:2', 's2', 2, 'Bob', 'The weather was lovely for the park'),
  turn('s3:0', 's3', 0, 'Bob', 'Work was busy this week'),
  turn('s3:1', 's3', 1, 'Alice', 'I painted a sunset over the lake'),
];

function make(): Retriever {
  const r = new Retriever();
  for (const d of DOCS) r.upsert(d);
  return r;
}

const ONLY_CONTEXT = {
  dense: false,
  episode: false,
  time: false,
  links: false,
  rerank: false,
  context: { radius: 1, weight: 0.5 },
} as const;

test('boostSpeakers scales only the named speakers, any case, on a copy', () => {
  const scores = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  const who: Record<string, string> = { a: 'alice', b: 'bob' };
  const out = boostSpeakers(scores, ['ALICE'], (id) => who[id], 0.5);
  expect([...out]).toEqual([
    ['a', 1.5],
    ['b', 2],
    ['c', 3],
  ]);
  expect(scores.get('a')).toBe(1); // input untouched
  expect(boostSpeakers(scores, ['Alice'], (id) => who[id], 0)).toEqual(scores);
  expect(boostSpeakers(scores, [], (id) => who[id], 1)).toEqual(scores);
});

test('the late boost lifts a named speaker’s answer that only context found; the early one cannot', () => {
  const r = make();
  const q = 'What are the names of Alice’s pets?';
  // The question (Bob) matches; Alice's answer has no query word and gets half its score
  // from context. Boosted early, it has no score yet to boost.
  const early = r.search(q, 3, {}, { ...ONLY_CONTEXT, lexical: { speaker: 2, speakerLate: 0 } });
  expect(early[0]!.id).toBe('s1:0');
  expect(early.find((h) => h.id === 's1:1')!.score).toBeCloseTo(0.5 * early[0]!.score, 9);
  // Boosted late (× 3), the answer (0.5 · 3) passes the question (1).
  const late = r.search(q, 3, {}, { ...ONLY_CONTEXT, lexical: { speaker: 0, speakerLate: 2 } });
  expect(late.map((h) => h.id).slice(0, 2)).toEqual(['s1:1', 's1:0']);
  expect(late[0]!.score).toBeCloseTo(1.5 * late[1]!.score, 9);
});

test('the late boost applies to the final score, after context and links', () => {
  const r = make();
  const q = 'Which pets does Alice have, and what are their names?';
  const stages = {
    dense: false,
    episode: false,
    time: false,
    rerank: false,
    context: { radius: 1, weight: 0.5 },
    links: { shared: 10, weight: 0.5, iterations: 1, stored: false },
  } as const;
  const off = new Map(
    r
      .search(q, 20, {}, { ...stages, lexical: { speaker: 0.25, speakerLate: 0 } })
      .map((h) => [h.id, h.score]),
  );
  const on = new Map(
    r
      .search(q, 20, {}, { ...stages, lexical: { speaker: 0.25, speakerLate: 1 } })
      .map((h) => [h.id, h.score]),
  );
  expect([...on.keys()].sort()).toEqual([...off.keys()].sort());
  const speaker = new Map(DOCS.map((d) => [d.id, d.speaker]));
  // Bob's memories reached through the links keep their scores exactly: the boost came after
  // the walk (boosted earlier, the best score the walk scales by would have doubled).
  const bobs = [...off.keys()].filter((id) => speaker.get(id) === 'Bob');
  expect(bobs.length).toBeGreaterThan(0);
  for (const id of bobs) expect(on.get(id)).toBeCloseTo(off.get(id)!, 12);
  for (const id of off.keys())
    if (speaker.get(id) === 'Alice') expect(on.get(id)).toBeCloseTo(2 * off.get(id)!, 12);
  // The walk reached a memory with no query word: the link stage took part.
  expect(off.has('s2:1')).toBe(true);
});

test('speaker boosts are validated: a finite number ≥ 0', () => {
  for (const bad of [-1, Number.NaN, Infinity, '1', null])
    for (const k of ['speaker', 'speakerLate']) {
      expect(() => checkSpeakerOptions({ [k]: bad })).toThrow(
        expect.objectContaining({ code: 'InvalidArgument' }),
      );
      expect(() => checkRetrievalOptions({ lexical: { [k]: bad } })).toThrow(
        expect.objectContaining({ code: 'InvalidArgument' }),
      );
    }
  expect(checkRetrievalOptions({ lexical: { speaker: 0, speakerLate: 0.5 } })).toEqual({
    lexical: { speaker: 0, speakerLate: 0.5 },
  });
});

test('boostSpeakers into the input map: the same scores, no copy', () => {
  const scores = new Map([
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  const who: Record<string, string> = { a: 'alice', b: 'bob' };
  const copy = boostSpeakers(scores, ['Alice'], (id) => who[id], 0.5);
  const same = boostSpeakers(scores, ['Alice'], (id) => who[id], 0.5, scores);
  expect(same).toBe(scores);
  expect([...same]).toEqual([...copy]);
});

test('a query naming someone who said nothing indexed skips the boosts; one who did, after a remove and a re-add, is boosted', () => {
  const r = make();
  const q = 'What are the names of Alice’s pets?';
  const boosted = { ...ONLY_CONTEXT, context: false as const, lexical: { speakerLate: 1 } };
  const plain = { ...ONLY_CONTEXT, context: false as const, lexical: { speakerLate: 0 } };
  // Alice said s1:1 ("Luna and Oliver, two cats"): its score doubles with the late boost.
  const score = (o: RetrievalOptions) =>
    new Map(r.search('Luna cats ' + q, 8, {}, o).map((h) => [h.id, h.score]));
  expect(score(boosted).get('s1:1')).toBeCloseTo(2 * score(plain).get('s1:1')!, 9);
  // Every memory of Alice's gone: nothing to boost, the scores are the plain ones.
  for (const d of DOCS) if (d.speaker === 'Alice') r.remove(d.id);
  expect([...score(boosted)]).toEqual([...score(plain)]);
  // Back again (as another speaker first, then as Alice): boosted again.
  r.upsert({ ...DOCS[1]!, speaker: 'Carol' });
  expect([...score(boosted)]).toEqual([...score(plain)]);
  r.upsert(DOCS[1]!);
  expect(score(boosted).get('s1:1')).toBeCloseTo(2 * score(plain).get('s1:1')!, 9);
});
