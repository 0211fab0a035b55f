// The idle warm-up of the search path: its scheduling (SearchWarmUp, with a fake search) and, on
// a real engine under Node (fake-indexeddb), that it runs once the store is large enough, writes
// nothing, changes no answer, and stays out of the way of calls.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { sampleIds, SearchWarmUp, WARM_UP_MIN_MEMORIES } from '../../src/engine/warm-up';
import { nextTask } from '../../src/util/tasks';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SearchWarmUp runs every search once in a pause, stops while calls run and resumes where it stopped', async () => {
  const ran: number[] = [];
  const lines: string[] = [];
  let ends = 0;
  let gate: (() => void) | undefined;
  const w = new SearchWarmUp(
    async (i) => {
      ran.push(i);
      if (i === 2) await new Promise<void>((r) => (gate = r)); // search 2 is "in flight"
    },
    6,
    20,
    nextTask,
    (l) => lines.push(l),
    () => ends++,
  );
  expect(w.pending).toBe(false); // not wanted yet
  w.callStarted(); // a call in flight (a bulk write)
  w.want();
  expect(w.pending).toBe(true);
  await sleep(40);
  expect(ran).toEqual([]); // never beside a call, however long it runs
  w.callEnded();
  await sleep(5);
  expect(ran).toEqual([]); // then waits for a pause
  w.callStarted();
  w.callEnded(); // a short call: the wait starts again
  await sleep(10);
  expect(ran).toEqual([]);
  while (!gate) await sleep(2);
  expect(ran).toEqual([0, 1, 2]);
  w.callStarted(); // a call while search 2 runs: it ends, and no search follows until the call has
  gate();
  await sleep(40);
  expect(ran).toEqual([0, 1, 2]);
  expect(w.pending).toBe(true);
  expect(ends).toBe(0); // stopped by a call is not ended
  w.callEnded();
  while (w.pending) await sleep(2);
  expect(ran).toEqual([0, 1, 2, 3, 4, 5]); // resumed at 3, nothing run twice
  expect(ends).toBe(1); // ended once, after the last search
  expect(lines).toEqual([
    expect.stringMatching(/^engram: search path warmed \(3 searches in \d+ ms\)$/),
  ]);
  w.want(); // done: once per engine
  await sleep(40);
  expect(w.pending).toBe(false);
  expect(ran).toHaveLength(6);
  await w.close();
  expect(ends).toBe(1); // closing after the end does not end it again
});

test('SearchWarmUp gives up on an error (logged) and close() stops it for good', async () => {
  const lines: string[] = [];
  const ended: string[] = [];
  const failing = new SearchWarmUp(
    async (i) => {
      if (i === 1) throw new Error('boom');
    },
    5,
    0,
    nextTask,
    (l) => lines.push(l),
    () => ended.push('failing'),
  );
  failing.want();
  while (failing.pending) await sleep(2);
  expect(lines).toEqual(['engram: search warm-up stopped: Error: boom']);
  expect(ended).toEqual(['failing']); // given up: ended (what it kept can go)

  const ran: number[] = [];
  const closing = new SearchWarmUp(
    async (i) => void ran.push(i),
    1000,
    0,
    nextTask,
    () => {},
    () => ended.push('closing'),
  );
  closing.want();
  while (ran.length < 3) await sleep(1);
  expect(ended).toEqual(['failing']);
  await closing.close();
  expect(ended).toEqual(['failing', 'closing']); // closed mid-way: ended
  await failing.close();
  expect(ended).toEqual(['failing', 'closing']); // each once
  const n = ran.length;
  await sleep(10);
  expect(ran.length).toBe(n);
  expect(n).toBeLessThan(1000);
  expect(closing.pending).toBe(false);
});

test('sampleIds spreads over the active memories', () => {
  const recs = Array.from({ length: 20 }, (_, i) => ({
    id: `m${i}`,
    text: i === 8 ? '   ' : `memory number ${i}`,
    state: i % 5 === 4 ? 'deleted' : 'active',
  }));
  const byId = new Map(recs.map((r) => [r.id, r]));
  const askable = (id: string) => byId.get(id)!.state === 'active' && /\S/.test(byId.get(id)!.text);
  const ids = recs.map((r) => r.id);
  const s = sampleIds(ids, askable, 4);
  expect(s).toHaveLength(4);
  expect(s[0]).toBe('m0');
  expect(new Set(s).size).toBe(4);
  expect(s.some((id) => ['m4', 'm9', 'm14', 'm19', 'm8'].includes(id))).toBe(false); // deleted, blank
  expect(sampleIds(ids.slice(0, 2), askable, 8)).toEqual(['m0', 'm1']); // fewer than asked: each once
});

