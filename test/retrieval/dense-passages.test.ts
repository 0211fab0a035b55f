// Dense passages (retrieval.dense.passages) in the real engine under Node: a long memory whose
// answer sits in its last passage is found by the dense stage alone, once; only long memories
// are embedded as passages, once each (a recall re-embeds nothing); update re-embeds the new
// text, erasure drops it, and a reopened store finds it again.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import type { Embedder } from '../../src/embed/embedder';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { passages } from '../../src/retrieval/passages';
import type { RetrievalOptions } from '../../src/retrieval/retriever';

/** The hash embedder, counting the texts it is given. */
class Counting implements Embedder {
  readonly inner = new HashEmbedder({ dim: 256 });
  readonly id = this.inner.id;
  readonly dim = this.inner.dim;
  texts: string[] = [];
  embed(texts: string[]): Promise<Float32Array[]> {
    this.texts.push(...texts);
    return this.inner.embed(texts);
  }
}

/** The dense stage alone, with or without passages. */
const denseOnly = (passages: boolean): RetrievalOptions => ({
  dense: { passages },
  lexical: false,
  episode: false,
  context: false,
  links: false,
  time: false,
  updates: false,
  standing: false,
  rerank: false,
});

const body = Array.from(
  { length: 70 },
  (_, i) => `Step ${i} of the rollout plan covers checks number ${i} for the team. `,
).join('');
const long = body + 'The staging deployment key is kept in the quuxvault under ops keys.';
const fillers = Array.from({ length: 30 }, (_, i) =>
  i % 3 === 0
    ? `Server ${i} of the staging cluster was restarted.`
    : `Note ${i}: lunch menus for Friday are posted by Maya.`,
);
const q = 'where is the staging deployment key kept quuxvault';
const qNew = 'the staging deployment key now lives on the hardware token';

test('a long memory is scored by its best passage, once; only long memories are embedded as passages', async () => {
  const embedder = new Counting();
  const name = `dense-passages-${Date.now()}`;
  let e = await Engine.open({ name, embedder, backend: 'cpu' });
  await e.addMany(fillers.map((text) => ({ text })));
  const id = (await e.addMany([{ text: long }])).results[0]!.id;
  const search = async (on: boolean, query = q) =>
    (await e.search(query, { limit: 10, reinforce: false, retrieval: denseOnly(on) })).results;

  const off = await search(false);
  embedder.texts = [];
  const on = await search(true);
  // The query, then the long memory's passages (no filler: they are one passage each).
  const parts = passages(long);
  expect(parts.length).toBeGreaterThanOrEqual(6);
  expect(embedder.texts).toEqual([q, ...parts]);
  expect(on[0]!.id).toBe(id);
  expect(on.filter((r) => r.id === id)).toHaveLength(1);
  expect(new Set(on.map((r) => r.id)).size).toBe(on.length);
  // Its similarity is its best passage's, above the whole text's (which ranks lower).
  const whole = off.find((r) => r.id === id);
  expect(off.findIndex((r) => r.id === id)).not.toBe(0);
  expect(on[0]!.similarity).toBeGreaterThan(whole?.similarity ?? 0);

  // Searched again and recalled (a new record, the same text): nothing is embedded again.
  embedder.texts = [];
  await e.search(q, { limit: 10, retrieval: denseOnly(true) });
  await search(true);
  expect(embedder.texts).toEqual([q, q]);

  // Update: the new text's passages are embedded; the old answer no longer finds it first.
  const changed = body + 'The staging deployment key now lives on the hardware token.';
  await e.update(id, changed);
  embedder.texts = [];
  const old = await search(true);
  expect(embedder.texts).toEqual([q, ...passages(changed)]);
  const fresh = await search(true, qNew);
  expect(fresh[0]!.id).toBe(id);
  expect(old[0]!.similarity).toBeLessThan(on[0]!.similarity);

  // Reopen: embedded again at the first search, found the same way.
  await e.close();
  e = await Engine.open({ name, embedder, backend: 'cpu' });
  embedder.texts = [];
  expect((await search(true, qNew))[0]!.id).toBe(id);
  expect(embedder.texts.slice(1)).toEqual(passages(changed));

  // Erasure: gone from the dense stage, passages and all.
  await e.erase(id);
  expect((await search(true)).map((r) => r.id)).not.toContain(id);
  await e.close();
});

test('retrieval.dense.passages must be a boolean', async () => {
  const e = await Engine.open({
    name: `dense-passages-bad-${Date.now()}`,
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
  });
  await expect(
    e.search('x', { retrieval: { dense: { passages: 'yes' as unknown as boolean } } }),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
  await e.close();
});
