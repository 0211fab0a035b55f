// addMany (issue 14, ingest): chunks of 128 when the model embeds, the model embedding chunk
// i + 1 while chunk i is written (and, with a model that embeds overlapping calls side by side,
// while chunk i is still embedded), chunks written in order, progress as each is stored,
// results in input order with each item's own vector, and no write left in flight when it stops.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { EmbedOptions, Embedder } from '../../src/embed/embedder';
import type { AddResult } from '../../src/memory/ingest';

/**
 * A HashEmbedder that logs its calls into `log` and takes a few ms per call, like a model;
 * `concurrent` as a pool of model instances says it (with its calls' ends logged too), and
 * then call `failCall` rejects.
 */
function slowEmbedder(log: string[], concurrent = false, failCall = 0): Embedder {
  const inner = new HashEmbedder({ dim: 32 });
  let calls = 0;
  return {
    id: inner.id,
    dim: inner.dim,
    ...(concurrent ? { concurrent } : {}),
    async embed(texts: string[], options?: EmbedOptions) {
      const n = ++calls;
      log.push(`embed ${n} (${texts.length})`);
      await new Promise((r) => setTimeout(r, 5));
      if (concurrent) {
        await new Promise((r) => setTimeout(r, 20));
        if (n === failCall) {
          log.push(`failed ${n}`);
          throw new Error('the model failed');
        }
        if (options?.signal?.aborted) {
          log.push(`aborted ${n}`);
          throw Object.assign(new Error('aborted'), { code: 'Aborted' });
        }
        log.push(`embedded ${n}`);
      }
      return inner.embed(texts, options);
    },
  };
}

/** Each of these memories has its own text's vector: a search by that vector finds it first. */
async function expectOwnVectors(e: Engine, out: AddResult, at: number[]): Promise<void> {
  const ref = new HashEmbedder({ dim: 32 });
  for (const i of at) {
    const [v] = await ref.embed([texts[i]!]);
    const top = await e.search(texts[i]!, { vector: v!, limit: 1, retrieval: { lexical: false } });
    expect(top.results[0]!.id).toBe(out.results[i]!.id);
  }
}

const texts = Array.from(
  { length: 300 },
  (_, i) => `note ${i} about the garden, item${i} (${i * 7})`,
);

test('addMany: chunks of 128, the next embedded while one is written, in order, with progress', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-pipeline',
    embedder: slowEmbedder(log),
    backend: 'cpu',
  });
  log.length = 0;
  const out = await e.addMany(
    texts.map((text) => ({ text })),
    { onProgress: ({ done, total }) => log.push(`stored ${done}/${total}`) },
  );
  // Embedding chunk 2 starts before chunk 1 is stored: the model does not wait for the write.
  expect(log).toEqual([
    'embed 1 (128)',
    'embed 2 (128)',
    'stored 128/300',
    'embed 3 (44)',
    'stored 256/300',
    'stored 300/300',
  ]);
  expect(out.results.map((r) => r.memory)).toEqual(texts);
  expect(out.results.every((r) => r.event === 'ADD')).toBe(true);
  expect((await e.getAll({ limit: 1000 })).results.map((m) => m.memory)).toEqual(texts);
  await expectOwnVectors(e, out, [0, 127, 128, 255, 299]);
  await e.close();
});

test('addMany with given vectors keeps chunks of 500', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-given',
    embedder: slowEmbedder(log),
    backend: 'cpu',
  });
  const ref = new HashEmbedder({ dim: 32 });
  const many = Array.from({ length: 600 }, (_, i) => `given ${i}`);
  const vectors = await ref.embed(many);
  const seen: number[] = [];
  log.length = 0;
  await e.addMany(
    many.map((text, i) => ({ text, vector: vectors[i]! })),
    { onProgress: (p) => seen.push(p.done) },
  );
  expect(seen).toEqual([500, 600]);
  expect(log.filter((l) => l.startsWith('embed') && !l.endsWith('(0)'))).toEqual([]);
  await e.close();
});

