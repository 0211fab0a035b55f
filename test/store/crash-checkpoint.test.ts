// Idle checkpoints (Node, fake-indexeddb): written once writes stop for `idleMs`, never
// before, never for a small store; close() waits for one in flight; bad options are refused;
// taken in slices: other tasks run between two, a write or a search stops it.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine, IDLE_CHECKPOINT_STOPS, type EngineOptions } from '../../src/engine/engine';
import { openCheckpointEngine } from '../helpers/checkpoint-engine';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (the machine may be slow), or fails after `ms`. */
async function eventually<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`nothing after ${ms} ms`);
    await sleep(50);
  }
}

const open = openCheckpointEngine;

const notes = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ text: `idle note ${from + i} about topic ${i % 5}` }));

/** The seq of the stored checkpoint, or undefined. */
async function storedSeq(e: Engine): Promise<number | undefined> {
  const head = (await e.dump()).checkpoints!.find((r) => typeof r === 'object') as
    { seq: number } | undefined;
  return head?.seq;
}

test(
  'an idle checkpoint is written after idleMs without writes, and reopening uses it',
  {
    timeout: 60_000,
  },
  async () => {
    const logs: string[] = [];
    // 4 s: on a loaded machine an add was once slower than a shorter quiet period, and the
    // checkpoint came between two writes.
    const cp = { minMemories: 20, minEvents: 10, idleMs: 4000 };
    const e = await open('idle-1', cp, logs);
    await e.addMany(notes(0, 30));
    // Writes keep coming (each re-arms the timer): no checkpoint yet.
    for (let i = 0; i < 4; i++) {
      await e.add(`another idle note ${i} about gardens`, { infer: false });
    }
    const quietSince = Date.now();
    expect(await storedSeq(e)).toBeUndefined();
    const lastSeq = (await e.verifyLog()).events; // every event so far, all before the quiet period
    expect(lastSeq).toBeGreaterThanOrEqual(34);
    expect(await eventually(() => storedSeq(e))).toBe(lastSeq);
    expect(Date.now() - quietSince).toBeGreaterThanOrEqual(cp.idleMs - 50); // not before the quiet period
    expect(logs).toContain(`engram: checkpoint written at seq ${lastSeq} (idle)`);
    // Fewer than minEvents new events: no new checkpoint.
    await e.add('a last idle note about rivers', { infer: false });
    await sleep(cp.idleMs + 400);
    expect(await storedSeq(e)).toBe(lastSeq);
    const all = (await e.getAll({ limit: 100 })).results;
    // Not closed: a crash leaves the idle checkpoint and the event after it.
    const reopenedLogs: string[] = [];
    const again = await open('idle-1', { ...cp, idleMs: false }, reopenedLogs);
    expect(reopenedLogs).toContain(`engram: opened from the checkpoint at seq ${lastSeq}`);
    expect((await again.getAll({ limit: 100 })).results).toEqual(all);
    await again.close();
    await e.close();
  },
);

test(
  'a long addMany is not idle between its transactions: one idle checkpoint, after it',
  { timeout: 60_000 },
  async () => {
    const logs: string[] = [];
    // 1,600 items the embedder embeds are 13 transactions of 128, each longer than idleMs:
    // before, the timer fired during one and a checkpoint (every memory) came after each.
    const e = await open('idle-bulk', { minMemories: 20, minEvents: 10, idleMs: 10 }, logs);
    await e.addMany(notes(0, 1600));
    const written = () => logs.filter((m) => m.startsWith('engram: checkpoint written'));
    expect(written()).toEqual([]);
    expect(await eventually(() => storedSeq(e))).toBe(1600);
    expect(written()).toEqual(['engram: checkpoint written at seq 1600 (idle)']);
    await e.close();
  },
);

test(
  'no idle checkpoint below minMemories or with idleMs: false; close() still writes one',
  {
    timeout: 60_000,
  },
  async () => {
    const small = await open('idle-2', { minMemories: 50, minEvents: 1, idleMs: 20 });
    await small.addMany(notes(0, 30));
    await sleep(150);
    expect(await storedSeq(small)).toBeUndefined();
    await small.close();

    const off = await open('idle-3', { minMemories: 1, minEvents: 1, idleMs: false });
    await off.addMany(notes(0, 30));
    await sleep(150);
    expect(await storedSeq(off)).toBeUndefined();
    await off.close();
    const logs: string[] = [];
    const reopened = await open('idle-3', { minMemories: 1, minEvents: 1, idleMs: false }, logs);
    expect(logs).toContain('engram: opened from the checkpoint at seq 30');
    await reopened.close();
  },
);

