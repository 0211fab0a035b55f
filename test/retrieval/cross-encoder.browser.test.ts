// The cross-encoder reranker in Chromium through the real transformers.js path (wasm, and WebGPU
// where an adapter exists), on the tiny cross-encoder the suite builds
// (test/fixtures/build-tiny-cross-encoder.ts), checked against plain-JS arithmetic.
import { expect, test } from 'vitest';
import { hasWebGPU, watchedPage } from '../helpers/browser';
import { GENERATED_MODELS_URL } from '../fixtures/build-tiny-bert';
import {
  CROSS_MEMORIES as MEMORIES,
  CROSS_QUERY as SEARCH,
  crossEncoderExpectations,
} from './cross-encoder-check';
import {
  TINY_CROSS_ENCODER_ID,
  tinyCrossEncoderReference,
} from '../fixtures/build-tiny-cross-encoder';

/** The module, typed, for `page.evaluate` callbacks (which cannot import it themselves). */
type CrossEncoderModule = typeof import('../../src/retrieval/cross-encoder');

const QUERY = 'the cat on a mat';
const TEXTS = [
  'The cat sat on the mat.',
  'stock market',
  'a dog playing on the local engine, first browser memory!',
  'kitten',
  'a zebra',
];

/**
 * The file's one page: transformers.js and its ONNX runtime load once in it (≈ 10 s a page on
 * CI's loaded cores, paid by each test before), not once per test; the Worker test's engine
 * loads its own. Watched from the start: each test checks that nothing so far, runtime files
 * included, was asked of another host.
 */
const { page: sharedPage, offsite } = watchedPage();

/** Indices of `xs` by value, highest first. */
const order = (xs: ArrayLike<number>) =>
  Array.from(xs, (_, i) => i).sort((a, b) => xs[b]! - xs[a]!);

for (const device of ['wasm', 'webgpu'] as const) {
  test(`cross-encoder on ${device} matches the plain-JS reference and reorders candidates`, async (ctx) => {
    const page = await sharedPage();
    if (device === 'webgpu' && !(await hasWebGPU(page))) return ctx.skip();
    const r = await page.evaluate(
      async ({ device, query, texts, url, model }) => {
        const { CrossEncoderReranker } = await importSrc<CrossEncoderModule>(
          '/src/retrieval/cross-encoder.ts',
        );
        const stages: string[] = [];
        const ce = await CrossEncoderReranker.create({
          model,
          localModelPath: url,
          device,
          batchSize: 2,
          onLoadProgress: (p) => stages.push(p.stage),
        });
        const scores = await ce.score(query, texts);
        await ce.dispose();
        return { id: ce.id, device: ce.device, stages, scores: [...scores] };
      },
      {
        device,
        query: QUERY,
        texts: TEXTS,
        url: GENERATED_MODELS_URL,
        model: TINY_CROSS_ENCODER_ID,
      },
    );
    expect(r.device).toBe(device);
    expect(r.id).toBe('cross-encoder:tiny-cross-encoder:fp32');
    expect(r.stages[0]).toBe('download');
    expect(r.stages.slice(-2)).toEqual(['init', 'ready']);
    const ref = TEXTS.map((t) => tinyCrossEncoderReference(QUERY, t));
    const worst = Math.max(...ref.map((x, i) => Math.abs(x - r.scores[i]!)));
    expect(worst).toBeLessThan(1e-6);
    expect(order(r.scores)).toEqual(order(ref));
    expect(offsite).toEqual([]);
  });
}

test('a missing model is ModelLoadFailed, and nothing is asked of the hub', async () => {
  const page = await sharedPage();
  const r = await page.evaluate(async (url) => {
    const { CrossEncoderReranker } = await importSrc<CrossEncoderModule>(
      '/src/retrieval/cross-encoder.ts',
    );
    return CrossEncoderReranker.create({
      model: 'no-such-model',
      localModelPath: url,
      device: 'wasm',
    }).then(
      () => ({ code: 'loaded' }),
      (e: { code?: string; details?: Record<string, unknown> }) => ({
        code: e.code,
        details: e.details,
      }),
    );
  }, GENERATED_MODELS_URL);
  expect(r).toMatchObject({ code: 'ModelLoadFailed', details: { model: 'no-such-model' } });
  expect(offsite).toEqual([]);
});

type Fixture = typeof import('../engine/fixture');

for (const where of ['page', 'worker'] as const) {
  test(`search with retrieval.crossEncoder (engine in the ${where}) orders as the model scores`, async () => {
    const page = await sharedPage();
    const r = await page.evaluate(
      async ({ where, memories, query, url, model }) => {
        const f = await importSrc<Fixture>('/test/engine/fixture.ts');
        const name = f.uniqueName();
        const mem =
          where === 'page'
            ? await f.openEngine(name)
            : await f.Engram.open({ name, embedder: { type: 'hash', dim: 64 }, backend: 'cpu' });
        await mem.addMany(memories.map((text) => ({ text })));
        const search = (limit: number, retrieval?: object) =>
          mem
            .search(query, { limit, reinforce: false, ...(retrieval ? { retrieval } : {}) })
            .then((s) => s.results.map((h) => ({ memory: h.memory, score: h.score })));
        const crossEncoder = { model, localModelPath: url, device: 'wasm' };
        const base = await search(6);
        const byModel = await search(3, { crossEncoder: { ...crossEncoder, weight: 1, top: 6 } });
        const blended = await search(6, { crossEncoder: { ...crossEncoder, top: 6 } });
        const missing = await search(3, {
          crossEncoder: { ...crossEncoder, model: 'no-such-model' },
        }).then(
          () => 'found',
          (e: { code?: string }) => e.code,
        );
        await mem.close();
        return { base, byModel, blended, missing };
      },
      {
        where,
        memories: MEMORIES,
        query: SEARCH,
        url: GENERATED_MODELS_URL,
        model: TINY_CROSS_ENCODER_ID,
      },
    );
    const want = crossEncoderExpectations(SEARCH, r.base, 0.5);
    expect(r.byModel.map((h) => h.memory)).toEqual(want.byModel.slice(0, 3));
    expect(want.byModel.slice(0, 3)).not.toEqual(r.base.slice(0, 3).map((h) => h.memory));
    expect(r.blended.map((h) => h.memory)).toEqual(want.blended);
    expect(r.missing).toBe('ModelLoadFailed');
    expect(offsite).toEqual([]);
  });
}
