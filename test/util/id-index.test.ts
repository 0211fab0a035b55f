// IdIndex: the rows of strings by value, as a Map of them would give.
import { expect, test } from 'vitest';
import { IdIndex } from '../../src/util/id-index';

test('finds every row indexed, and nothing else; a subset of rows; duplicates refused', () => {
  // Shared prefixes and suffixes, one-character and empty strings, non-ASCII.
  const ids = [
    ...Array.from({ length: 3000 }, (_, i) => `memory-${String(i).padStart(6, '0')}-x`),
    ...Array.from({ length: 500 }, (_, i) => `${i}`),
    '',
    'é東京',
    'a',
  ];
  const ix = IdIndex.of(ids)!;
  expect(ix.size).toBe(ids.length);
  ids.forEach((id, r) => expect(ix.get(id)).toBe(r));
  for (const missing of ['memory-003000-x', 'memory-000001-y', '3000', 'b', 'é東'])
    expect(ix.get(missing)).toBeUndefined();
  const rows = [5, 17, 3001, ids.length - 1];
  const some = IdIndex.of(ids, rows)!;
  expect(some.size).toBe(4);
  for (const r of rows) expect(some.get(ids[r]!)).toBe(r);
  expect(some.get(ids[6]!)).toBeUndefined();
  expect(IdIndex.of(['x', 'y', 'x'])).toBeUndefined();
  expect(IdIndex.of(['x', 'y', 'x'], [0, 1])!.get('x')).toBe(0);
  expect(IdIndex.of([])!.get('x')).toBeUndefined();
});

test('ids that differ only where the sampled hash does not look: every character hashed then', () => {
  // Same length, first, middle and last characters: one sampled hash for all 5000.
  const ids = Array.from(
    { length: 5000 },
    (_, i) => `aaaa${String(i).padStart(5, '0')}zzzzz${String(i).padStart(5, '0')}bbbb`,
  );
  const ix = IdIndex.of(ids)!;
  expect((ix as unknown as { full: boolean }).full).toBe(true);
  ids.forEach((id, r) => expect(ix.get(id)).toBe(r));
  expect(ix.get('aaaa00000zzzzz00001bbbb')).toBeUndefined();
  // Random ids keep the sampled hash.
  const uuids = Array.from({ length: 5000 }, (_, i) =>
    `${(i * 2654435761) >>> 0}-${i}`.padEnd(36, 'x'),
  );
  expect((IdIndex.of(uuids) as unknown as { full: boolean }).full).toBe(false);
});
