// TransformersEmbedder through the real transformers.js pipeline, on a tiny BERT the suite builds
// (test/fixtures/build-tiny-bert.ts), checked against plain-JS arithmetic.
import { expect, test } from 'vitest';
import { hasWebGPU, watchedPage } from '../helpers/browser';
import {
  GENERATED_MODELS_URL,
  TINY_BERT_DIM,
  TINY_BERT_ID,
  TINY_BERT_VOCAB as V,
  tinyBertReference,
  tinyBertTokenize,
} from '../fixtures/build-tiny-bert';
import { maxAbsDiff } from './vectors';

/** The module, typed, for `page.evaluate` callbacks (which cannot import it themselves). */
type TransformersModule = typeof import('../../src/embed/transformers-embedder');

const TEXTS = [
  'The cat sat on the mat.',
  'kitten',
  'Dogs playing!',
  'stock market, local first memory engine',
  'a zebra',
];

/**
 * The file's one page: transformers.js and its ONNX runtime load once (≈ 10 s a page on CI's
 * loaded cores, paid by each of four tests before), not once per test. Watched from the start:
 * the last test checks that nothing, runtime files included, was asked of another host.
 */
const { page: sharedPage, offsite } = watchedPage();

async function embedOn(device: 'wasm' | 'webgpu') {
  const page = await sharedPage();
  if (device === 'webgpu' && !(await hasWebGPU(page))) return undefined;
  return page.evaluate(
    async ({ device, texts, url, model }) => {
      const { TransformersEmbedder } = await importSrc<TransformersModule>(
        '/src/embed/transformers-embedder.ts',
      );
      const stages: string[] = [];
      const t0 = performance.now();
      const e = await TransformersEmbedder.create({
        model,
        localModelPath: url,
        device,
        onLoadProgress: (p) => stages.push(p.stage),
      });
      const loadMs = performance.now() - t0;
      const vectors = await e.embed(texts);
      return {
        id: e.id,
        dim: e.dim,
        device: e.device,
        loadMs,
        stages,
        vectors: vectors.map((v) => [...v]),
      };
    },
    { device, texts: TEXTS, url: GENERATED_MODELS_URL, model: TINY_BERT_ID },
  );
}

test('the reference tokenizer splits word pieces and marks unknown words', () => {
  expect(tinyBertTokenize('Kitten')).toEqual([V['[CLS]'], V['kit'], V['##ten'], V['[SEP]']]);
  expect(tinyBertTokenize('a zebra!')).toEqual([
    V['[CLS]'],
    V['a'],
    V['[UNK]'],
    V['!'],
    V['[SEP]'],
  ]);
});

for (const device of ['wasm', 'webgpu'] as const) {
  test(`transformers.js pipeline on ${device} matches the plain-JS reference`, async (ctx) => {
    const r = await embedOn(device);
    if (!r) return ctx.skip();
    expect(r.device).toBe(device);
    expect(r.id).toBe('transformers:tiny-bert:fp32');
    expect(r.dim).toBe(TINY_BERT_DIM);
    expect(r.stages[0]).toBe('download');
    expect(r.stages.slice(-2)).toEqual(['init', 'ready']);
    const worst = Math.max(...TEXTS.map((t, i) => maxAbsDiff(r.vectors[i]!, tinyBertReference(t))));
    console.log(
      `tiny BERT on ${device}: load ${r.loadMs.toFixed(0)} ms, max |Δ| ${worst.toExponential(1)}`,
    );
    expect(worst).toBeLessThan(1e-6);
  });
}

test('progress per batch, abort between batches, auto device', async () => {
  const page = await sharedPage();
  const webgpu = await hasWebGPU(page);
  const r = await page.evaluate(
    async ({ texts, url, model }) => {
      const { TransformersEmbedder } = await importSrc<TransformersModule>(
        '/src/embed/transformers-embedder.ts',
      );
      const e = await TransformersEmbedder.create({ model, localModelPath: url, batchSize: 2 });
      const seen: number[] = [];
      await e.embed(texts, { onProgress: (p) => seen.push(p.done) });
      const ac = new AbortController();
      const aborted = await e
        .embed(texts, { signal: ac.signal, onProgress: () => ac.abort() })
        .then(
          () => 'finished',
          (err: { code?: string }) => err.code,
        );
      const empty = await e.embed(['ok', '']).then(
        () => 'finished',
        (err: { code?: string }) => err.code,
      );
      await e.dispose();
      return { device: e.device, seen, aborted, empty };
    },
    { texts: TEXTS, url: GENERATED_MODELS_URL, model: TINY_BERT_ID },
  );
  expect(r.device).toBe(webgpu ? 'webgpu' : 'wasm');
  expect(r.seen).toEqual([2, 4, 5]);
  expect(r.aborted).toBe('Aborted');
  expect(r.empty).toBe('EmptyText');
});

test('a missing model or a wrong dim is ModelLoadFailed, and nothing is asked of the hub', async () => {
  const page = await sharedPage();
  const r = await page.evaluate(
    async ({ url, model }) => {
      const { TransformersEmbedder } = await importSrc<TransformersModule>(
        '/src/embed/transformers-embedder.ts',
      );
      const outcome = (p: Promise<unknown>) =>
        p.then(
          () => ({ code: 'loaded' }),
          (err: { code?: string; details?: Record<string, unknown> }) => ({
            code: err.code,
            details: err.details,
          }),
        );
      return {
        missing: await outcome(
          TransformersEmbedder.create({
            model: 'no-such-model',
            localModelPath: url,
            device: 'wasm',
          }),
        ),
        wrongDim: await outcome(
          TransformersEmbedder.create({ model, localModelPath: url, device: 'wasm', dim: 384 }),
        ),
        noModel: await outcome(TransformersEmbedder.create({ model: '' })),
      };
    },
    { url: GENERATED_MODELS_URL, model: TINY_BERT_ID },
  );
  expect(r.missing.code).toBe('ModelLoadFailed');
  expect(r.wrongDim).toMatchObject({
    code: 'ModelLoadFailed',
    details: { expected: 384, actual: TINY_BERT_DIM },
  });
  expect(r.noModel.code).toBe('InvalidArgument');
  expect(offsite).toEqual([]);
});
