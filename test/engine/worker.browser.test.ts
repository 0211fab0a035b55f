// The page-side Engram facade with the engine in a dedicated Worker (Comlink).
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Engram runs the engine in a Worker: results, progress, transferred vectors and coded errors cross', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const progress: number[] = [];
    const mem = await f.Engram.open({
      name: f.uniqueName(),
      embedder: { type: 'hash', dim: 64 },
      backend: 'cpu',
    });
    const inWorker = mem.inWorker;
    await mem.addMany(
      Array.from({ length: 1200 }, (_, i) => ({
        text: `fact ${i}`,
        userId: i % 2 ? 'ada' : 'bob',
      })),
      (p) => progress.push(p.done),
    );
    const top = await mem.search('fact 77', { userId: 'ada', limit: 3 });
    const [v] = await mem.embed(['fact 77']);
    const vlen = v!.length;
    const byVector = await mem.search('unused', { vector: v!, limit: 1 });
    const err = await mem.add('').then(
      () => null,
      (e: { code?: string; name?: string; message?: string }) => ({
        code: e.code,
        name: e.name,
        message: e.message,
      }),
    );
    const info = await mem.info();
    await mem.close();
    const closed = await mem.get('x').then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    return {
      inWorker,
      progress,
      top: top.results.map((m) => m.memory),
      vlen,
      detachedAfterSend: v!.length,
      vtype: v!.constructor.name,
      byVector: byVector.results[0]?.memory,
      err,
      info,
      closed,
    };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  expect(r.progress).toEqual([500, 1000, 1200]);
  expect(r.top[0]).toBe('fact 77');
  // The query vector was transferred into the Worker, not copied: its buffer is detached here.
  expect(r).toMatchObject({
    vlen: 64,
    detachedAfterSend: 0,
    vtype: 'Float32Array',
    byVector: 'fact 77',
    closed: 'StoreClosed',
  });
  expect(r.err).toMatchObject({ code: 'EmptyText', name: 'EngramError' });
  expect(r.info).toMatchObject({ backend: 'cpu', count: 1200, embedderId: 'hash-64' });
});
