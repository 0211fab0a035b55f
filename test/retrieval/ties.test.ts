// Equal scores are ordered by event time, then write order — never by the memories' ids, which
// the engine draws at random: the same texts written in the same order rank the same way in
// every store (the BEAM eval moved by a question between runs of unchanged code before this).
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { Retriever, type RetrievalOptions } from '../../src/retrieval/retriever';

const T = Date.UTC(2024, 2, 1);

/**
 * Four copies of one text, and filler: ids in the reverse of the order that is expected
 * (write order 1…4 with the same event time, or event times out of write order), so a tie
 * broken by id gives the opposite ranking.
 */
function copies(byTime: boolean): { r: Retriever; expected: string[] } {
  const r = new Retriever();
  const ids = ['a', 'b', 'c', 'd'];
  // byTime: event times d > c > b > a although written a, b, c, d in reverse time order.
  ids.forEach((id, i) =>
    r.upsert({
      id,
      text: 'the blue kettle stands on the kitchen shelf',
      time: byTime ? T + i * 86_400_000 : T,
      order: byTime ? 10 - i : 0,
      seq: byTime ? 10 - i : i + 1,
      role: 'user',
    }),
  );
  for (let i = 0; i < 12; i++)
    r.upsert({ id: `f${i}`, text: `filler note ${i} about the weather`, time: T, seq: 100 + i });
  return { r, expected: ['d', 'c', 'b', 'a'] };
}

const CONFIGS: [string, RetrievalOptions][] = [
  ['defaults (fused rerank)', {}],
  ['rerank off', { rerank: false }],
  ['episode penalty', { rerank: { episodePenalty: 0.1 } }],
  ['mmr', { rerank: { lambda: 0.5 } }],
  ['lexical pool 2', { lexical: { pool: 2 }, rerank: false }],
];

test('ties: the later event first, then the later write, whatever the ids', () => {
  for (const byTime of [false, true]) {
    const { r, expected } = copies(byTime);
    const zero = new Float32Array(4);
    for (const [name, o] of CONFIGS) {
      const got = r.search('blue kettle shelf', 4, { vector: () => zero }, o).map((h) => h.id);
      const want = o.lexical && o.lexical.pool === 2 ? expected.slice(0, 2) : expected;
      expect(got.slice(0, want.length), `${name}, by ${byTime ? 'time' : 'write'}`).toEqual(want);
    }
  }
});

test('ties: of two standing instructions that match a request equally, the later is surfaced', () => {
  const r = new Retriever();
  r.upsert({ id: 'a', text: 'Always show probability steps.', time: T, seq: 1, role: 'user' });
  r.upsert({ id: 'z', text: 'Always show probability steps.', time: T, seq: 2, role: 'user' });
  r.upsert({ id: 'q', text: 'How do I draw two aces from a deck?', time: T, seq: 3, role: 'user' });
  const got = r.search('odds of drawing cards', 3, {}, { standing: { top: 1 } });
  const score = (id: string) => got.find((h) => h.id === id)?.score ?? 0;
  expect(score('z')).toBeGreaterThan(score('a'));
});

test('Engine.search: copies of a text rank newest write first in every store (random ids)', async () => {
  const e = await Engine.open({
    name: `ties-${Date.now()}`,
    embedder: new HashEmbedder({ dim: 16 }),
    backend: 'cpu',
  });
  try {
    const text = 'the blue kettle stands on the kitchen shelf';
    const added = await e.addMany([
      ...Array.from({ length: 8 }, () => ({ text })),
      ...Array.from({ length: 10 }, (_, i) => ({ text: `filler note ${i} about the weather` })),
    ]);
    const ids = added.results.slice(0, 8).map((x) => x.id);
    const { results } = await e.search('blue kettle on the shelf', { limit: 8, reinforce: false });
    // 8 copies: the chance that random ids happen to sort this way is 1 in 40,320.
    expect(results.map((x) => x.id)).toEqual([...ids].reverse());
  } finally {
    await e.close();
  }
});
