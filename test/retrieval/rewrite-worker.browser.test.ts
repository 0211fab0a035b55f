// llm.rewriteQuery crosses the Worker: the page's function is proxied, its throw is LlmFailed.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Engram.search calls a page-side rewriteQuery from the Worker', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.openEngram();
    await mem.add('Ada moved to Lisbon in spring', { infer: false });
    await mem.add('Bob adopted a greyhound', { infer: false });
    const seen: string[] = [];
    const { results } = await mem.search('where does she live?', {
      limit: 1,
      llm: {
        rewriteQuery: async (q) => {
          seen.push(q);
          return ['Lisbon'];
        },
      },
    });
    const err = await mem
      .search('x', {
        llm: {
          rewriteQuery: async () => {
            throw new Error('offline');
          },
        },
      })
      .then(
        () => 'resolved',
        (e: { code?: string }) => e.code,
      );
    const inWorker = mem.inWorker;
    await mem.close();
    return { inWorker, seen, top: results[0]?.memory, err };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  expect(r.seen).toEqual(['where does she live?']);
  expect(r.top).toBe('Ada moved to Lisbon in spring');
  expect(r.err).toBe('LlmFailed');
});
