import { describe, expect, test } from 'vitest';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { cos, norm } from './vectors';

describe('HashEmbedder', () => {
  test('is deterministic, unit-length, and named by its dimension', async () => {
    const a = new HashEmbedder();
    const b = new HashEmbedder({ dim: 64 });
    expect(a.id).toBe('hash-64');
    expect(a.dim).toBe(64);
    expect(new HashEmbedder({ dim: 8 }).id).toBe('hash-8');
    const [x, y] = [...(await a.embed(['Hello, world'])), ...(await b.embed(['Hello, world']))];
    expect(x).toEqual(y);
    expect(x).toHaveLength(64);
    expect(norm(x!)).toBeCloseTo(1, 6);
    // Pinned: the same vector on every machine and run.
    const nonZero = [...x!].flatMap((v, i) => (v ? [`${i}:${v.toFixed(4)}`] : []));
    expect(nonZero.join(' ')).toMatchInlineSnapshot(
      `"6:0.2132 8:0.2132 10:0.2132 16:0.2132 19:0.2132 32:0.4264 42:0.2132 50:0.2132 52:0.4264 55:0.2132 56:0.2132 57:0.4264 60:0.2132"`,
    );
  });

  test('shared words and spelling give a higher cosine, case aside', async () => {
    const [apple, apples, upper, stock] = await new HashEmbedder().embed([
      'a red apple',
      'red apples',
      'A RED APPLE',
      'stock market news',
    ]);
    expect(cos(apple!, upper!)).toBeCloseTo(1, 6);
    expect(cos(apple!, apples!)).toBeGreaterThan(cos(apple!, stock!));
  });

  test('returns vectors in input order and reports progress', async () => {
    const e = new HashEmbedder({ dim: 16 });
    const texts = ['longer text here', 'x', 'mid text'];
    const seen: number[] = [];
    const all = await e.embed(texts, { onProgress: (p) => seen.push(p.done) });
    for (const [i, t] of texts.entries()) expect(all[i]).toEqual((await e.embed([t]))[0]);
    expect(seen).toEqual([3]);
  });

  test('rejects bad input with coded errors', async () => {
    const e = new HashEmbedder();
    await expect(e.embed(['ok', '  \n'])).rejects.toMatchObject({
      code: 'EmptyText',
      details: { index: 1 },
    });
    await expect(e.embed([''])).rejects.toMatchObject({ code: 'EmptyText' });
    await expect(e.embed('text' as unknown as string[])).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    await expect(e.embed([42 as unknown as string])).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    expect(() => new HashEmbedder({ dim: 0 })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    expect(() => new HashEmbedder({ dim: 2.5 })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    await expect(e.embed(['ok'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'Aborted',
    });
  });
});
