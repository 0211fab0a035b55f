import { expect, test } from 'vitest';
import { terms, words } from '../../src/retrieval/analyzer';

test('words: lower case, possessives and contractions folded', () => {
  expect(words("Caroline's dog, Max! I didn't go.")).toEqual([
    'caroline',
    'dog',
    'max',
    'i',
    'did',
    'go',
  ]);
});

test('terms: stop words dropped, Porter2 stems', () => {
  expect(terms('She was running to the meetings')).toEqual(['run', 'meet']);
  expect(terms('Camping trips in the mountains')).toEqual(['camp', 'trip', 'mountain']);
});

/** words() as it was written with regular expressions (before the character-code scan). */
function wordsByRegex(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu)) {
    let w = m[0].replace(/n['’]t$/u, '').replace(/['’](s|d|ll|ve|re|m)$/u, '');
    w = w.replace(/['’]/gu, '');
    if (w) out.push(w);
  }
  return out;
}

test('words: the same tokens as the regular-expression version, on varied and fuzzed text', () => {
  const texts = [
    "I can't, won't, didn't; she'd've gone. Y'all O'Brien's rock'n'roll n't 't '' ''s",
    'We’re at Zoë’s café — naïve Straße İstanbul ΣΟΦΟΣ ΟΔΟΣ ǅemal ﬁle Ⅻ ½ ² ٣٤ 三月 한국어',
    'mixed 3pm 10:30 2024-05-01 v1.2.3 $40k 1st 22nd 4’s 4s abc123def e-mail foo_bar x’y’z',
    '𝐁𝐨𝐥𝐝 𝟏𝟐 😀emoji😀 a\u0301 e\u0301te\u0301 \ud800 lone\udc00 pair\ud83d\ude00end',
    "ends with apostrophe' and ’ and 'quoted' words and Tom's' and it’S I'M YOU'LL WE'VE",
  ];
  // Fuzz: short strings from an alphabet of the cases that matter.
  const alphabet = [
    ...'aAnNtTsSdDlLvVeErRmMzZ09 .,-_\'’"?!',
    'İ',
    'ß',
    'Σ',
    'é',
    'e\u0301',
    '٣',
    '²',
    'Ⅻ',
    '三',
    '𝐁',
    '😀',
    '\ud800',
    '\udc00',
    '\u00a0',
  ];
  let seed = 7;
  const next = (k: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k;
  for (let t = 0; t < 3000; t++) {
    let s = '';
    for (let k = next(24); k > 0; k--) s += alphabet[next(alphabet.length)];
    texts.push(s);
  }
  const differ = texts.filter((t) => words(t).join('|') !== wordsByRegex(t).join('|'));
  expect(differ).toEqual([]);
});
