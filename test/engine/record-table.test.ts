import { describe, expect, it } from 'vitest';
import { RecordTable } from '../../src/engine/record-table';
import type { RecordColumns } from '../../src/store/checkpoint-columns';
import type { MemoryRecord } from '../../src/store/records';
import { memoryRecord } from '../helpers/memory-record';

const rec = (id: string, text: string, slot: number, state = 'active'): MemoryRecord => ({
  ...memoryRecord(id, text, slot, 1),
  state: state as MemoryRecord['state'],
});

/** Columns of `recs`; `made` counts the records made from them. */
function columns(recs: MemoryRecord[]): RecordColumns & { made: number } {
  const cols = {
    n: recs.length,
    ids: recs.map((r) => r.id),
    slots: recs.map((r) => r.slot),
    states: recs.map((r) => r.state),
    textLengths: recs.map((r) => r.text.length),
    scopes: {},
    made: 0,
    make: (row: number) => {
      cols.made++;
      return { ...recs[row]! };
    },
  };
  return cols;
}

/** A small random generator (the same cases every run). */
function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('RecordTable', () => {
  it('answers as a Map would, order included, through random sets and deletes after a load', () => {
    for (let round = 0; round < 20; round++) {
      const rnd = random(round + 1);
      const loaded = Array.from({ length: 30 }, (_, i) => rec(`m${i}`, `text ${i}`, i));
      const table = new RecordTable();
      const model = new Map<string, MemoryRecord>();
      expect(table.load(columns(loaded))).toBe(true);
      for (const r of loaded) model.set(r.id, r);
      for (let step = 0; step < 200; step++) {
        const id = `m${Math.floor(rnd() * 40)}`; // some never loaded
        const op = rnd();
        if (op < 0.35) {
          const r = rec(id, `new ${step}`, 100 + step);
          table.set(id, r);
          model.set(id, r);
        } else if (op < 0.6) expect(table.delete(id)).toBe(model.delete(id));
        else {
          expect(table.has(id)).toBe(model.has(id));
          expect(table.get(id)).toEqual(model.get(id));
          // A loaded row still current: its state, text length and slot read in the columns.
          const row = table.loadedRowOf(id);
          if (row >= 0) {
            expect(table.rowState(row)).toBe(model.get(id)!.state);
            expect(table.rowTextLength(row)).toBe(model.get(id)!.text.length);
            expect(table.rowSlot(row)).toBe(model.get(id)!.slot);
          }
        }
        expect(table.size).toBe(model.size);
      }
      expect([...table.keys()]).toEqual([...model.keys()]);
      expect([...table.entries()]).toEqual([...model.entries()]);
      expect([...table.values()]).toEqual([...model.values()]);
      expect([...table]).toEqual([...model]);
    }
  });

  it('makes a loaded record only when read, once: the same object every time', () => {
    const cols = columns([rec('a', 'one', 0), rec('b', 'two', 1, 'deleted'), rec('c', 'x', 2)]);
    const table = new RecordTable();
    table.load(cols);
    expect(table.size).toBe(3);
    expect(table.has('b')).toBe(true);
    expect(table.rowState(table.loadedRowOf('b'))).toBe('deleted');
    expect(table.rowTextLength(table.loadedRowOf('a'))).toBe(3);
    expect([...table.keys()]).toEqual(['a', 'b', 'c']);
    expect(cols.made).toBe(0);
    const a = table.get('a');
    expect(table.get('a')).toBe(a);
    expect([...table.values()][0]).toBe(a);
    expect(cols.made).toBe(3);
    // Replaced: the record as loaded stays at hand (the same object), the new one is current.
    const b2 = rec('b', 'two again', 5);
    const b = table.get('b');
    table.set('b', b2);
    expect(table.get('b')).toBe(b2);
    expect(table.loadedRowOf('b')).toBe(-1);
    // A row given as a hint is checked: right, wrong, out of range, replaced since.
    expect(table.loadedRowOf('c', 2)).toBe(2);
    expect(table.loadedRowOf('c', 0)).toBe(2);
    expect(table.loadedRowOf('c', 7)).toBe(2);
    expect(table.loadedRowOf('b', 1)).toBe(-1);
    expect(table.loadedRowOf('a')).toBe(0);
    expect(table.loadedRecord('b')).toBe(b);
    expect(table.loadedAt(1)).toBe(b);
    expect(table.loadedRecord('zz')).toBeUndefined();
  });

  it('never loaded, answers and iterates as its Map', () => {
    const table = new RecordTable();
    const model = new Map<string, MemoryRecord>();
    for (const [id, slot] of [
      ['x', 0],
      ['y', 1],
      ['z', 2],
      ['x', 3],
    ] as const) {
      const r = rec(id, id, slot);
      table.set(id, r);
      model.set(id, r);
    }
    table.delete('y');
    model.delete('y');
    expect(table.size).toBe(2);
    expect([...table.entries()]).toEqual([...model.entries()]);
    expect([...table.values()][0]).toBe(model.get('x'));
    expect([...table.keys()]).toEqual(['x', 'z']);
  });

  it('refuses a load into a table that holds records, or with an id twice', () => {
    const table = new RecordTable();
    expect(table.load(columns([rec('a', 'x', 0), rec('a', 'y', 1)]))).toBe(false);
    expect(table.size).toBe(0);
    table.set('z', rec('z', 'z', 0));
    expect(table.load(columns([rec('a', 'x', 0)]))).toBe(false);
    expect([...table.keys()]).toEqual(['z']);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.load(columns([rec('a', 'x', 0)]))).toBe(true);
    expect([...table.keys()]).toEqual(['a']);
  });
});
