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

// With a resident budget the IVF index is the hot tier of a TieredIndex, which forwards `building`.
test.each([
  ['the IVF index', {}],
  ['a TieredIndex (gpuBudgetBytes) over it', { gpuBudgetBytes: 1 << 30 }],
])(
  'info().indexBuilding is set while IVF lists train in the background (past 20 000 vectors), then cleared: %s',
  async (_, budget) => {
    const dim = 8;
    const embedder = new HashEmbedder({ dim });
    const e = await Engine.open({
      name: `node-ivf-building-${'gpuBudgetBytes' in budget ? 'tiered' : 'plain'}`,
      embedder,
      backend: 'cpu',
      index: { mode: 'ivf' },
      checkpoint: { idleMs: false },
      ...budget,
    });
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vector = () => Float32Array.from({ length: dim }, rand);
    const fill = async (n: number) => {
      for (let from = 0; from < n; from += 5000)
        await e.addMany(
          Array.from({ length: Math.min(5000, n - from) }, (_, i) => ({
            text: `row ${from + i}`,
            vector: vector(),
            infer: false,
          })),
        );
    };
    await fill(20_000);
    expect(e.info().indexBuilding).toBeUndefined();
    // The first search past 20 000 rows starts the training in slices and does not wait for it.
    await e.search('q', { vector: vector(), retrieval: false, reinforce: false });
    expect(e.info()).toMatchObject({ indexMode: 'fp32', indexBuilding: true });
    while (e.info().indexBuilding) await new Promise((r) => setTimeout(r, 20));
    expect(e.info().indexMode).toBe('ivf');
    expect('indexBuilding' in e.info()).toBe(false);
    await e.close();
  },
  300_000,
);
