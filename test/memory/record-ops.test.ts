// toMemory: the public view of a record carries a copy of its metadata — flat (copied by a
// spread) or nested (structuredClone) — equal to the stored one, and changing it never reaches
// the record.
import { expect, test } from 'vitest';
import { toMemory } from '../../src/memory/record-ops';
import type { MemoryRecord } from '../../src/store/records';
import type { Metadata } from '../../src/types';

function record(metadata: Metadata): MemoryRecord {
  return {
    id: 'm1',
    slot: 0,
    text: 'a note',
    metadata,
    createdAt: 1,
    updatedAt: 1,
    version: 1,
    state: 'active',
    validFrom: 1,
    recordedAt: 1,
    strength: 1,
    lastRecalledAt: 1,
  } as MemoryRecord;
}

test.each([
  ['empty', {}],
  ['flat', { topic: 'garden', n: -0, ok: false, none: null, score: 0.5 }],
  ['nested', { topic: 'garden', tags: ['a', 'b'], where: { city: 'Oslo', at: [1, 2] } }],
])('toMemory copies %s metadata: equal, key order kept, not shared', (_, metadata: Metadata) => {
  const rec = record(structuredClone(metadata));
  const m = toMemory(rec);
  expect(m.metadata).toEqual(metadata);
  expect(Object.keys(m.metadata)).toEqual(Object.keys(metadata));
  expect(Object.is(m.metadata.n, metadata.n)).toBe(true);
  expect(m.metadata).not.toBe(rec.metadata);
  m.metadata.added = 1;
  const where = m.metadata.where as { city: string } | undefined;
  if (where) where.city = 'changed';
  const tags = m.metadata.tags as string[] | undefined;
  tags?.push('c');
  expect(rec.metadata).toEqual(metadata);
});
