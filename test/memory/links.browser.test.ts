// Links (A-MEM): on insert, to the nearest memories in the same scope above the
// threshold, both directions, stored and logged; related() walks them; links()
// gives a retrieval stage the adjacency of a set of ids.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('links on insert within scope, related() by depth, adjacency for retrieval', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const s = Math.sqrt;
    const embedder = f.fixedEmbedder(3, {
      alpha: [1, 0, 0],
      beta: [0.9, s(1 - 0.81), 0],
      gamma: [0.5, s(0.75), 0],
      delta: [0.8, 0, 0.6],
      bobAlpha: [1, 0, 0],
    });
    const e = await f.openEngine(f.uniqueName(), { embedder, linkThreshold: 0.75 });
    const ids: Record<string, string> = {};
    for (const t of ['alpha', 'beta', 'gamma', 'delta'])
      ids[t] = (await e.add(t, { userId: 'ada', infer: false })).results[0]!.id;
    ids.bobAlpha = (await e.add('bobAlpha', { userId: 'bob', infer: false })).results[0]!.id;
    const name = (id: string) => Object.keys(ids).find((k) => ids[k] === id);
    const rel = async (t: string, depth: number) =>
      (await e.related(ids[t]!, { depth })).results.map((m) => [name(m.id), m.depth]);
    const dump = await e.dump();
    const adj = await e.links([ids.alpha!, ids.gamma!, 'unknown']);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const out = {
      alpha1: await rel('alpha', 1),
      gamma1: await rel('gamma', 1),
      gamma2: await rel('gamma', 2),
      gamma3: await rel('gamma', 3),
      bob: await rel('bobAlpha', 2),
      stored: (dump.links as { from: string; to: string; score: number }[])
        .map((l) => `${name(l.from)}>${name(l.to)}:${l.score.toFixed(3)}`)
        .sort(),
      linkedEvents: (dump.events as { type: string; memoryId: string }[])
        .filter((x) => x.type === 'memory.linked')
        .map((x) => name(x.memoryId)),
      adj: Object.fromEntries(
        Object.entries(adj).map(([k, v]) => [
          name(k) ?? k,
          v.map((x) => `${name(x.id)}:${x.score.toFixed(3)}`),
        ]),
      ),
      bad: {
        depth: await code(e.related(ids.alpha!, { depth: 0 })),
        unknown: await code(e.related('nope')),
        ids: await code(e.links('x' as never)),
      },
    };
    // A deleted memory leaves related() and the adjacency.
    await e.delete(ids.beta!);
    const afterDelete = await rel('gamma', 3);
    await e.close();
    return { ...out, afterDelete };
  }, FIXTURE);
  // cos: alpha·beta .9, alpha·delta .8, beta·gamma .828, beta·delta .72, alpha·gamma .5.
  expect(r.alpha1).toEqual([
    ['beta', 1],
    ['delta', 1],
  ]);
  expect(r.gamma1).toEqual([['beta', 1]]);
  expect(r.gamma2).toEqual([
    ['beta', 1],
    ['alpha', 2],
  ]);
  expect(r.gamma3).toEqual([
    ['beta', 1],
    ['alpha', 2],
    ['delta', 3],
  ]);
  expect(r.bob).toEqual([]); // same vector as alpha, other scope: no link
  expect(r.stored).toEqual([
    'alpha>beta:0.900',
    'alpha>delta:0.800',
    'beta>alpha:0.900',
    'beta>gamma:0.827',
    'delta>alpha:0.800',
    'gamma>beta:0.827',
  ]);
  expect(r.linkedEvents).toEqual(['beta', 'gamma', 'delta']);
  expect(r.adj).toEqual({
    alpha: ['beta:0.900', 'delta:0.800'],
    gamma: ['beta:0.827'],
    unknown: [],
  });
  expect(r.bad).toEqual({ depth: 'InvalidArgument', unknown: 'NotFound', ids: 'InvalidArgument' });
  expect(r.afterDelete).toEqual([]);
});
