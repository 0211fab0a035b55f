// A read's masks are cached until the next change: scoped and plain dense searches stay
// exact across deletes, updates and adds, and repeat no work sized by the store in between.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { MemoryState } from '../../src/engine/memory-state';

const dim = 16;
const axis = (i: number) => Float32Array.from({ length: dim }, (_, j) => (j === i ? 1 : 0));
const dense = { retrieval: false, reinforce: false, limit: 50 } as const;

test('scoped and plain dense searches follow every write; masks are reused between writes', async () => {
  const e = await Engine.open({
    name: `search-masks-${Date.now()}`,
    embedder: new HashEmbedder({ dim }),
    backend: 'cpu',
    index: { mode: 'fp32' },
    checkpoint: { idleMs: false },
  });
  const state = () => (e as unknown as { core: { state: MemoryState } }).core.state;
  const add = async (text: string, userId: string, i: number) =>
    (await e.add(text, { userId, vector: axis(i), infer: false, link: false })).results[0]!.id;
  const a1 = await add('a one', 'a', 0);
  const a2 = await add('a two', 'a', 1);
  await add('b one', 'b', 2);
  const texts = async (o: object) =>
    (await e.search('q', { ...dense, vector: axis(0), ...o })).results.map((r) => r.memory).sort();

  expect(await texts({ userId: 'a' })).toEqual(['a one', 'a two']);
  // Same mask object while nothing changes; every memory current: no mask at all.
  const m1 = state().scopeMask({ userId: 'a' }).allow;
  expect(state().scopeMask({ userId: 'a' }).allow).toBe(m1);
  expect(state().currentMask()).toBeUndefined();

  await e.delete(a1);
  expect(await texts({ userId: 'a' })).toEqual(['a two']);
  expect(await texts({})).toEqual(['a two', 'b one']);
  const m2 = state().scopeMask({ userId: 'a' }).allow;
  expect(m2).not.toBe(m1);
  expect(state().currentMask()).toBeUndefined();

  await e.update(a2, 'a two, updated');
  expect(await texts({ userId: 'a' })).toEqual(['a two, updated']);
  expect(await texts({})).toEqual(['a two, updated', 'b one']);
  // The past version's slot stays live (for asOf), so plain searches need the current mask now:
  // one array until the next change.
  const c1 = state().currentMask();
  expect(c1).toBeInstanceOf(Uint8Array);
  expect(state().currentMask()).toBe(c1);

  await add('a three', 'a', 3);
  expect(await texts({ userId: 'a' })).toEqual(['a three', 'a two, updated']);
  expect(await texts({ userId: 'b' })).toEqual(['b one']);
  expect(state().currentMask()).not.toBe(c1);
  expect(await texts({ userId: 'nobody' })).toEqual([]);
  // A metadata filter is tested anew each time.
  expect(await texts({ userId: 'a', filters: { missing: 'x' } })).toEqual([]);
  await e.close();
});

test('a dense hit keeps the public shape: the memory view, then score, similarity, retention', async () => {
  const e = await Engine.open({
    name: `search-shape-${Date.now()}`,
    embedder: new HashEmbedder({ dim }),
    backend: 'cpu',
    checkpoint: { idleMs: false },
  });
  await e.add('hello', { userId: 'u', metadata: { k: 'v' }, vector: axis(0), infer: false });
  const [hit] = (await e.search('q', { ...dense, vector: axis(0) })).results;
  const { score, similarity, retention, ...memory } = hit!;
  expect(memory).toEqual(await e.get(hit!.id));
  expect(Object.keys(hit!).slice(-3)).toEqual(['score', 'similarity', 'retention']);
  expect(similarity).toBeCloseTo(1, 5);
  expect(score).toBe(similarity);
  expect(retention).toBeGreaterThan(0.99);
  await e.close();
});
