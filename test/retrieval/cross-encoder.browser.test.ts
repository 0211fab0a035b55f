// The cross-encoder reranker in Chromium through the real transformers.js path (wasm, and WebGPU
// where an adapter exists), on the tiny cross-encoder the suite builds
// (test/fixtures/build-tiny-cross-encoder.ts), checked against plain-JS arithmetic.
import { expect, test } from 'vitest';
import { hasWebGPU, openPage } from '../helpers/browser';
import { GENERATED_MODELS_URL } from '../fixtures/build-tiny-bert';
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

/** Indices of `xs` by value, highest first. */
const order = (xs: ArrayLike<number>) =>
  Array.from(xs, (_, i) => i).sort((a, b) => xs[b]! - xs[a]!);

for (const device of ['wasm', 'webgpu'] as const) {
  test(`cross-encoder on ${device} matches the plain-JS reference and reorders candidates`, async (ctx) => {
    const page = await openPage();
    if (device === 'webgpu' && !(await hasWebGPU(page))) return ctx.skip();
    const offsite: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).hostname !== '127.0.0.1') offsite.push(req.url());
    });
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
  const page = await openPage();
  const offsite: string[] = [];
  page.on('request', (req) => {
    if (new URL(req.url()).hostname !== '127.0.0.1') offsite.push(req.url());
  });
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
