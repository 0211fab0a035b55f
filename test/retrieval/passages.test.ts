import { expect, test } from 'vitest';
import { passages, PASSAGE_CHARS } from '../../src/retrieval/passages';
import { Retriever } from '../../src/retrieval/retriever';
import { passageTerms, rowOf } from '../../src/retrieval/lexical-row';
import { terms } from '../../src/retrieval/analyzer';

// A 5,000-character text of numbered sentences: each names its number, so a passage's
// position in the text is readable from it.
const LONG = Array.from(
  { length: 100 },
  (_, i) => `Sentence ${i} talks about topic number ${i} at some length here. `,
).join('');

test('a short text is one passage, itself', () => {
  expect(passages('Short and sweet.')).toEqual(['Short and sweet.']);
  expect(passages('x'.repeat(PASSAGE_CHARS))).toEqual(['x'.repeat(PASSAGE_CHARS)]);
});

test('a long text: passages of whole sentences within the size, in order, covering all of it, overlapping', () => {
  const ps = passages(LONG, { size: 700, overlap: 150 });
  expect(ps.length).toBeGreaterThan(LONG.length / 700);
  for (const p of ps) {
    expect(p.length).toBeGreaterThan(0);
    expect(p.length).toBeLessThanOrEqual(700);
    // Sentence boundaries: starts a sentence, ends after one.
    expect(p).toMatch(/^Sentence \d+/);
    expect(p).toMatch(/length here\. $/);
  }
  // Removing each passage's carried-over start gives the text back exactly.
  let rebuilt = ps[0]!;
  for (let i = 1; i < ps.length; i++) {
    const p = ps[i]!;
    let k = Math.min(p.length, rebuilt.length);
    while (k > 0 && !rebuilt.endsWith(p.slice(0, k))) k--;
    expect(k, `passage ${i} overlaps the one before`).toBeGreaterThan(0);
    expect(k).toBeLessThanOrEqual(150);
    rebuilt += p.slice(k);
  }
  expect(rebuilt).toBe(LONG);
});

test('one sentence longer than a passage is cut at line breaks, then spaces', () => {
  const code = Array.from({ length: 60 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
  const ps = passages(code, { size: 200, overlap: 0 });
  expect(ps.join('')).toBe(code);
  for (const p of ps) {
    expect(p.length).toBeLessThanOrEqual(200);
    expect(p.endsWith('\n') || p === ps.at(-1)).toBe(true);
  }
  const words = 'word '.repeat(100);
  const wp = passages(words, { size: 64, overlap: 0 });
  expect(wp.join('')).toBe(words);
  expect(wp.every((p) => p.length <= 64 && p.endsWith(' '))).toBe(true);
  // No break at all: cut hard, still covering everything.
  expect(passages('a'.repeat(250), { size: 100, overlap: 0 })).toEqual([
    'a'.repeat(100),
    'a'.repeat(100),
    'a'.repeat(50),
  ]);
});

test('a long memory is indexed as passages, found by its last one, returned once, and removed whole', () => {
  const r = new Retriever();
  const long = LONG + 'Finally, the deployment key for the staging cluster is kept in Vault.';
  r.upsert({ id: 'long', text: long });
  r.upsert({ id: 'short', text: 'We talked about topic number 3 and topic number 4.' });
  for (let i = 0; i < 20; i++) r.upsert({ id: `n${i}`, text: `Unrelated note ${i} about lunch.` });
  expect(rowOf({ id: 'long', text: long }).passages!.length).toBeGreaterThan(5);
  const hits = r.search('Where is the staging deployment key kept?', 10, {}, { dense: false });
  expect(hits[0]!.id).toBe('long');
  expect(hits.filter((h) => h.id === 'long')).toHaveLength(1);
  // Every result is a memory id, never a passage key.
  expect(hits.every((h) => h.id === 'long' || h.id === 'short' || /^n\d+$/.test(h.id))).toBe(true);
  // Removing it removes every passage: nothing of it is found any more.
  r.remove('long');
  expect(r.search('staging deployment key Vault', 10, {}, { dense: false })).toEqual([]);
});

test("a long memory's row names each passage's words by index: decoded, each passage's term counts; the row stays near the size of its terms", () => {
  // Words that differ everywhere (as in a long technical answer), in sentences.
  const text = Array.from(
    { length: 60 },
    (_, i) =>
      `Step ${i} ${Array.from({ length: 6 }, (_, k) => ((i * 7919 + k * 104729) % 1e6).toString(36)).join(' ')}.`,
  ).join(' ');
  const row = rowOf({ id: 'm', text });
  const parts = passages(text);
  expect(parts.length).toBeGreaterThan(2);
  const counted = (p: string) => {
    const m = new Map<string, number>();
    for (const t of terms(p)) m.set(t, (m.get(t) ?? 0) + 1);
    return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  };
  expect(passageTerms(row)).toEqual(parts.map(counted));
  // Stored: indices, not term strings again (those doubled a long memory's row).
  const { passages: _p, ...alone } = row;
  expect(JSON.stringify(row).length).toBeLessThan(1.5 * JSON.stringify(alone).length);
});