test('addMany aborted: what was stored stays, nothing is written after it rejects', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-abort',
    embedder: slowEmbedder(log),
    backend: 'cpu',
  });
  const ac = new AbortController();
  await expect(
    e.addMany(
      texts.map((text) => ({ text })),
      {
        signal: ac.signal,
        onProgress: () => ac.abort(),
      },
    ),
  ).rejects.toMatchObject({ code: 'Aborted' });
  // Chunk 1 stored; chunk 2 was embedded while chunk 1 was written, then stored before
  // the abort was seen at chunk 3's embedding; nothing after.
  const count = (await e.getAll({ limit: 1000 })).results.length;
  await new Promise((r) => setTimeout(r, 50));
  expect((await e.getAll({ limit: 1000 })).results.length).toBe(count);
  expect([128, 256]).toContain(count);
  await e.close();
});

test('a model embedding overlapping calls side by side is asked for the next chunk before the last is made', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-concurrent',
    embedder: slowEmbedder(log, true),
    backend: 'cpu',
  });
  log.length = 0;
  const out = await e.addMany(
    texts.map((text) => ({ text })),
    { onProgress: ({ done }) => log.push(`stored ${done}`) },
  );
  // Chunk 2's embedding starts before chunk 1's ends (and 3's before 2's); writes in order.
  expect(log.indexOf('embed 2 (128)')).toBeLessThan(log.indexOf('embedded 1'));
  expect(log.indexOf('embed 3 (44)')).toBeLessThan(log.indexOf('embedded 2'));
  expect(log.filter((l) => l.startsWith('stored'))).toEqual([
    'stored 128',
    'stored 256',
    'stored 300',
  ]);
  expect(out.results.map((r) => r.memory)).toEqual(texts);
  expect((await e.getAll({ limit: 1000 })).results.map((m) => m.memory)).toEqual(texts);
  await expectOwnVectors(e, out, [0, 128, 299]);
  await e.close();
});

test('aborted with a chunk embedded ahead: that embedding is stopped, nothing after the abort written', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-concurrent-abort',
    embedder: slowEmbedder(log, true),
    backend: 'cpu',
  });
  const ac = new AbortController();
  log.length = 0;
  await expect(
    e.addMany(
      texts.map((text) => ({ text })),
      { signal: ac.signal, onProgress: () => ac.abort() },
    ),
  ).rejects.toMatchObject({ code: 'Aborted' });
  // Chunk 1 stored; the abort came while chunk 2 (or 3, started ahead) was embedded: that call
  // ended aborted before addMany returned, and nothing more is written.
  const count = (await e.getAll({ limit: 1000 })).results.length;
  expect(log.some((l) => l.startsWith('aborted'))).toBe(true);
  const calls = log.filter((l) => l.startsWith('embed ')).length;
  expect(log.filter((l) => /^(embedded|aborted) /.test(l)).length).toBe(calls);
  await new Promise((r) => setTimeout(r, 80));
  expect((await e.getAll({ limit: 1000 })).results.length).toBe(count);
  expect([128, 256]).toContain(count);
  await e.close();
});

test('a chunk failing while the next is embedded ahead: that one is stopped before addMany rejects', async () => {
  const log: string[] = [];
  const e = await Engine.open({
    name: 'add-many-concurrent-fail',
    embedder: slowEmbedder(log, true, 2),
    backend: 'cpu',
  });
  log.length = 0;
  await expect(e.addMany(texts.map((text) => ({ text })))).rejects.toThrow(/the model failed/);
  // Call 2 (chunk 2) failed while call 3 (chunk 3) was embedded ahead: call 3 was stopped and
  // had ended when addMany rejected; chunk 1 stays stored, nothing else.
  expect(log).toContain('aborted 3');
  await new Promise((r) => setTimeout(r, 80));
  expect(log.filter((l) => l.startsWith('embed ')).length).toBe(3);
  expect((await e.getAll({ limit: 1000 })).results.map((m) => m.memory)).toEqual(
    texts.slice(0, 128),
  );
  await e.close();
});
