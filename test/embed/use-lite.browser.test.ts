// USE-lite in Chromium: meaning, Cache Storage across reloads, a module Worker, errors.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { newContext, openPage } from '../helpers/browser';

/** The module, typed, for `page.evaluate` callbacks (which cannot import it themselves). */
type UseLiteModule = typeof import('../../src/embed/use-lite-embedder');

/** Counts the requests a page sends for the USE-lite files. */
function countModelRequests(page: Page): { n: number } {
  const count = { n: 0 };
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/engram/use-lite/')) count.n++;
  });
  return count;
}

/** Loads USE-lite in `page`; returns load time, progress stages and the cat/kitten/stock cosines. */
function loadAndCompare(page: Page) {
  return page.evaluate(async () => {
    const { UseLiteEmbedder } = await importSrc<UseLiteModule>('/src/embed/use-lite-embedder.ts');
    const stages: string[] = [];
    const t0 = performance.now();
    const e = await UseLiteEmbedder.create({ onLoadProgress: (p) => stages.push(p.stage) });
    const loadMs = performance.now() - t0;
    const [cat, kitten, stock] = await e.embed(['cat', 'kitten', 'stock market']);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    return {
      loadMs,
      stages,
      norm: Math.sqrt(dot(cat!, cat!)),
      ck: dot(cat!, kitten!),
      cs: dot(cat!, stock!),
    };
  });
}

test('USE-lite follows meaning; a reload reads the model from Cache Storage, not the network', async () => {
  const context = await newContext();
  const page = await openPage(undefined, context);
  const first = countModelRequests(page);
  const r1 = await loadAndCompare(page);
  expect(r1.norm).toBeCloseTo(1, 5);
  expect(r1.ck).toBeCloseTo(0.758, 2);
  expect(r1.cs).toBeCloseTo(0.242, 2);
  expect(r1.stages[0]).toBe('download');
  expect(r1.stages.slice(-2)).toEqual(['init', 'ready']);
  // model.json, vocab.json and 7 shards
  expect(first.n).toBeGreaterThanOrEqual(9);

  const page2 = await openPage(undefined, context); // same context: same Cache Storage
  const second = countModelRequests(page2);
  const r2 = await loadAndCompare(page2);
  expect(r2.ck).toBeCloseTo(r1.ck, 6);
  expect(second.n).toBe(0);
  console.log(
    `USE-lite load in Chromium: ${r1.loadMs.toFixed(0)} ms from the server (${first.n} requests), ` +
      `${r2.loadMs.toFixed(0)} ms from Cache Storage (${second.n} requests)`,
  );
});

test('USE-lite runs in a module Worker', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    () =>
      new Promise<{ ck?: number; cs?: number; error?: string }>((resolve) => {
        const w = new Worker('/test/embed/use-lite-worker.ts', { type: 'module' });
        w.onmessage = (ev) => resolve(ev.data);
        w.onerror = (ev) => resolve({ error: ev.message });
        w.postMessage('go');
      }),
  );
  expect(r.error).toBeUndefined();
  expect(r.ck).toBeCloseTo(0.758, 2);
  expect(r.cs).toBeCloseTo(0.242, 2);
});

// The model's throughput in Chromium is measured in bench/ (`npm run bench`: modelTurnsPerSec,
// asserted in test/build/bench.test.ts; bench/ingest.mjs), not here: a load and 256 sentences
// here, only logged, cost ≈ 10 s of CI a run and could not fail.
test('USE-lite: a missing model is ModelLoadFailed', async () => {
  const page = await openPage();
  const missing = await page.evaluate(async () => {
    const { UseLiteEmbedder } = await importSrc<UseLiteModule>('/src/embed/use-lite-embedder.ts');
    return UseLiteEmbedder.create({ modelUrl: '/engram/no-such-model/' }).then(
      () => 'loaded',
      (e: { code?: string }) => e.code,
    );
  });
  expect(missing).toBe('ModelLoadFailed');
});
