// An embedder usable before its model loads (issue 14, cold open): the engine opens its store
// with it while the model loads; and an embedding Worker used as the engine's own instance.
import { expect, test } from 'vitest';
import { embedderOf } from '../../src/embed/embed-worker';
import type { EmbedHelper } from '../../src/embed/embed-pool';
import type { Embedder } from '../../src/embed/embedder';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { LateEmbedder } from '../../src/embed/late-embedder';
import { isEngramError } from '../../src/errors';

test('a late embedder: id and dim at once, calls wait for the model, then act as it', async () => {
  const inner = new HashEmbedder({ dim: 16 });
  let done!: (e: Embedder) => void;
  const late = new LateEmbedder(inner.id, 16, new Promise<Embedder>((r) => (done = r)));
  expect([late.id, late.dim, late.concurrent]).toEqual([inner.id, 16, false]);
  let answered = false;
  const call = late.embed(['a text']).then((v) => ((answered = true), v));
  await new Promise((r) => setTimeout(r, 20));
  expect(answered).toBe(false); // waits for the load
  done(Object.assign(inner, { concurrent: true }));
  const [v] = await call;
  expect(Array.from(v!)).toEqual(Array.from((await inner.embed(['a text']))[0]!));
  expect(late.concurrent).toBe(true);
});

test('a late embedder whose model fails to load rejects each call with the load error', async () => {
  const failed = Promise.reject(new Error('no model here'));
  const late = new LateEmbedder('m', 8, failed);
  await expect(late.embed(['x'])).rejects.toThrow('no model here');
  await expect(late.embed(['y'])).rejects.toThrow('no model here');
});

test('an embedding Worker as the engine own instance: texts checked here, progress at the end, stopped on dispose', async () => {
  const inner = new HashEmbedder({ dim: 8 });
  const sent: string[][] = [];
  let stopped = false;
  const helper: EmbedHelper = {
    embed: async (t) => (sent.push(t), inner.embed(t)),
    terminate: () => (stopped = true),
  };
  const e = embedderOf(helper, inner.id, 8);
  const progress: number[] = [];
  const got = await e.embed(['one', 'two'], { onProgress: (p) => progress.push(p.done) });
  expect(got.length).toBe(2);
  expect(progress).toEqual([2]);
  // A bad text is refused before anything is sent, with its index in the call.
  const bad = await e.embed(['ok', '  ']).catch((x: unknown) => x);
  expect(isEngramError(bad, 'EmptyText')).toBe(true);
  expect((bad as { details?: unknown }).details).toEqual({ index: 1 });
  const ac = new AbortController();
  ac.abort();
  expect(
    isEngramError(await e.embed(['x'], { signal: ac.signal }).catch((x) => x), 'Aborted'),
  ).toBe(true);
  expect(sent).toEqual([['one', 'two']]);
  await e.dispose?.();
  expect(stopped).toBe(true);
});
