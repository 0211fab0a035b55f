// search(q, { explain: true }): each stage's contribution, on a small two-session chat with
// dates, speakers, a restated value and shared names (Node, fake-indexeddb, CPU path).
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { SearchOptions } from '../../src/engine/search';
import type { ExplainStage, SearchResult } from '../../src/index';

const DAY = 86_400_000;
const T0 = Date.UTC(2023, 4, 1); // 1 May 2023
const NOW = Date.UTC(2023, 6, 1);

const HYBRID_STAGES: ExplainStage[] = [
  'lexical',
  'dense',
  'episode',
  'speaker',
  'time',
  'context',
  'links',
  'speakerLate',
  'questions',
  'updates',
  'standing',
  'retention',
  'rerank',
  'entities',
  'crossEncoder',
];

// [speaker, text, day after T0, session]
const CHAT: [string, string, number, string][] = [
  ['Caroline', 'I went to the LGBTQ support group yesterday and it was powerful', 7, 's1'],
  ['Melanie', 'That sounds wonderful, how did it make you feel?', 7, 's1'],
  ['Caroline', 'I felt accepted, the transgender stories there inspired me', 7, 's1'],
  ['Melanie', 'I signed up for a pottery class last week with my kids', 7, 's1'],
  ['Caroline', 'I want to study counseling to help people like me', 7, 's1'],
  ['Melanie', 'We camped at the lake in Oregon and roasted marshmallows', 20, 's2'],
  ['Caroline', 'The adoption agency called me about the interview on Friday', 20, 's2'],
  ['Melanie', 'The dashboard response time of our clinic app is 400 ms', 20, 's2'],
  ['Caroline', 'My grandma gave me a necklace from Sweden when I was young', 20, 's2'],
  [
    'Melanie',
    'After the caching work the dashboard response time of the clinic app is down to 250 ms',
    40,
    's3',
  ],
  ['Caroline', 'I painted a sunrise over the lake for the Pride exhibition', 40, 's3'],
  ['Melanie', 'My son loves the dinosaur exhibit at the museum', 40, 's3'],
  ...Array.from({ length: 18 }, (_, i): [string, string, number, string] => [
    i % 2 ? 'Melanie' : 'Caroline',
    `small talk number ${i} about weather, traffic and lunch plans`,
    10 + i,
    `filler-${i % 3}`,
  ]),
];

let e: Engine;
let now = T0;

beforeAll(async () => {
  e = await Engine.open({
    name: 'explain-engine',
    embedder: new HashEmbedder({ dim: 64 }),
    backend: 'cpu',
    clock: () => now,
    reinforceOnSearch: false,
  });
  // Written as they happen, so older memories have faded more by the time of the searches.
  for (const [speaker, text, day, runId] of CHAT) {
    now = T0 + day * DAY;
    await e.addMany([{ text, runId, userId: 'group', metadata: { speaker }, eventTime: now }]);
  }
  now = NOW;
});

afterAll(() => e.close());

async function explained(query: string, o: SearchOptions = {}): Promise<SearchResult[]> {
  const { results } = await e.search(query, { limit: 8, ...o, explain: true });
  expect(results.length).toBeGreaterThan(0);
  for (const r of results) expectAddsUp(r);
  return results;
}

/** The contributions, summed from 0 in order, give the score; each stage's running score too. */
function expectAddsUp(r: SearchResult): void {
  const ex = r.explanation!;
  let sum = 0;
  let running = 0;
  for (const s of ex.stages) {
    sum += s.contribution;
    expect(s.score - running).toBeCloseTo(s.contribution, 12);
    running = s.score;
  }
  expect(Math.abs(sum - r.score)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(r.score)));
  expect(ex.stages.at(-1)!.score).toBe(r.score);
}

const of = (r: SearchResult, stage: ExplainStage) =>
  r.explanation!.stages.find((s) => s.stage === stage)!;

const QUERIES: { query: string; o?: SearchOptions }[] = [
  { query: 'When did Caroline go to the LGBTQ support group?' },
  { query: 'What did Melanie do at the lake in Oregon?', o: { retentionWeight: 0.5 } },
  {
    query: 'What is the dashboard response time of the clinic app?',
    o: { retrieval: { updates: {} } },
  },
  { query: 'What did Caroline and Melanie do in May?', o: { retrieval: { entities: {} } } },
];

test('every result of a search explains its score: contributions add up, in pipeline order', async () => {
  for (const { query, o } of QUERIES) {
    const plain = await e.search(query, { limit: 8, ...o });
    const results = await explained(query, o);
    // Explaining changes nothing about the ranking, and costs nothing when not asked.
    expect(results.map((r) => [r.id, r.score])).toEqual(plain.results.map((r) => [r.id, r.score]));
    expect(plain.results.every((r) => !('explanation' in r))).toBe(true);
    for (const r of results) {
      expect(r.explanation!.mode).toBe('hybrid');
      expect(r.explanation!.stages.map((s) => s.stage)).toEqual(HYBRID_STAGES);
    }
  }
});

