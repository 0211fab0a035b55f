// The cross-encoder reranker in Node (onnxruntime-node, CPU) on the tiny cross-encoder the test
// builds (test/fixtures/build-tiny-cross-encoder.ts), checked against plain-JS arithmetic; the
// blend; and the stage inside Engine.search (fake-indexeddb, CPU path).
import 'fake-indexeddb/auto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { Engine } from '../../src/engine/engine';
import { CrossEncoderReranker } from '../../src/retrieval/cross-encoder';
import { blendCrossEncoder } from '../../src/retrieval/cross-encoder-stage';
import { buildTinyBert, TINY_BERT_ID, TINY_BERT_VOCAB as V } from '../fixtures/build-tiny-bert';
import {
  CROSS_MEMORIES as MEMORIES,
  CROSS_QUERY as SEARCH,
  crossEncoderExpectations,
} from './cross-encoder-check';
import {
  buildTinyCrossEncoder,
  TINY_CROSS_ENCODER_ID,
  tinyCrossEncoderReference,
  tinyPairTokenize,
} from '../fixtures/build-tiny-cross-encoder';

const QUERY = 'the cat on a mat';
const TEXTS = [
  'The cat sat on the mat.',
  'stock market',
  'a dog playing on the local engine, first browser memory!',
  'kitten',
  'a zebra',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engram-models-'));
  await buildTinyCrossEncoder(dir);
  await buildTinyBert(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Indices of `xs` by value, highest first. */
const order = (xs: ArrayLike<number>) =>
  Array.from(xs, (_, i) => i).sort((a, b) => xs[b]! - xs[a]!);

test('the reference pair tokenizer follows BERT: [CLS] A [SEP] (type 0) B [SEP] (type 1)', () => {
  expect(tinyPairTokenize('cat', 'kitten')).toEqual({
    ids: [V['[CLS]'], V['cat'], V['[SEP]'], V['kit'], V['##ten'], V['[SEP]']],
    types: [0, 0, 0, 1, 1, 1],
  });
});

test('scores match the plain-JS reference across padded batches and reorder candidates', async () => {
  const stages: string[] = [];
  const r = await CrossEncoderReranker.create({
    model: TINY_CROSS_ENCODER_ID,
    localModelPath: dir + '/',
    batchSize: 2,
    onLoadProgress: (p) => stages.push(p.stage),
  });
  expect(r.device).toBe('cpu');
  expect(r.id).toBe('cross-encoder:tiny-cross-encoder:fp32');
  expect(stages.at(-1)).toBe('ready');
  const seen: number[] = [];
  const scores = await r.score(QUERY, TEXTS, { onProgress: (p) => seen.push(p.done) });
  expect(seen).toEqual([2, 4, 5]);
  const ref = TEXTS.map((t) => tinyCrossEncoderReference(QUERY, t));
  const worst = Math.max(...ref.map((x, i) => Math.abs(x - scores[i]!)));
  expect(worst).toBeLessThan(1e-6);
  // The model's order is the reference's, and not the order given.
  expect(order(scores)).toEqual(order(ref));
  expect(order(scores)).not.toEqual(TEXTS.map((_, i) => i));
  expect(await r.score(QUERY, [])).toEqual(new Float32Array(0));

  const ac = new AbortController();
  await expect(
    r.score(QUERY, TEXTS, { signal: ac.signal, onProgress: () => ac.abort() }),
  ).rejects.toMatchObject({ code: 'Aborted' });
  await expect(r.score(QUERY, ['ok', ' '])).rejects.toMatchObject({ code: 'EmptyText' });
  await expect(r.score('', ['ok'])).rejects.toMatchObject({ code: 'EmptyText' });
  await r.dispose();
  await expect(r.score(QUERY, ['ok'])).rejects.toMatchObject({ code: 'ModelLoadFailed' });
});

test('a missing model, or one that is not a cross-encoder, is ModelLoadFailed; bad options InvalidArgument', async () => {
  const localModelPath = dir + '/';
  await expect(
    CrossEncoderReranker.create({ model: 'no-such-model', localModelPath }),
  ).rejects.toMatchObject({ code: 'ModelLoadFailed', details: { model: 'no-such-model' } });
  // The tiny BERT gives hidden states, not one logit per pair.
  await expect(
    CrossEncoderReranker.create({ model: TINY_BERT_ID, localModelPath }),
  ).rejects.toMatchObject({ code: 'ModelLoadFailed' });
  await expect(CrossEncoderReranker.create({ model: '' })).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(
    CrossEncoderReranker.create({ model: TINY_CROSS_ENCODER_ID, localModelPath, batchSize: 0 }),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
});

test('the blend: w = 1 orders the rescored head by the model, w = 0 keeps the fused order, the tail stays below', () => {
  const ranked = [
    { id: 'a', score: 4 },
    { id: 'b', score: 3 },
    { id: 'c', score: 2 },
    { id: 'd', score: 1 },
  ];
  const logits = Float32Array.of(-1, 2, 0.5);
  expect(blendCrossEncoder(ranked, logits, 1)).toEqual([
    { id: 'b', score: 1 },
    { id: 'c', score: 0.5 },
    { id: 'a', score: 0 },
    { id: 'd', score: 0 },
  ]);
  expect(blendCrossEncoder(ranked, logits, 0).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  // w = 0.5: a = 0.5·1 + 0.5·0, b = 0.5·0.5 + 0.5·1, c = 0 + 0.5·0.5; d below all.
  const half = blendCrossEncoder(ranked, logits, 0.5);
  expect(half.map((r) => r.id)).toEqual(['b', 'a', 'c', 'd']);
  expect(half.map((r) => r.score)).toEqual([0.75, 0.5, 0.25, -0.25]);
  // Equal logits leave the fused order.
  expect(blendCrossEncoder(ranked, Float32Array.of(1, 1), 0.9).map((r) => r.id)).toEqual([
    'a',
    'b',
    'c',
    'd',
  ]);
});

test('Engine.search: retrieval.crossEncoder reorders the best candidates as the model scores them (off by default)', async () => {
  const e = await Engine.open({
    name: 'cross-encoder-engine',
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
  });
  try {
    await e.addMany(MEMORIES.map((text) => ({ text })));
    const search = (retrieval?: object, limit = 4) =>
      e.search(SEARCH, { limit, reinforce: false, ...(retrieval ? { retrieval } : {}) });
    const crossEncoder = { model: TINY_CROSS_ENCODER_ID, localModelPath: dir + '/' };
    const texts = (r: { results: { memory: string }[] }) => r.results.map((h) => h.memory);
    const base = (await search(undefined, 6)).results;
    const want = crossEncoderExpectations(SEARCH, base, 0.5);
    // Off by default, and `false` is off.
    expect(texts(await search({ crossEncoder: false }, 6))).toEqual(base.map((h) => h.memory));
    // Weight 1: the best 6 after fusion, in the model's order, the first 3 returned.
    const byModel = await search({ crossEncoder: { ...crossEncoder, weight: 1, top: 6 } }, 3);
    expect(texts(byModel)).toEqual(want.byModel.slice(0, 3));
    expect(byModel.results[0]!.score).toBe(1);
    expect(want.byModel.slice(0, 3)).not.toEqual(base.slice(0, 3).map((h) => h.memory));
    // The default weight (0.5) blends the fused and the model's scores.
    const blended = await search({ crossEncoder: { ...crossEncoder, top: 6 } }, 6);
    expect(texts(blended)).toEqual(want.blended);
    expect(want.blended).not.toEqual(want.byModel);
    expect(want.blended).not.toEqual(base.map((h) => h.memory));
    await expect(
      search({ crossEncoder: { ...crossEncoder, model: 'no-such-model' } }),
    ).rejects.toMatchObject({ code: 'ModelLoadFailed' });
    for (const bad of [{ weight: 2 }, { top: 0 }, { model: '' }])
      await expect(search({ crossEncoder: { ...crossEncoder, ...bad } })).rejects.toMatchObject({
        code: 'InvalidArgument',
      });
  } finally {
    await e.close();
  }
});
