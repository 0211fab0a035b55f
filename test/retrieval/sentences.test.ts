import { afterEach, describe, expect, it, vi } from 'vitest';

describe('sentence segments', () => {
  const Real = Intl.Segmenter;
  /** Puts `C` in place of the runtime's segmenter (a read-only property to TypeScript). */
  const useSegmenter = (C: typeof Intl.Segmenter) =>
    Object.defineProperty(Intl, 'Segmenter', { value: C, writable: true, configurable: true });
  afterEach(() => {
    useSegmenter(Real);
    vi.resetModules();
  });

  it('are the text in order, sentence by sentence', async () => {
    const { sentenceSegments } = await import('../../src/retrieval/sentences');
    const text = 'One. Two? Three!\nFour';
    const parts = [...sentenceSegments(text)].map((s) => s.segment);
    expect(parts).toEqual(['One. ', 'Two? ', 'Three!\n', 'Four']);
    expect(parts.join('')).toBe(text);
  });

  it('come from one segmenter made at first use, not when the modules load', async () => {
    let made = 0;
    useSegmenter(
      class extends Real {
        constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
          super(...args);
          made++;
        }
      },
    );
    vi.resetModules();
    const { passages } = await import('../../src/retrieval/passages');
    const { standingKind } = await import('../../src/retrieval/standing');
    const { lexicalRow } = await import('../../src/retrieval/lexical-row');
    expect(made).toBe(0);
    // A short text is its own passage: no sentence is needed.
    expect(passages('short')).toEqual(['short']);
    expect(made).toBe(0);
    const long = 'A sentence of some length here. '.repeat(40);
    expect(passages(long, { size: 100, overlap: 10 }).length).toBeGreaterThan(1);
    expect(made).toBe(1);
    expect(standingKind('Always use tabs. Thanks.')).toBe('instruction');
    expect(lexicalRow).toBeTypeOf('function');
    expect(made).toBe(1);
  });
});
