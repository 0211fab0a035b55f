// search(q, { explain: true }) through the public Engram with the engine in its Worker: the
// explanations cross structured-clone intact and add up to the scores.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('explain works through the Worker: every result explains its score, bad values are refused', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.openEngram();
    await mem.addMany(
      [
        'I live in Berlin with my cat Mochi',
        'Ada is allergic to peanuts',
        'Mochi the cat sleeps on the sofa all day',
        'The train to Hamburg leaves at nine',
      ].map((text) => ({ text, userId: 'ada', runId: 'chat-1' })),
    );
    const plain = await mem.search('where does my cat sleep?', { userId: 'ada' });
    const explained = await mem.search('where does my cat sleep?', {
      userId: 'ada',
      explain: true,
    });
    const dense = await mem.search('where does my cat sleep?', {
      userId: 'ada',
      explain: true,
      retrieval: false,
    });
    const bad = await mem.search('x', { explain: 1 as never }).then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    const inWorker = mem.inWorker;
    await mem.close();
    return {
      inWorker,
      plain: plain.results,
      explained: explained.results,
      dense: dense.results,
      bad,
    };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  expect(r.bad).toBe('InvalidArgument');
  expect(r.plain.every((x) => x.explanation === undefined)).toBe(true);
  expect(r.explained.map((x) => [x.id, x.score])).toEqual(r.plain.map((x) => [x.id, x.score]));
  for (const [results, mode] of [
    [r.explained, 'hybrid'],
    [r.dense, 'dense'],
  ] as const) {
    expect(results.length).toBeGreaterThan(1);
    for (const x of results) {
      const ex = x.explanation!;
      expect(ex.mode).toBe(mode);
      const sum = ex.stages.reduce((s, st) => s + st.contribution, 0);
      expect(Math.abs(sum - x.score)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x.score)));
      expect(ex.stages.at(-1)!.score).toBe(x.score);
    }
  }
  // The best lexical match holds the whole lexical weight (1).
  expect(Math.max(...r.explained.map((x) => x.explanation!.stages[0]!.contribution))).toBe(1);
});
