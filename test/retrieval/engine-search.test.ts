// The retrieval stages inside Engine.search (Node, fake-indexeddb, CPU path).
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';

test('Engine.search runs the hybrid stages by default; retrieval: false is dense only', async () => {
  const e = await Engine.open({
    name: 'retrieval-engine',
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
  });
  try {
    const texts = [
      'Caroline: I went to the LGBTQ support group yesterday',
      'Melanie: That is wonderful, how did it feel?',
      'Caroline: It felt powerful and I felt accepted',
      'Melanie: I signed up for a pottery class',
      ...Array.from(
        { length: 30 },
        (_, i) => `filler memory number ${i} about weather and traffic`,
      ),
    ];
    const added = await e.addMany(texts.map((text) => ({ text, runId: 'session-1' })));
    const id = (i: number) => added.results[i]!.id;
    const hybrid = await e.search('Which support group did Caroline attend?', {
      limit: 3,
      reinforce: false,
    });
    expect(hybrid.results[0]!.id).toBe(id(0));
    expect(hybrid.results.map((r) => r.id)).toContain(id(1)); // its neighbour in the run
    const dense = await e.search('Which support group did Caroline attend?', {
      limit: 3,
      retrieval: false,
      reinforce: false,
    });
    expect(dense.results.every((r) => r.score === r.similarity)).toBe(true);
    await expect(e.search('x', { retrieval: { nope: {} } as never })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    await e.delete(id(0));
    const after = await e.search('support group', { limit: 3, reinforce: false });
    expect(after.results.map((r) => r.id)).not.toContain(id(0));
  } finally {
    await e.close();
  }
});

test('after an update (a past version in the index), an unscoped search checks no posting against the mask', async () => {
  const e = await Engine.open({
    name: 'retrieval-engine-mask',
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
  });
  try {
    const n = 2000;
    const added = await e.addMany(
      Array.from({ length: n }, (_, i) => ({ text: `garden note ${i} about the roses` })),
    );
    const id0 = added.results[0]!.id;
    // A search first: its sync reads every record once (to index it), which is not counted here.
    await e.search('garden', { limit: 1, reinforce: false });
    await e.update(id0, 'garden note about the tulips');
    const state = (e as unknown as { state: { records: Map<string, unknown> } }).state;
    // The update left the old version in the index: plain searches pass a mask of current ones.
    expect((state as unknown as { currentMask(): unknown }).currentMask()).toBeDefined();
    const records = state.records;
    const get = records.get.bind(records);
    let gets = 0;
    records.get = (k: string) => {
      gets++;
      return get(k);
    };
    const plain = await e.search('garden tulips', { limit: 5, reinforce: false });
    const plainGets = gets;
    records.get = get;
    expect(plain.results[0]!.id).toBe(id0);
    // Every memory holds "garden": a check per posting would read the records n times; the
    // candidates (lexical pool 400, dense 100) are read a few times each.
    expect(plainGets).toBeLessThan(n / 2);
  } finally {
    await e.close();
  }
});

test('a memory changed after a reopen, before the first search, is searched by its new words', async () => {
  const open = () =>
    Engine.open({
      name: 'retrieval-reopen',
      embedder: new HashEmbedder({ dim: 16 }),
      backend: 'cpu',
    });
  let e = await open();
  const added = await e.addMany(
    Array.from({ length: 50 }, (_, i) => ({ text: `note ${i} about the garden roses` })),
  );
  const id = added.results[7]!.id;
  await e.close(); // writes the checkpoint the reopen loads its lexical index from
  e = await open();
  try {
    await e.update(id, 'a zeppelin over the harbour');
    const lexicalOnly = { limit: 3, reinforce: false, retrieval: { dense: false } } as const;
    const found = await e.search('zeppelin harbour', lexicalOnly);
    expect(found.results.map((r) => r.id)).toEqual([id]);
    const old = await e.search('garden roses', { ...lexicalOnly, limit: 50 });
    expect(old.results.map((r) => r.id)).not.toContain(id);
  } finally {
    await e.close();
  }
});
