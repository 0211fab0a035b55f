// The merge order and the merged replay: pure logic, no server.
import { describe, expect, test } from 'vitest';
import { mergeOrder, eventName } from '../../src/sync/merge-order';
import { replay } from '../../src/memory/replay';
import type { EventRecord, MemoryRecord } from '../../src/store/records';
import { memoryRecord } from '../helpers/memory-record';

const mem = (
  id: string,
  text: string,
  version: number,
  slot: number,
  at: number,
): MemoryRecord => ({ ...memoryRecord(id, text, slot, at), createdAt: 1, version });

let n = 0;
/** An event of `device` ('' = this store), its seq in that device's log, named by a made-up hash. */
function ev(device: string, seq: number, at: number, p: Partial<EventRecord>): EventRecord {
  const hash = `${device || 'local'}-${seq}-${n++}`.padEnd(8, '0');
  return {
    seq,
    type: 'memory.added',
    memoryId: 'm',
    at,
    actor: 'api',
    payload: {},
    payloadHash: 'p',
    prevHash: '',
    hash,
    ...(device ? { origin: { device, seq, prevHash: '', hash } } : {}),
    ...p,
  };
}

describe('mergeOrder', () => {
  test('a log without synced events keeps its own order', () => {
    const log = [ev('', 1, 50, {}), ev('', 2, 10, {}), ev('', 3, 30, {})];
    expect(mergeOrder(log)).toEqual(log);
  });

  test('the same union gives the same order whatever order it arrived in; each device keeps its own', () => {
    // Device B's clock steps back between its events 2 and 3: they still stay in B's order.
    const union = [
      ev('A', 1, 10, {}),
      ev('A', 2, 20, {}),
      ev('A', 3, 40, {}),
      ev('B', 1, 15, {}),
      ev('B', 2, 30, {}),
      ev('B', 3, 25, {}),
      ev('C', 7, 20, {}),
    ];
    const names = mergeOrder(union).map(eventName);
    for (let k = 0; k < 20; k++) {
      const shuffled = [...union].sort(() => Math.random() - 0.5);
      expect(mergeOrder(shuffled).map(eventName)).toEqual(names);
    }
    const order = mergeOrder(union);
    const seqsOf = (d: string) => order.filter((e) => e.origin?.device === d).map((e) => e.seq);
    expect(seqsOf('B')).toEqual([1, 2, 3]);
    // Interleaved by time: A1(10) B1(15) then A2/C7 at 20 (tie by name), B2(30), B3(25), A3(40).
    const tied = ['A2', 'C7'];
    if (eventName(union[1]!) > eventName(union[6]!)) tied.reverse();
    expect(order.map((e) => `${e.origin!.device}${e.seq}`)).toEqual([
      'A1',
      'B1',
      ...tied,
      'B2',
      'B3',
      'A3',
    ]);
  });
});

describe('merged replay', () => {
  test('concurrent updates on two devices keep both versions; the later one in merge order is current', () => {
    const v1 = mem('m', 'Alice lives in Paris', 1, 0, 10);
    const added = ev('A', 1, 10, {
      payload: { memory: v1, vector: new Float32Array([1, 0]).buffer },
    });
    // Both devices know v1 (B received it) and update it while apart: each numbers its own slots.
    const onA = ev('A', 2, 20, {
      type: 'memory.updated',
      payload: {
        previous: { ...v1, state: 'invalidated', supersededAt: 20 },
        memory: mem('m', 'Alice lives in Berlin', 2, 1, 20),
        vector: new Float32Array([0, 1]).buffer,
      },
    });
    const onB = ev('B', 5, 30, {
      type: 'memory.updated',
      payload: {
        previous: { ...v1, slot: 3, state: 'invalidated', supersededAt: 30 },
        memory: mem('m', 'Alice lives in Rome', 2, 4, 30),
        vector: new Float32Array([1, 1]).buffer,
      },
    });
    // B's copy of A's first event carries B's own slot for it (B logged it as foreign).
    const runs = [
      [added, onA, onB],
      [onB, added, onA],
      [onA, onB, added],
    ].map((log) => replay(log).state);
    for (const s of runs) expect(s).toEqual(runs[0]);
    const { memories, versions, vectors } = runs[0]!;
    expect(memories).toHaveLength(1);
    expect(memories[0]).toMatchObject({ text: 'Alice lives in Rome', version: 3 });
    const past = versions.map((v) => `${v.version} ${v.text}`).sort();
    expect(past).toEqual(['1 Alice lives in Paris', '2 Alice lives in Berlin']);
    // Slots given afresh, one per version, no two alike.
    const slots = [memories[0]!.slot, ...versions.map((v) => v.slot)];
    expect(new Set(slots).size).toBe(3);
    expect(vectors.map((v) => v.slot).sort()).toEqual([...slots].sort());
  });
});
