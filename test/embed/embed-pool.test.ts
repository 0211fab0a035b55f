// EmbedPool (issue 14, ingest): a large call dealt out over the local instance and helpers
// started on demand, vectors back in input order and equal to one instance's, progress, a
// helper that fails to start left out, one that fails while embedding a typed error (and what
// addMany stored before it kept), helpers stopped when idle and on dispose.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { EmbedPool, type EmbedHelper } from '../../src/embed/embed-pool';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { Engine } from '../../src/engine/engine';
import { isEngramError } from '../../src/errors';

const texts = Array.from(
  { length: 300 },
  (_, i) => `turn ${i}: I went to the market with ${'my friend '.repeat(i % 4)}(${i})`,
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Helpers over a HashEmbedder taking `ms` per call; `failAt` makes the first one's n-th call reject. */
function helpers(o: { ms?: number; failAt?: number; startFails?: boolean } = {}) {
  const made: { calls: number; texts: number; terminated: boolean }[] = [];
  const start = async (): Promise<EmbedHelper> => {
    await sleep(10);
    if (o.startFails) throw new Error('no Worker here');
    const inner = new HashEmbedder({ dim: 32 });
    const stat = { calls: 0, texts: 0, terminated: false };
    made.push(stat);
    return {
      async embed(t) {
        stat.calls++;
        stat.texts += t.length;
        await sleep(o.ms ?? 5);
        if (stat === made[0] && stat.calls === o.failAt)
          throw new Error('wasm memory access out of bounds');
        return inner.embed(t);
      },
      terminate: () => (stat.terminated = true),
    };
  };
  return { made, start };
}

/** The local instance: a HashEmbedder taking 5 ms per call, counting its texts. */
function local() {
  const inner = new HashEmbedder({ dim: 32 });
  const stat = { texts: 0 };
  return {
    stat,
    embedder: {
      id: inner.id,
      dim: inner.dim,
      async embed(t: string[]) {
        stat.texts += t.length;
        await sleep(5);
        return inner.embed(t);
      },
    },
  };
}

test('a large call is shared by the instances; vectors in input order, equal to one instance', async () => {
  const h = helpers();
  const l = local();
  const pool = new EmbedPool(l.embedder, { instances: 3, startHelper: h.start, pieceTexts: 16 });
  // A small call stays local and starts nothing.
  await pool.embed(texts.slice(0, 10));
  expect(pool.helpersStarted).toBe(0);
  l.stat.texts = 0;
  const progress: number[] = [];
  const got = await pool.embed(texts, { onProgress: ({ done }) => progress.push(done) });
  const want = await new HashEmbedder({ dim: 32 }).embed(texts);
  expect(got.length).toBe(texts.length);
  got.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(want[i]!)));
  expect(h.made.length).toBe(2);
  // Every instance took a share, and every text was embedded once.
  expect(l.stat.texts).toBeGreaterThan(0);
  for (const m of h.made) expect(m.texts).toBeGreaterThan(0);
  expect(l.stat.texts + h.made.reduce((s, m) => s + m.texts, 0)).toBe(texts.length);
  expect(progress.at(-1)).toBe(texts.length);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  // Kept for the next large call.
  await pool.embed(texts);
  expect(h.made.length).toBe(2);
  await pool.dispose();
  expect(h.made.every((m) => m.terminated)).toBe(true);
});

test('a helper that cannot start is left out: the local instance does the work, the log says why', async () => {
  const logs: string[] = [];
  const l = local();
  const pool = new EmbedPool(l.embedder, {
    instances: 2,
    startHelper: helpers({ startFails: true }).start,
    log: (m) => logs.push(m),
  });
  const got = await pool.embed(texts);
  expect(got.length).toBe(texts.length);
  expect(l.stat.texts).toBe(texts.length);
  expect(logs.join()).toMatch(/did not start: Error: no Worker here/);
  await pool.dispose();
});

test('a helper failing while it embeds: WorkerFailed, the helper stopped, the next call works', async () => {
  const h = helpers({ failAt: 2 });
  const pool = new EmbedPool(local().embedder, {
    instances: 2,
    startHelper: h.start,
    pieceTexts: 16,
  });
  const err = await pool.embed(texts).catch((e: unknown) => e);
  expect(isEngramError(err, 'WorkerFailed')).toBe(true);
  expect(String((err as Error).message)).toMatch(/out of bounds/);
  expect(h.made[0]!.terminated).toBe(true);
  expect(pool.helpersStarted).toBe(0);
  const again = await pool.embed(texts);
  expect(again.length).toBe(texts.length);
  expect(h.made.length).toBe(2); // a new helper
  await pool.dispose();
});

test('helpers idle for idleMs are stopped; an aborted call rejects with Aborted', async () => {
  const h = helpers();
  const pool = new EmbedPool(local().embedder, {
    instances: 2,
    startHelper: h.start,
    pieceTexts: 16,
    idleMs: 50,
  });
  await pool.embed(texts);
  expect(h.made[0]!.terminated).toBe(false);
  await sleep(120);
  expect(h.made[0]!.terminated).toBe(true);
  expect(pool.helpersStarted).toBe(0);
  // A bad text is found before any piece is dealt, with its index in the call.
  const bad = await pool.embed([...texts.slice(0, 100), ' ']).catch((x: unknown) => x);
  expect(isEngramError(bad, 'EmptyText')).toBe(true);
  expect((bad as { details?: unknown }).details).toEqual({ index: 100 });
  const ac = new AbortController();
  const call = pool.embed(texts, { signal: ac.signal });
  ac.abort();
  expect(isEngramError(await call.catch((e: unknown) => e), 'Aborted')).toBe(true);
  await pool.dispose();
});

test('addMany through a pool whose helper fails: WorkerFailed, what was stored before stays intact', async () => {
  const h = helpers({ failAt: 5 });
  const pool = new EmbedPool(local().embedder, {
    instances: 2,
    startHelper: h.start,
    pieceTexts: 16,
  });
  const e = await Engine.open({ name: 'embed-pool-fail', embedder: pool, backend: 'cpu' });
  const stored: number[] = [];
  const err = await e
    .addMany(
      texts.map((text) => ({ text })),
      { onProgress: ({ done }) => stored.push(done) },
    )
    .catch((x: unknown) => x);
  expect(isEngramError(err, 'WorkerFailed')).toBe(true);
  // The helper's 5th piece is in the second chunk of 128: the first was stored, whole.
  expect(stored).toEqual([128]);
  const kept = (await e.getAll({ limit: 1000 })).results.map((m) => m.memory);
  expect(kept).toEqual(texts.slice(0, 128));
  // The store and the pool go on: the rest is added (a new helper).
  await e.addMany(texts.slice(128).map((text) => ({ text })));
  expect((await e.getAll({ limit: 1000 })).results.map((m) => m.memory)).toEqual(texts);
  await e.close();
  await pool.dispose();
});
