// Equal scores rank the same way after the store is closed and opened again — from its
// checkpoint, from its records (no checkpoint), and from a checkpoint with events caught up
// after it. The write order that breaks ties is the records' own (creation time, then vector
// slot, both stored), but anything held in memory in the order memories were loaded (ids from
// IndexedDB, in key order: random) rather than written would rank differently after a reopen.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { CheckpointOptions } from '../../src/engine/options';

const TEXT = 'the blue kettle stands on the kitchen shelf';
const QUERY = 'blue kettle on the shelf';
/** Past `PASSAGE_CHARS`: a memory with passage vectors (`retrieval.dense.passages`). */
const LONG = Array.from(
  { length: 24 },
  (_, i) => `On day ${i % 3} the blue kettle stood on the kitchen shelf next to the tea tin.`,
).join(' ');
const SEARCHES = [
  { limit: 12, reinforce: false },
  { limit: 12, reinforce: false, retrieval: false as const },
  { limit: 12, reinforce: false, retrieval: { rerank: { lambda: 0.5 } } },
  // Limit 1: 100 dense candidates, fewer than the long copies, so the passage stage cuts ties.
  { limit: 1, reinforce: false, retrieval: { dense: { passages: true } } },
  { limit: 12, reinforce: false, retrieval: { dense: { passages: true } } },
];

const CHECKPOINT: CheckpointOptions = { minMemories: 1, minEvents: 1, idleMs: false };
/** Checkpoints, but none written at this close (its events are caught up at the next open). */
const NOT_AT_CLOSE: CheckpointOptions = { ...CHECKPOINT, minEvents: 1_000_000 };

test.each([
  ['from its checkpoint', CHECKPOINT, CHECKPOINT],
  ['from its records (no checkpoint)', false, false],
  ['from a checkpoint, then the events after it', CHECKPOINT, NOT_AT_CLOSE],
] as const)(
  'copies of a text rank the same before and after a reopen: %s',
  async (_, first, second) => {
    const name = `ties-reopen-${Math.random()}`;
    const embedder = new HashEmbedder({ dim: 16 });
    const open = (checkpoint: CheckpointOptions | false) =>
      Engine.open({ name, embedder, backend: 'cpu', checkpoint, log: () => {} });
    const ranked = async (x: Engine) => {
      const out: Record<string, string[]> = {};
      for (const o of SEARCHES)
        out[JSON.stringify(o)] = (await x.search(QUERY, o)).results.map((r) => r.id);
      return out;
    };
    // One addMany (one creation time for all), filler, single adds, long copies.
    const write = async (x: Engine) => {
      await x.addMany([
        ...Array.from({ length: 6 }, () => ({ text: TEXT })),
        ...Array.from({ length: 10 }, (_, i) => ({ text: `filler note ${i} about the weather` })),
        ...Array.from({ length: 60 }, () => ({ text: LONG })),
      ]);
      for (let i = 0; i < 3; i++) await x.add(TEXT, { infer: false });
      await x.addMany(Array.from({ length: 60 }, () => ({ text: LONG })));
    };
    const e = await open(first);
    await write(e);
    const before = await ranked(e);
    await e.close();
    const again = await open(second);
    expect(await ranked(again)).toEqual(before);
    await write(again);
    const later = await ranked(again);
    await again.close();
    const third = await open(second);
    expect(await ranked(third)).toEqual(later);
    await third.close();
  },
  60_000,
);
