// The offline model on two instances in Chromium (issue 14, ingest and cold open): the engine's
// own instance runs in an embedding Worker (a copy of the engine Worker's script) from the open,
// its load's progress reported; a second one starts for a large call only; the vectors equal
// one instance's (within 1e-6), addMany's progress still comes, and close() stops the Workers.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { openPage } from '../helpers/browser';

type EngramModule = typeof import('../../src/engram');
type Held = {
  held: import('../../src/engram').Engram;
  a: Float32Array[];
  texts: string[];
  stages: string[];
};

/** The page's dedicated Workers, nested ones included, once their number settles at `n`. */
async function workers(page: Page, n: number): Promise<number> {
  for (let i = 0; i < 50 && page.workers().length !== n; i++)
    await new Promise((r) => setTimeout(r, 100));
  return page.workers().length;
}

test('two USE-lite instances: same vectors as one, started for a large call, stopped on close', async () => {
  const page = await openPage();
  await page.evaluate(async () => {
    const { Engram } = await importSrc<EngramModule>('/src/engram.ts');
    const turn = (i: number) =>
      `I went to the market with my ${['cat', 'friend', 'sister'][i % 3]} on day ${i}${i % 3 ? '' : ' and then we talked about it for a while'}.`;
    const texts = Array.from({ length: 160 }, (_, i) => turn(i));
    const one = await Engram.open({
      name: `pool-1-${Date.now()}`,
      embedder: { type: 'use-lite', instances: 1 },
      backend: 'cpu',
    });
    const a = await one.embed(texts);
    await one.close();
    const stages: string[] = [];
    const held = await Engram.open({
      name: `pool-2-${Date.now()}`,
      embedder: { type: 'use-lite', instances: 2 },
      backend: 'cpu',
      onLoadProgress: (p) => stages.push(p.stage),
    });
    await held.add('a single add stays on the engine own instance', { infer: false });
    Object.assign(globalThis, { held, a, texts, stages } satisfies Held);
  });
  // The engine's Worker and its own model's: nothing more started for one text.
  expect(await workers(page, 2)).toBe(2);
  const stages = await page.evaluate(() => (globalThis as unknown as Held).stages);
  expect(stages).toEqual(expect.arrayContaining(['init', 'ready']));
  expect(stages.at(-1)).toBe('ready');

  const r = await page.evaluate(async () => {
    const { held, a, texts } = globalThis as unknown as Held;
    const b = await held.embed(texts);
    let maxDiff = 0;
    a.forEach((v, i) =>
      v.forEach((x, k) => (maxDiff = Math.max(maxDiff, Math.abs(x - b[i]![k]!)))),
    );
    const progress: number[] = [];
    const added = await held.addMany(
      texts.map((text) => ({ text })),
      (p) => progress.push(p.done),
    );
    const top = await held.search(texts[7]!, { limit: 1 });
    return {
      maxDiff,
      n: b.length,
      progress,
      stored: added.results.length,
      top: top.results[0]?.memory,
    };
  });
  expect(r.n).toBe(160);
  expect(r.maxDiff).toBeLessThan(1e-6);
  expect(r.progress).toEqual([128, 160]);
  expect(r.stored).toBe(160);
  expect(r.top).toBe('I went to the market with my friend on day 7.');
  // The engine's Worker, its own model's and one more for the large calls.
  expect(await workers(page, 3)).toBe(3);
  // An embedding Worker loads the model's modules, not the engine's (its script is the engine
  // Worker's, which imports each side's modules when that side starts). The tests serve the
  // Worker bundled into chunks (test/helpers/worker-bundle.ts), as an app's bundler does. A
  // Worker's script and its static imports are fetched by whoever starts it, its dynamic
  // imports by itself: every context's fetches together hold the engine's chunk once.
  const fetched = (): string[] =>
    performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);
  const contexts = [
    { name: 'page', scripts: await page.evaluate(fetched) },
    ...(await Promise.all(
      page.workers().map((w) =>
        w.evaluate(
          (f) => ({
            name: (globalThis as { name?: string }).name ?? '',
            scripts: (0, eval)(f)() as string[],
          }),
          `(${fetched.toString()})`,
        ),
      ),
    )),
  ];
  const count = (re: RegExp) => contexts.flatMap((c) => c.scripts).filter((s) => re.test(s)).length;
  expect(contexts.filter((c) => c.name === 'engram:embed').length).toBe(2);
  expect(count(/\/use-lite-embedder[-.]/)).toBe(2);
  expect(count(/\/engine-host[-.]/)).toBe(1);

  await page.evaluate(() => (globalThis as unknown as Held).held.close());
  expect(await workers(page, 0)).toBe(0);
});
