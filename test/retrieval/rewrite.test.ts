// The query-side llm hook: a scripted rewriteQuery replaces the query (or fans it out into
// several, merged round-robin); bad hooks and bad output are typed errors.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { checkRewrites, mergeRoundRobin } from '../../src/retrieval/rewrite';

test('mergeRoundRobin interleaves and skips repeats; checkRewrites trims and dedupes', () => {
  const h = (id: string) => ({ id });
  expect(
    mergeRoundRobin(
      [
        [h('a'), h('b')],
        [h('a'), h('c'), h('d')],
      ],
      10,
    ).map((x) => x.id),
  ).toEqual(['a', 'b', 'c', 'd']);
  expect(checkRewrites(' x ', 10)).toEqual(['x']);
  expect(checkRewrites(['a', 'a ', 'b'], 10)).toEqual(['a', 'b']);
  for (const bad of [[], '', ['ok', 3], null, { q: 'x' }, Array(9).fill('q'), 'x'.repeat(11)])
    expect(() => checkRewrites(bad, 10)).toThrow(expect.objectContaining({ code: 'LlmFailed' }));
});

test('search with llm.rewriteQuery searches the rewrites; errors are LlmFailed / InvalidArgument', async () => {
  const e = await Engine.open({
    name: 'retrieval-rewrite',
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
    reinforceOnSearch: false,
  });
  try {
    const added = await e.addMany([
      { text: 'Ada moved to Lisbon in spring' },
      { text: 'Bob adopted a greyhound named Flash' },
      { text: 'The weather was mild all week' },
    ]);
    const [lisbon, dog] = added.results.map((r) => r.id);
    const seen: string[] = [];
    const rewriteQuery = async (q: string) => {
      seen.push(q);
      return q.includes('pet') ? ['greyhound', 'Lisbon'] : 'Lisbon';
    };
    const one = await e.search('where does she live now?', { limit: 1, llm: { rewriteQuery } });
    expect(one.results.map((r) => r.id)).toEqual([lisbon]);
    const two = await e.search('which pet and which city?', { limit: 2, llm: { rewriteQuery } });
    expect(two.results.map((r) => r.id)).toEqual([dog, lisbon]); // round-robin: one from each
    expect(seen).toEqual(['where does she live now?', 'which pet and which city?']);
    const plain = await e.search('where does she live now?', { limit: 1 });
    expect(plain.results).toHaveLength(1);
    expect(seen).toHaveLength(2); // no hook given: none called
    await expect(
      e.search('q', {
        llm: {
          rewriteQuery: async () => {
            throw new Error('model offline');
          },
        },
      }),
    ).rejects.toMatchObject({ code: 'LlmFailed' });
    await expect(
      e.search('q', { llm: { rewriteQuery: async () => [] as string[] } }),
    ).rejects.toMatchObject({ code: 'LlmFailed' });
    await expect(
      e.search('q', { llm: { rewriteQuery: (async () => 42) as never } }),
    ).rejects.toMatchObject({ code: 'LlmFailed' });
    await expect(e.search('q', { llm: {} })).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(
      e.search('q', { llm: { rewriteQuery }, vector: new Float32Array(32) }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
    await expect(e.search('', { llm: { rewriteQuery } })).rejects.toMatchObject({
      code: 'EmptyText',
    });
  } finally {
    await e.close();
  }
});
