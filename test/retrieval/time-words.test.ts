import * as chrono from 'chrono-node';
import { describe, expect, it } from 'vitest';
import { mayNameTime } from '../../src/retrieval/time-words';

// Words chrono's English parsers build on, words that hold them inside ("know", "them"), glue
// words and fillers; glued together with and without separators.
const VOCAB = (
  'january may mar march sept jan. monday mon wed thurs sat weekend weekday now today tonight ' +
  'tomorrow tmr yesterday night noon midnight morning evening month end last day of the this ' +
  'next past after within in for on to until first second twenty thirty-first ago before ' +
  'earlier later from out forward a an one ten half few several couple about around roughly ' +
  'just and s m h d w y mo min hr yr qtr sec week weeks years hours know snow them they ' +
  'clothes was times showed lemon dismay maybe caroline paint group i went'
).split(' ');
const SEPARATORS = ['', ' ', ' ', ' ', '  ', '-', ',', "'", '.', '~', '+', '('];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const found = (text: string): number =>
  chrono.parse(
    text,
    { instant: new Date(Date.UTC(2024, 5, 1)), timezone: 0 },
    { forwardDate: false },
  ).length;

describe('mayNameTime', () => {
  it('is false for plain questions and true for dates, times and digits', () => {
    expect(mayNameTime('What did Caroline paint?')).toBe(false);
    expect(mayNameTime('Do you know what they showed them?')).toBe(false);
    for (const q of [
      'What did she paint last week?',
      'Where was he in May?',
      'what happened two days ago',
      'meet me tonight',
      'plans for the weekend',
      'at 3pm',
      'end of the month',
      'lastnight',
    ]) {
      expect(mayNameTime(q), q).toBe(true);
      expect(found(q), q).toBeGreaterThan(0);
    }
  });

  it('is true wherever chrono finds something (fuzzed texts)', () => {
    const next = random(15);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    let skipped = 0;
    for (let i = 0; i < 3000; i++) {
      let text = pick(['', 'I ', 'what ', '(']);
      const words = 1 + Math.floor(next() * 4);
      for (let w = 0; w < words; w++) text += (w ? pick(SEPARATORS) : '') + pick(VOCAB);
      if (next() < 0.5) text = text.toUpperCase();
      if (mayNameTime(text)) continue;
      skipped++;
      expect(found(text), text).toBe(0);
    }
    // The test is worth having only if it skips a good share of them.
    expect(skipped).toBeGreaterThan(500);
  });
});
