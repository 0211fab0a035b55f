// TransformersEmbedder in Node (onnxruntime-node, CPU) on the tiny BERT, against the plain-JS reference.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { TransformersEmbedder } from '../../src/embed/transformers-embedder';
import {
  buildTinyBert,
  TINY_BERT_DIM,
  TINY_BERT_ID,
  tinyBertReference,
} from '../fixtures/build-tiny-bert';
import { maxAbsDiff } from './vectors';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-models-'));
  await buildTinyBert(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

test('loads a local model in Node and matches the plain-JS reference', async () => {
  const e = await TransformersEmbedder.create({ model: TINY_BERT_ID, localModelPath: dir + '/' });
  expect(e.device).toBe('cpu');
  expect(e.dim).toBe(TINY_BERT_DIM);
  const texts = ['The cat sat on the mat.', 'kitten', 'a zebra'];
  const vectors = await e.embed(texts);
  texts.forEach((t, i) => expect(maxAbsDiff(vectors[i]!, tinyBertReference(t))).toBeLessThan(1e-6));
  await e.dispose();
});

test('a missing local model is ModelLoadFailed', async () => {
  await expect(
    TransformersEmbedder.create({ model: 'no-such-model', localModelPath: dir + '/' }),
  ).rejects.toMatchObject({ code: 'ModelLoadFailed' });
});
