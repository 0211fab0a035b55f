// The engine also runs under Node (CPU backend, fake-indexeddb) for eval and bench scripts.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';

test('Engine opens, writes, searches and reopens under Node', async () => {
  const embedder = new HashEmbedder({ dim: 32 });
  const e = await Engine.open({ name: 'node-store', embedder, backend: 'auto' });
  expect(e.info().backend).toBe('cpu');
  await e.addMany([{ text: 'the cat sleeps on the sofa' }, { text: 'stock prices fell sharply' }]);
  const top = await e.search('a cat on a sofa', { limit: 1 });
  expect(top.results[0]!.memory).toBe('the cat sleeps on the sofa');
  await e.close();
  const again = await Engine.open({ name: 'node-store', embedder, backend: 'cpu' });
  expect((await again.getAll()).results.map((m) => m.memory)).toEqual([
    'the cat sleeps on the sofa',
    'stock prices fell sharply',
  ]);
  await expect(again.add('')).rejects.toMatchObject({ code: 'EmptyText' });
  await again.close();
});
