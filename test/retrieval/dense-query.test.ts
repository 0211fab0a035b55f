// The dense stage embeds a query without the names of the speakers it names ("What do Melanie's
// kids like?" → "What do kids like?"): the name would pull the query's vector towards every turn
// that addresses that person; the speaker boosts already favour the named speaker's memories.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { EmbedOptions } from '../../src/embed/embedder';
import { withoutSpeakers } from '../../src/retrieval/dense-query';
import { checkRetrievalOptions } from '../../src/retrieval/engine-search';

const speakers = new Set(['Melanie', 'Caroline']);
const isSpeaker = (n: string) => speakers.has(n);

test('withoutSpeakers drops the speakers a query names, possessives too, and nothing else', () => {
  expect(withoutSpeakers("What do Melanie's kids like?", isSpeaker)).toBe('What do kids like?');
  expect(withoutSpeakers('Did Caroline and Melanie both go to Paris?', isSpeaker)).toBe(
    'Did and both go to Paris?',
  );
  expect(withoutSpeakers('What did Caroline’s sister study?', isSpeaker)).toBe(
    'What did sister study?',
  );
  // Not a speaker, a name only as part of a longer word, or nothing but the name: unchanged.
  expect(withoutSpeakers('What did Bob see in Paris?', isSpeaker)).toBe(
    'What did Bob see in Paris?',
  );
  expect(withoutSpeakers('Is Melanies a word?', isSpeaker)).toBe('Is Melanies a word?');
  expect(withoutSpeakers('Hi Melanie?', isSpeaker)).toBe('Hi?');
  expect(withoutSpeakers('Melanie Melanie', isSpeaker)).toBe('Melanie Melanie');
});

class SpyEmbedder extends HashEmbedder {
  seen: string[] = [];
  override async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    this.seen.push(...texts);
    return super.embed(texts, options);
  }
}

test('a search embeds its query without the speakers it names, unless stripSpeakers is off', async () => {
  const embedder = new SpyEmbedder({ dim: 16 });
  const e = await Engine.open({ name: `dense-query-${Date.now()}`, embedder, backend: 'cpu' });
  try {
    await e.addMany([
      { text: 'Melanie: The kids loved the dinosaur exhibit.', metadata: { speaker: 'Melanie' } },
      { text: 'Caroline: Wow, Melanie, that sounds fun!', metadata: { speaker: 'Caroline' } },
    ]);
    const embedded = async (q: string, options: object = {}) => {
      embedder.seen = [];
      await e.search(q, { reinforce: false, ...options });
      return embedder.seen;
    };
    const q = "What do Melanie's kids like?";
    expect(await embedded(q)).toEqual(['What do kids like?']);
    expect(await embedded(q, { retrieval: { dense: { stripSpeakers: false } } })).toEqual([q]);
    // Plain dense search, the dense stage off, a name nobody said anything as: the query as is.
    expect(await embedded(q, { retrieval: false })).toEqual([q]);
    expect(await embedded(q, { retrieval: { dense: false } })).toEqual([q]);
    expect(await embedded('What does Bob like?')).toEqual(['What does Bob like?']);
    // A vector given to search is used as it is: nothing embedded.
    expect(
      await embedded(q, { vector: (await new HashEmbedder({ dim: 16 }).embed([q]))[0] }),
    ).toEqual([]);
  } finally {
    await e.close();
  }
});

test('a non-boolean stripSpeakers is InvalidArgument', () => {
  for (const stripSpeakers of ['yes', 1, null])
    expect(() => checkRetrievalOptions({ dense: { stripSpeakers } as never })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
});