test(
  'close() right as the idle checkpoint starts waits for it and then closes cleanly',
  {
    timeout: 60_000,
  },
  async () => {
    const logs: string[] = [];
    const e = await open('idle-4', { minMemories: 1, minEvents: 1, idleMs: 0 }, logs);
    await e.addMany(notes(0, 40));
    await sleep(0); // the timer fires; the checkpoint is in flight
    await e.close();
    expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
    const again = await open('idle-4', { minMemories: 1, minEvents: 1, idleMs: false });
    expect(await storedSeq(again)).toBe(40);
    await again.close();
  },
);

test('bad checkpoint options are refused with InvalidArgument', { timeout: 60_000 }, async () => {
  for (const checkpoint of [
    { idleMs: -1 },
    { idleMs: Number.NaN },
    { idleMs: '5' },
    { idleMs: true },
    { minEvents: 0 },
    { minMemories: 1.5 },
    { maxLag: -3 },
    { sliceRows: 0 },
    null,
    [],
  ]) {
    await expect(
      open('idle-bad', checkpoint as unknown as EngineOptions['checkpoint']),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  }
});

test(
  'searches put the idle checkpoint off like writes: it is written once both pause for idleMs',
  { timeout: 60_000 },
  async () => {
    const cp = { minMemories: 20, minEvents: 10, idleMs: 1000 };
    const e = await open('idle-search', cp);
    await e.addMany(notes(0, 30));
    const lastSeq = (await e.verifyLog()).events;
    // Searches for twice idleMs after the last write: each re-arms the timer.
    const until = Date.now() + 2 * cp.idleMs;
    // The last search re-armed the timer as it started: the quiet period counts from there.
    let quietSince = Date.now();
    while (Date.now() < until) {
      quietSince = Date.now();
      await e.search('topic 3', { reinforce: false });
      await sleep(50);
    }
    expect(await storedSeq(e)).toBeUndefined();
    expect(await eventually(() => storedSeq(e))).toBe(lastSeq);
    expect(Date.now() - quietSince).toBeGreaterThanOrEqual(cp.idleMs - 50);
    await e.close();
  },
);

/**
 * Counts the slices the checkpoint reads (requests on its transaction: the five stores it
 * reads, readonly) until `restore()` is called.
 */
function countCheckpointReads(): { slices: () => number; restore: () => void } {
  let slices = 0;
  const real = IDBObjectStore.prototype.getAll;
  IDBObjectStore.prototype.getAll = function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['getAll']>
  ) {
    const tx = this.transaction;
    if (tx.mode === 'readonly' && tx.objectStoreNames.length === 5 && this.name !== 'meta')
      slices++;
    return real.apply(this, args);
  } as IDBObjectStore['getAll'];
  return { slices: () => slices, restore: () => void (IDBObjectStore.prototype.getAll = real) };
}

/** Resolves once `probe()` is true, checked between two tasks; fails after 60 s (a safety bound). */
async function until(probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('never came');
    await new Promise((r) => setImmediate(r));
  }
}

/** Log lines of idle checkpoints, and the test's own marks. */
const ofCheckpoints = (m: string) => /^engram: idle checkpoint|\(idle\)$|done$/.test(m);

const written = (logs: string[]) => logs.filter((m) => m.startsWith('engram: checkpoint written'));

test(
  'the idle checkpoint goes in slices: other tasks run between two, a search issued meanwhile ends first, and it reopens to the same memories',
  { timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const n = 2000;
    const sliceRows = 16;
    const cp = { minMemories: 20, minEvents: 10, idleMs: 0, sliceRows };
    const e = await open('idle-slices', cp, logs);
    const reads = countCheckpointReads();
    try {
      await e.addMany(notes(0, n));
      await until(() => reads.slices() > 10); // the idle checkpoint is reading, slice by slice
      // Tasks of their own, one after another, while the checkpoint runs: one turn per slice
      // (read or encoded) at least. In one piece (before) it left a handful.
      let turns = 0;
      let running = true;
      const probe = (async () => {
        while (running) {
          turns++;
          await new Promise((r) => setImmediate(r));
        }
      })();
      const atSearch = reads.slices();
      const query = { limit: 5, reinforce: false, retentionWeight: 0 };
      const found = await e.search('idle note topic 3', query);
      const afterSearch = reads.slices();
      expect(written(logs)).toEqual([]); // answered while the checkpoint runs
      expect(afterSearch - atSearch).toBeLessThanOrEqual(2);
      await until(() => written(logs).length > 0);
      running = false;
      await probe;
      expect(written(logs)).toEqual([`engram: checkpoint written at seq ${n} (idle)`]);
      // Every record read in slices (memories, versions, links, lexical rows), then encoded in
      // slices: at least one turn of the probe per slice.
      expect(reads.slices()).toBeGreaterThanOrEqual((2 * n) / sliceRows);
      expect(turns).toBeGreaterThanOrEqual((2 * n) / sliceRows);
      const all = (await e.getAll({ limit: n })).results;
      const reopenedLogs: string[] = [];
      const again = await open('idle-slices', { ...cp, idleMs: false }, reopenedLogs);
      expect(reopenedLogs).toContain(`engram: opened from the checkpoint at seq ${n}`);
      expect((await again.getAll({ limit: n })).results).toEqual(all);
      // The same results as opening from the records themselves (not the live engine: memories of
      // equal score may come in another order once loaded in key order).
      const fromRecords = await open('idle-slices', false);
      const ranked = async (m: Engine) =>
        (await m.search('idle note topic 3', query)).results.map((r) => [r.id, r.score]);
      expect(await ranked(again)).toEqual(await ranked(fromRecords));
      expect(found.results).toHaveLength(5);
      await fromRecords.close();
      await again.close();
    } finally {
      reads.restore();
      await e.close();
    }
  },
);