const topics = ['the garden', 'my sister', 'the budget', 'the trip to Lisbon', 'the database'];
const texts = Array.from(
  { length: WARM_UP_MIN_MEMORIES },
  (_, i) =>
    `On day ${i % 28} of month ${1 + (i % 12)} I talked about ${topics[i % 5]} and item ${i}.`,
);

test('an engine warms its search path once the store is large enough: nothing written, the same answers', async () => {
  const lines: string[] = [];
  const e = await Engine.open({
    name: 'warm-up-engine',
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
    checkpoint: { idleMs: false },
    clock: () => Date.UTC(2026, 11, 3), // answers compared before and after: retention fixed
    log: (l) => lines.push(l),
  });
  await e.addMany(texts.slice(0, 10).map((text) => ({ text })));
  expect(e.info().warmingUp).toBeUndefined(); // too small
  await e.addMany(texts.slice(10).map((text) => ({ text })));
  expect(e.info().warmingUp).toBe(true); // armed: waits for a pause
  const before = await e.verifyLog();
  const query = 'what did I say about the budget in month 3?';
  const cold = await e.search(query, { reinforce: false });
  while (e.info().warmingUp) await sleep(20);
  expect(lines.filter((l) => l.includes('search path warmed'))).toEqual([
    expect.stringMatching(/^engram: search path warmed \(100 searches in \d+ ms\)$/),
  ]);
  await e.flush(); // recalls, had the warm-up recorded any, are written now
  expect(await e.verifyLog()).toEqual(before); // no event: the warm-up wrote nothing
  expect(await e.search(query, { reinforce: false })).toEqual(cold);
  expect(e.info().count).toBe(WARM_UP_MIN_MEMORIES);
  await e.close();
  // Reopened, a large store warms again (compiled code does not outlive the engine's thread in a
  // browser); with `warmUp: false` it never does.
  const again = await Engine.open({
    name: 'warm-up-engine',
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
    warmUp: false,
  });
  expect(again.info().warmingUp).toBeUndefined();
  await sleep(600);
  expect(again.info().warmingUp).toBeUndefined();
  await again.close();
  await expect(
    Engine.open({
      name: 'warm-up-engine',
      embedder: new HashEmbedder({ dim: 32 }),
      warmUp: 'yes' as unknown as boolean,
    }),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
}, 60_000);

/** The hash embedder, keeping every text it is asked to embed. */
class RecordingEmbedder extends HashEmbedder {
  readonly seen: string[] = [];
  onEmbed: ((texts: string[]) => void) | undefined;
  override async embed(texts: string[]): Promise<Float32Array[]> {
    this.seen.push(...texts);
    this.onEmbed?.(texts);
    return super.embed(texts);
  }
}

test('a memory erased while the warm-up is paused is not asked about: its text is read when searched, not kept', async () => {
  const embedder = new RecordingEmbedder({ dim: 32 });
  const e = await Engine.open({
    name: 'warm-up-erase',
    embedder,
    backend: 'cpu',
    checkpoint: { idleMs: false },
  });
  await e.addMany(texts.map((text) => ({ text })));
  const first = (await e.getAll({ limit: 1 })).results[0]!; // sampled first: the first stored
  expect(first.memory).toBe(texts[0]);
  // Pause the warm-up at its second search (a search call starts synchronously), before it
  // reaches the stored texts (after the 16 questions).
  let paused: Promise<unknown> | undefined;
  embedder.onEmbed = (t) => {
    if (
      !paused &&
      t.length === 1 &&
      t[0] === 'How many weeks were there between my first interview and the offer?'
    )
      paused = e.search('pause', { reinforce: false });
  };
  while (!paused) await sleep(5);
  await paused;
  embedder.onEmbed = undefined;
  expect(e.info().warmingUp).toBe(true);
  await e.erase(first.id);
  const from = embedder.seen.length;
  while (e.info().warmingUp) await sleep(20);
  const asked = embedder.seen.slice(from);
  expect(asked.length).toBeGreaterThan(0);
  expect(asked.some((t) => texts.includes(t))).toBe(true); // stored texts were asked
  expect(asked).not.toContain(texts[0]); // not the erased one
  await e.close();
}, 60_000);
