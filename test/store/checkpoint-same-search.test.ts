// A store opened from its columnar checkpoint (records decoded column by column, lexical index
// loaded in bulk from the columns) answers every search exactly as the same store opened the old
// way, from its records one by one (`checkpoint: false`: lexical rows indexed row by row).
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { openCheckpointEngine } from '../helpers/checkpoint-engine';

const open = openCheckpointEngine;

const TOPICS = ['gardening', 'the support group', 'a trip to Paris', 'painting', 'café crème'];
const WHO = ['Caroline', 'Melanie', 'Jon', 'Gina'];

/** Short and long texts (passages), dates, non-ASCII, two users, repeated words. */
function items(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const who = WHO[i % WHO.length]!;
    const topic = TOPICS[i % TOPICS.length]!;
    const text =
      i % 17 === 0
        ? Array.from(
            { length: 40 },
            (_, s) => `${who} told of ${topic} in sentence ${s} and of tomatoes ${i}.`,
          ).join(' ')
        : `${who} talked about ${topic} on ${1 + (i % 28)} May 2023, note ${i} ${i % 3 ? 'ünïcode 東京' : ''}`;
    return { text, ...(i % 2 ? { userId: 'ada' } : {}) };
  });
}

const QUERIES = [
  'where did Caroline go to the support group',
  'Paris trip in May',
  'tomatoes sentence 12',
  'café crème',
  'what did Jon paint',
  'note 123',
  '東京',
];

test('opened from the checkpoint, a store answers searches as opened from its records', async () => {
  const logs: string[] = [];
  const cp = { minMemories: 20, minEvents: 10, idleMs: false as const };
  const e = await open('same-search', cp);
  await e.addMany(items(600));
  await e.close(); // writes the checkpoint
  const answers = async (x: Engine) => {
    const out = [];
    for (const q of QUERIES)
      for (const filter of [{}, { userId: 'ada' }])
        out.push(
          (await x.search(q, { limit: 10, reinforce: false, ...filter })).results.map((r) => [
            r.id,
            r.score,
            r.memory,
          ]),
        );
    return out;
  };
  const fromCheckpoint = await open('same-search', cp, logs);
  expect(logs.some((l) => l.startsWith('engram: opened from the checkpoint'))).toBe(true);
  const viaCheckpoint = await answers(fromCheckpoint);
  const all = (await fromCheckpoint.getAll({ limit: 1000 })).results;
  await fromCheckpoint.close();
  const fromRecords = await open('same-search', false);
  expect(await answers(fromRecords)).toEqual(viaCheckpoint);
  expect((await fromRecords.getAll({ limit: 1000 })).results).toEqual(all);
  expect(viaCheckpoint.flat().length).toBeGreaterThan(50);
  await fromRecords.close();
});

test('opened from the checkpoint, a record is made only when read, and changes land as on records', async () => {
  const cp = { minMemories: 20, minEvents: 10, idleMs: false as const };
  const e = await open('lazy-records', cp);
  const ids = (await e.addMany(items(600))).results.map((r) => r.id);
  await e.close(); // writes the checkpoint
  const x = await open('lazy-records', cp);
  const made = () =>
    (x as unknown as { state: { records: { made: unknown[] } } }).state.records.made.filter(
      (r) => r !== undefined,
    ).length;
  // The open made no record; a search makes its candidates' only.
  expect(made()).toBe(0);
  const first = await x.search(QUERIES[2]!, { limit: 10, reinforce: false, userId: 'ada' });
  expect(first.results.length).toBe(10);
  expect(made()).toBeGreaterThan(0);
  // (Its candidates: ≈ 140 here; the scope 'ada' alone holds 300 memories, the store 600.)
  expect(made()).toBeLessThan(200);
  // Changes to memories still in their columns, to made ones, and new ones.
  await x.update(ids[5]!, 'Caroline went to the support group in June, a new note');
  await x.update(first.results[0]!.id, 'the first hit, rewritten about pottery');
  await x.delete(ids[6]!);
  await x.delete(first.results[1]!.id);
  await x.add('Gina went to the support group too', { userId: 'ada', infer: false });
  const after = async (y: Engine) => {
    const out = [];
    for (const q of [...QUERIES, 'pottery', 'June'])
      for (const filter of [{}, { userId: 'ada' }])
        out.push(
          (await y.search(q, { limit: 10, reinforce: false, ...filter })).results.map((r) => [
            r.id,
            r.memory,
          ]),
        );
    out.push((await y.getAll({ limit: 1000 })).results.map((r) => [r.id, r.memory, r.userId]));
    return out;
  };
  const lazy = await after(x);
  await x.close();
  const fromRecords = await open('lazy-records', false);
  expect(await after(fromRecords)).toEqual(lazy);
  await fromRecords.close();
});