test(
  'a search stops the idle checkpoint between two slices: the searches after it wait for no slice, the checkpoint comes once they pause',
  { timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const n = 2000;
    // idleMs well above a search's time on a loaded machine: the searches below keep it off.
    const cp = { minMemories: 20, minEvents: 10, idleMs: 2000, sliceRows: 16 };
    const e = await open('idle-search-stop', cp, logs);
    const reads = countCheckpointReads();
    try {
      await e.addMany(notes(0, n));
      await until(() => reads.slices() > 10); // the idle checkpoint is reading, slice by slice
      const query = { limit: 5, reinforce: false };
      await e.search('idle note topic 3', query);
      logs.push('search done');
      // Stopped after the slice in progress, and armed again: while searches go on (each one
      // puts it off by idleMs) it reads nothing. Before, it went on reading slice after slice,
      // each search waiting for the one in progress.
      await until(() => logs.some((m) => m.includes('stopped by a search')));
      const atPause = reads.slices();
      for (let i = 0; i < 5; i++) {
        await e.search(`idle note topic ${i}`, query);
        await sleep(40);
      }
      expect(reads.slices()).toBe(atPause);
      expect(written(logs)).toEqual([]);
      await until(() => written(logs).length > 0);
      expect(logs.filter(ofCheckpoints)).toEqual([
        'search done',
        'engram: idle checkpoint stopped by a search (armed again)',
        `engram: checkpoint written at seq ${n} (idle)`,
      ]);
      expect(await storedSeq(e)).toBe(n);
    } finally {
      reads.restore();
      await e.close();
    }
  },
);

test(
  'a write stops the idle checkpoint between two slices: nothing is written, the write goes first, the checkpoint comes after',
  { timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const n = 2000;
    const cp = { minMemories: 20, minEvents: 10, idleMs: 0, sliceRows: 16 };
    const e = await open('idle-stop', cp, logs);
    const reads = countCheckpointReads();
    try {
      await e.addMany(notes(0, n));
      await until(() => reads.slices() > 10);
      await e.add('a write while the checkpoint runs', { infer: false });
      logs.push('add done');
      await until(() => written(logs).length > 0);
      const lastSeq = (await e.verifyLog()).events;
      expect(logs.filter(ofCheckpoints)).toEqual([
        'engram: idle checkpoint stopped by a write (armed again)',
        'add done',
        `engram: checkpoint written at seq ${lastSeq} (idle)`,
      ]);
      expect(await storedSeq(e)).toBe(lastSeq);
    } finally {
      reads.restore();
      await e.close();
    }
  },
);

test(
  `after ${IDLE_CHECKPOINT_STOPS} idle checkpoints stopped in a row, the next runs to its end and a write waits for it`,
  { timeout: 120_000 },
  async () => {
    const logs: string[] = [];
    const n = 1000;
    const cp = { minMemories: 20, minEvents: 10, idleMs: 0, sliceRows: 16 };
    const e = await open('idle-stops', cp, logs);
    const reads = countCheckpointReads();
    try {
      await e.addMany(notes(0, n));
      for (let i = 0; i <= IDLE_CHECKPOINT_STOPS; i++) {
        const before = reads.slices();
        await until(() => reads.slices() > before + 10);
        await e.add(`write ${i} while the checkpoint runs`, { infer: false });
        logs.push(`add ${i} done`);
      }
      const stopped = 'engram: idle checkpoint stopped by a write (armed again)';
      // The last write's events come after the checkpoint it waited for.
      const seq = (await storedSeq(e))!;
      expect(seq).toBeGreaterThan(n + IDLE_CHECKPOINT_STOPS);
      expect(seq).toBeLessThan((await e.verifyLog()).events);
      expect(logs.filter(ofCheckpoints)).toEqual([
        ...Array.from({ length: IDLE_CHECKPOINT_STOPS }, (_, i) => [
          stopped,
          `add ${i} done`,
        ]).flat(),
        `engram: checkpoint written at seq ${seq} (idle)`,
        `add ${IDLE_CHECKPOINT_STOPS} done`,
      ]);
    } finally {
      reads.restore();
      await e.close();
    }
  },
);
