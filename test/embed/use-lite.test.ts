// USE-lite in Node: read from node_modules, tfjs wasm from node_modules.
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { UseLiteEmbedder } from '../../src/embed/use-lite-embedder';
import { cos, maxAbsDiff, norm } from './vectors';

const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'cat',
  'A memory engine that lives in the browser and keeps everything on the device.',
  'kitten',
  'stock market',
];

describe('UseLiteEmbedder in Node', () => {
  let embedder: UseLiteEmbedder;
  let runsAtLoad = 0;
  let stages: string[] = [];
  let tensorsLeft = 0;
  beforeAll(async () => {
    const t0 = performance.now();
    const run = vi.spyOn(tfconv.GraphModel.prototype, 'executeAsync');
    embedder = await UseLiteEmbedder.create({
      batchSize: 2,
      onLoadProgress: (p) => stages.push(`${p.stage}:${run.mock.calls.length}`),
    });
    runsAtLoad = run.mock.calls.length;
    run.mockRestore();
    tensorsLeft = tf.memory().numTensors;
    console.log(`USE-lite load in Node: ${(performance.now() - t0).toFixed(0)} ms`);
  });

  test('the load runs the model once before it says ready (tfjs sets its kernels up then)', async () => {
    expect(runsAtLoad).toBe(1);
    expect(stages.at(-1)).toBe('ready:1');
    stages = [];
    // That run leaves no tensor behind, nor does a later call.
    await embedder.embed(['cat']);
    expect(tf.memory().numTensors).toBe(tensorsLeft);
  });

  test('gives 512-d unit vectors that follow meaning', async () => {
    expect(embedder.id).toBe('use-lite-512');
    expect(embedder.dim).toBe(512);
    const [cat, kitten, stock] = await embedder.embed(['cat', 'kitten', 'stock market']);
    for (const v of [cat!, kitten!, stock!]) {
      expect(v).toHaveLength(512);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(cos(cat!, kitten!)).toBeCloseTo(0.758, 2);
    expect(cos(cat!, stock!)).toBeCloseTo(0.242, 2);
  });

  test('keeps input order; a vector does not depend on its batch', async () => {
    const batched = await embedder.embed(TEXTS);
    for (const [i, t] of TEXTS.entries()) {
      expect(maxAbsDiff(batched[i]!, (await embedder.embed([t]))[0]!)).toBeLessThan(1e-6);
    }
  });

  test('batches by length in tokens, results in input order, same vectors as one by one', async () => {
    // Lengths in tokens out of order, with ties; "antidisestablishmentarianism" is short in
    // characters' order next to "a b c d e f g" but long in tokens, so its batch pads to it.
    const texts = [
      'The quick brown fox jumps over the lazy dog. '.repeat(6),
      'a b c d e f g',
      'antidisestablishmentarianism',
      'cat',
      'I went to the market with my sister near the river, thinking about dinner (7).',
      'dog',
      'Mochi sleeps all day.',
      'I went to the park with my brother near the lake, and then we talked about work (12).',
    ];
    const e = await UseLiteEmbedder.create({ batchSize: 3 });
    const seen: number[] = [];
    const batched = await e.embed(texts, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([3, 6, 8]);
    for (const [i, t] of texts.entries()) {
      const one = (await e.embed([t]))[0]!;
      expect(maxAbsDiff(batched[i]!, one), t).toBeLessThan(1e-6);
    }
    // Each vector is its own text's: no two texts swapped.
    for (const [i, v] of batched.entries())
      for (const [j, w] of batched.entries()) if (i !== j) expect(cos(v, w)).toBeLessThan(0.99);
    await e.dispose();
  });

  test('reports progress per batch and stops between batches when aborted', async () => {
    const seen: number[] = [];
    await embedder.embed(TEXTS, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([2, 4, 5]);
    const ac = new AbortController();
    const reasons: number[] = [];
    await expect(
      embedder.embed(TEXTS, {
        signal: ac.signal,
        onProgress: (p) => {
          reasons.push(p.done);
          ac.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'Aborted' });
    expect(reasons).toEqual([2]);
  });

  test('rejects empty texts and a missing model with coded errors', async () => {
    await expect(embedder.embed(['fine', ' '])).rejects.toMatchObject({
      code: 'EmptyText',
      details: { index: 1 },
    });
    await expect(
      UseLiteEmbedder.create({ modelUrl: '/nonexistent/use-lite/' }),
    ).rejects.toMatchObject({
      code: 'ModelLoadFailed',
    });
    await expect(UseLiteEmbedder.create({ batchSize: 0 })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  });

  // Throughput is measured in bench/ (bench/ingest.mjs, `npm run bench`), not here: 256
  // sentences only to log a rate could not fail. A default-batch embedder, then dispose.
  test('dispose: a disposed embedder refuses to embed', async () => {
    const e = await UseLiteEmbedder.create();
    expect(await e.embed(TEXTS)).toHaveLength(TEXTS.length);
    await e.dispose();
    await expect(e.embed(['after dispose'])).rejects.toMatchObject({ code: 'ModelLoadFailed' });
  });
});
