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