test('a stage turned off contributes nothing; turned on, it moves some score', async () => {
  const [support, lake, dashboard] = QUERIES.map((q) => q.query) as [string, string, string];
  const cases: {
    stages: ExplainStage[];
    query: string;
    on: SearchOptions;
    off: SearchOptions;
    /** Off by a zero weight: the stage runs, to no effect. */
    runs?: true;
  }[] = [
    ...(['lexical', 'dense', 'episode', 'time', 'context', 'links'] as const).map((stage) => ({
      stages: [stage],
      query: support,
      on: {},
      off: { retrieval: { [stage]: false } },
    })),
    {
      stages: ['speaker', 'speakerLate'],
      query: support,
      on: {},
      off: { retrieval: { lexical: { speaker: 0, speakerLate: 0 } } },
      runs: true,
    },
    {
      stages: ['updates'],
      query: dashboard,
      on: {},
      off: { retrieval: { updates: false } },
    },
    { stages: ['retention'], query: lake, on: { retentionWeight: 0.5 }, off: {} },
    {
      stages: ['retention', 'rerank'],
      query: lake,
      on: { retentionWeight: 0.5 },
      off: { retentionWeight: 0.5, retrieval: { rerank: false } },
    },
  ];
  for (const { stages, query, on, off, runs } of cases) {
    const onResults = await explained(query, on);
    const offResults = await explained(query, off);
    for (const stage of stages) {
      const moved = onResults.some((r) => Math.abs(of(r, stage).contribution) > 1e-6);
      // The rerank's own share is float32 rounding only (MMR reorders, keeps scores).
      expect(moved, `${stage} on: ${query}`).toBe(stage !== 'rerank');
      for (const r of offResults) {
        expect(of(r, stage).contribution, `${stage} off`).toBe(0);
        expect(of(r, stage).on).toBe(runs === true);
      }
    }
  }
});

test('each contribution is what its stage does: fusion weights, speaker boosts', async () => {
  const support = QUERIES[0]!.query;
  for (const weight of [1, 2]) {
    const results = await explained(support, { retrieval: { lexical: { weight } } });
    // The best BM25 match gets the whole lexical weight (BM25 is max-scaled), the rest less.
    const lexical = results.map((r) => of(r, 'lexical').contribution);
    expect(Math.max(...lexical)).toBe(weight);
    expect(Math.min(...lexical)).toBeGreaterThanOrEqual(0);
    for (const r of results) {
      const dense = of(r, 'dense').contribution;
      expect(dense).toBeGreaterThanOrEqual(0);
      expect(dense).toBeLessThanOrEqual(0.7 + 1e-12); // after − before: rounding
      // The query names Caroline: her memories are boosted by 1.25 early and 1.5 late.
      const caroline = r.metadata.speaker === 'Caroline';
      expect(of(r, 'speaker').contribution).toBeCloseTo(
        caroline ? 0.25 * of(r, 'episode').score : 0,
        12,
      );
      expect(of(r, 'speakerLate').contribution).toBeCloseTo(
        caroline ? 0.5 * of(r, 'links').score : 0,
        12,
      );
    }
    expect(results.some((r) => r.metadata.speaker === 'Caroline')).toBe(true);
    expect(results.some((r) => r.metadata.speaker === 'Melanie')).toBe(true);
  }
});

test('dense ranking (retrieval: false, asOf) explains similarity and retention', async () => {
  const lake = QUERIES[1]!.query;
  for (const o of [{ retrieval: false as const }, { asOf: NOW }]) {
    for (const w of [0, 0.3]) {
      const results = await explained(lake, { ...o, retentionWeight: w });
      for (const r of results) {
        const ex = r.explanation!;
        expect(ex.mode).toBe('dense');
        expect(ex.stages.map((s) => s.stage)).toEqual(['dense', 'retention']);
        expect(of(r, 'dense').contribution).toBe(w > 0 ? (1 - w) * r.similarity : r.similarity);
        expect(of(r, 'retention').contribution).toBe(w * r.retention);
        expect(of(r, 'retention').on).toBe(w > 0);
        expect(ex.stages[0]!.contribution + ex.stages[1]!.contribution).toBe(r.score);
      }
      if (w > 0) expect(results.some((r) => r.retention < 1)).toBe(true);
    }
  }
  await expect(e.search(lake, { explain: 'yes' as never })).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(e.search(lake, { explains: true } as never)).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
});
