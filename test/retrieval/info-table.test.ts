// InfoTable: a memory's stage data by id, loaded rows and rows set since answering as one Map.
import { expect, test } from 'vitest';
import { InfoTable } from '../../src/retrieval/info-table';
import type { DocInfo } from '../../src/retrieval/lexical-row';
import { IdIndex } from '../../src/util/id-index';

const info = (order: number): DocInfo => ({ order, seq: order }) as DocInfo;

test('loaded rows, rows set, replaced and deleted ones: as a Map of the same calls', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const infos = ids.map((_, i) => info(i));
  const table = new InfoTable();
  const map = new Map<string, DocInfo>();
  table.load(infos, IdIndex.of(ids, [0, 1, 2, 4])!); // row 3 ('d') not taken
  for (const r of [0, 1, 2, 4]) map.set(ids[r]!, infos[r]!);
  const same = () => {
    expect(table.size).toBe(map.size);
    for (const id of [...ids, 'x', 'y'])
      expect([table.has(id), table.get(id)]).toEqual([map.has(id), map.get(id)]);
  };
  same();
  for (const t of [table, map]) {
    t.set('b', info(10)); // replaces a loaded one
    t.set('x', info(11)); // a new one
    t.delete('c'); // a loaded one
    t.delete('y'); // unknown: nothing
    t.delete('x');
    t.set('c', info(12)); // back, set
  }
  same();
  expect(() => table.load(infos, IdIndex.of(ids)!)).toThrow(/empty/);
  table.clear();
  map.clear();
  same();
});
