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

/**
 * Helpers over a HashEmbedder taking `ms` per call; `failAt` makes the first one's n-th call
 * reject, `failFrom` its first call given a text of `texts` at that index or past it.
 */
function helpers(
  o: { ms?: number; failAt?: number; failFrom?: number; startFails?: boolean } = {},
) {
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
        const late = o.failFrom !== undefined && t.some((x) => texts.indexOf(x) >= o.failFrom!);
        if (stat === made[0] && (stat.calls === o.failAt || late))
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

/** A local instance taking 3 ms per call (a timer), counting the most calls it ran at once. */
function countingLocal() {
  const inner = new HashEmbedder({ dim: 32 });
  let running = 0;
  const stat = { most: 0 };
  return Object.assign(stat, {
    embedder: {
      id: inner.id,
      dim: inner.dim,
      async embed(t: string[]) {
        stat.most = Math.max(stat.most, ++running);
        await sleep(3);
        running--;
        return inner.embed(t);
      },
    },
  });
}

test('a large call is shared by the instances; vectors in input order, equal to one instance', async () => {
  const h = helpers();
  const l = local();
  const pool = new EmbedPool(l.embedder, {
    instances: 3,
    cores: 4,
    startHelper: h.start,
    pieceTexts: 16,
  });
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

test('a local instance that computes in the thread still leaves the helpers their share', async () => {
  // The local model runs in this thread: its promise settles without giving up the thread (a
  // busy wait here), while a helper's answer comes as a message (a timer here). The helper must
  // still get pieces as it frees up, not only its first one.
  const inner = new HashEmbedder({ dim: 32 });
  let localTexts = 0;
  const busyLocal = {
    id: inner.id,
    dim: inner.dim,
    embed(t: string[]) {
      const end = performance.now() + 4;
      while (performance.now() < end);
      localTexts += t.length;
      return inner.embed(t);
    },
  };
  const h = helpers({ ms: 4 });
  const pool = new EmbedPool(busyLocal, {
    instances: 2,
    cores: 2, // the local instance works beside the one helper
    startHelper: h.start,
    pieceTexts: 8,
  });
  await pool.embed(texts); // starts the helper
  localTexts = 0;
  h.made[0]!.texts = 0;
  const got = await pool.embed(texts);
  expect(got.length).toBe(texts.length);
  expect(localTexts + h.made[0]!.texts).toBe(texts.length);
  // About half each (38 pieces, 4 ms apiece on either side); the helper got its first only
  // (8 texts) when the local loop kept the thread from piece to piece.
  expect(h.made[0]!.texts).toBeGreaterThan(texts.length / 4);
  await pool.dispose();
});

test('overlapping calls share the instances; the local one runs one call at a time', async () => {
  const counted = countingLocal();
  const h = helpers({ ms: 3 });
  const pool = new EmbedPool(counted.embedder, {
    instances: 2,
    cores: 2,
    startHelper: h.start,
    pieceTexts: 16,
  });
  expect(pool.concurrent).toBe(true);
  const other = texts.map((t) => `${t} again`);
  let bDone = 0;
  let bDoneAtA = -1;
  const [a, b, small] = await Promise.all([
    pool.embed(texts).then((v) => ((bDoneAtA = bDone), v)),
    pool.embed(other, { onProgress: ({ done }) => (bDone = done) }),
    pool.embed(['a small call on the local instance']),
  ]);
  expect(counted.most).toBe(1);
  // The older call's pieces are dealt first: it ends while the newer one has barely started
  // (at most the pieces its instances took as the older one's last were out).
  expect(bDoneAtA).toBeLessThanOrEqual(3 * 16);
  const ref = new HashEmbedder({ dim: 32 });
  for (const [got, want] of [
    [a!, await ref.embed(texts)],
    [b!, await ref.embed(other)],
    [small!, await ref.embed(['a small call on the local instance'])],
  ] as const)
    got.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(want[i]!)));
  expect(h.made[0]!.texts).toBeGreaterThan(0);
  await pool.dispose();
});

test('once helpers fill the cores the local instance leaves them large calls; small ones stay local', async () => {
  const h = helpers();
  const l = local();
  const pool = new EmbedPool(l.embedder, {
    instances: 3,
    cores: 2,
    startHelper: h.start,
    pieceTexts: 16,
  });
  // The first call: the local instance works while the helpers load.
  await pool.embed(texts);
  expect(l.stat.texts).toBeGreaterThan(0);
  l.stat.texts = 0;
  for (const m of h.made) m.texts = 0;
  const got = await pool.embed(texts);
  expect(got.length).toBe(texts.length);
  expect(l.stat.texts).toBe(0);
  expect(h.made.map((m) => m.texts > 0)).toEqual([true, true]);
  await pool.embed(['a question']);
  expect(l.stat.texts).toBe(1);
  await pool.dispose();
});

test('a local instance that runs apart holds two pieces at once, as a helper does', async () => {
  const inner = new HashEmbedder({ dim: 32 });
  const apart = countingLocal();
  const h = helpers({ ms: 3 });
  const pool = new EmbedPool(apart.embedder, {
    instances: 2,
    cores: 2,
    localApart: true,
    startHelper: h.start,
    pieceTexts: 8,
  });
  const got = await pool.embed(texts);
  const want = await inner.embed(texts);
  got.forEach((v, i) => expect(Array.from(v)).toEqual(Array.from(want[i]!)));
  expect(apart.most).toBe(2);
  await pool.dispose();
});

test('a helper still loading when the pool is disposed is stopped at once, not once loaded', async () => {
  let aborted = false;
  const never = (signal: AbortSignal) =>
    new Promise<EmbedHelper>((_, reject) =>
      signal.addEventListener('abort', () => ((aborted = true), reject(new Error('stopped')))),
    );
  const logs: string[] = [];
  const pool = new EmbedPool(local().embedder, {
    instances: 2,
    startHelper: never,
    pieceTexts: 16,
    log: (m) => logs.push(m),
  });
  expect((await pool.embed(texts)).length).toBe(texts.length); // done by the local instance
  expect(aborted).toBe(false);
  await pool.dispose();
  expect(aborted).toBe(true);
  expect(logs).toEqual([]); // a helper stopped on purpose is not reported
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
  const h = helpers({ failFrom: 128 });
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
  // The helper fails on the first piece it takes past the first chunk of 128 (the chunk after
  // it is embedded while it is made and written): the first chunk was stored, whole.
  expect(stored).toEqual([128]);
  const kept = (await e.getAll({ limit: 1000 })).results.map((m) => m.memory);
  expect(kept).toEqual(texts.slice(0, 128));
  // The store and the pool go on: the rest is added (a new helper).
  await e.addMany(texts.slice(128).map((text) => ({ text })));
  expect((await e.getAll({ limit: 1000 })).results.map((m) => m.memory)).toEqual(texts);
  await e.close();
  await pool.dispose();
});
