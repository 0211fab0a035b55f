// verify(): a store with a varied history (consolidation, links, updates, deletes,
// recalls, forget/restore, erasure, merge/unmerge, sealed blocks and a tail, a
// checkpoint) verifies clean, in the page and through the Worker; it writes nothing
// and runs while another holder has the write lock; its time is measured at 10k memories.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('verify() is clean after a varied history, writes nothing and takes no write lock', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = 1_700_000_000_000;
    const name = f.uniqueName();
    const opts = {
      blockRows: 4,
      clock: () => now,
      linkThreshold: 0.3,
      checkpoint: { minMemories: 1, minEvents: 1 },
    };
    const e = await f.openEngine(name, opts);
    await f.buildHistory(e, () => (now += 3_600_000));
    const dups = await e.addMany(
      Array.from({ length: 3 }, () => ({ text: 'the gate is green', userId: 'ada', runId: 'd' })),
    );
    await e.merge({ runId: 'd', threshold: 0.999 });
    await e.unmerge(dups.results[2]!.id);
    await e.close(); // writes the checkpoint
    const e2 = await f.openEngine(name, opts);
    await e2.add('the checkpoint is older than this memory', { infer: false, userId: 'ada' });
    const counts = Object.fromEntries(
      Object.entries(await e2.dump()).map(([k, v]) => [k, v.length]),
    );
    const before = f.dumpJson(await e2.dump());
    // Another holder keeps the write lock while verify runs: verify must not wait for it.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const lock = navigator.locks.request(`engram:${name}:write`, async () => {
      locked();
      await held;
    });
    await isLocked;
    const underLock = await Promise.race([
      e2.verify(),
      new Promise<'waited'>((r) => setTimeout(() => r('waited'), 10_000)),
    ]);
    release();
    await lock;
    const after = f.dumpJson(await e2.dump());
    const report = await e2.verify();
    await e2.close();
    // The same store through the Worker.
    const mem = await f.openEngram({ name });
    const viaWorker = await mem.verify();
    const inWorker = mem.inWorker;
    await mem.close();
    return { counts, underLock, report, same: before === after, viaWorker, inWorker };
  }, FIXTURE);
  // The history reached every store verify checks.
  for (const s of [
    'memories',
    'versions',
    'vectorBlocks',
    'vectorTail',
    'links',
    'lexical',
    'events',
    'checkpoints',
  ])
    expect([s, r.counts[s]]).not.toEqual([s, 0]);
  expect(r.underLock).not.toBe('waited');
  expect(r.underLock).toEqual(r.report);
  expect(r.report.problems).toEqual([]);
  expect(r.report.ok).toBe(true);
  expect(r.report.events).toBe(r.counts.events);
  expect(r.report.memories).toBe(r.counts.memories);
  expect(r.same).toBe(true);
  expect(r.inWorker).toBe(true);
  expect(r.viaWorker).toEqual(r.report);
});

test('verify() time at 5,000 memories (384-d, with a checkpoint), next to verifyLog()', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { HashEmbedder } = await importSrc<typeof import('../../src/embed/hash-embedder')>(
      '/src/embed/hash-embedder.ts',
    );
    const name = f.uniqueName();
    const opts = {
      embedder: new HashEmbedder({ dim: 384 }),
      checkpoint: { minMemories: 1, minEvents: 1 },
    };
    let e = await f.openEngine(name, opts);
    const N = 5_000; // 10,000 until 2 December (the README's figures say which size)
    await e.addMany(
      Array.from({ length: N }, (_, i) => ({
        text: `memory ${i}: the ${['red', 'blue', 'green'][i % 3]} box ${i % 97} holds item ${i}`,
        userId: `u${i % 10}`,
      })),
    );
    await e.close(); // writes the checkpoint verify also checks
    e = await f.openEngine(name, opts);
    const checkpoints = (await e.dump()).checkpoints!.length;
    let t0 = performance.now();
    const report = await e.verify();
    const ms = performance.now() - t0;
    t0 = performance.now();
    const chain = await e.verifyLog();
    const logMs = performance.now() - t0;
    await e.close();
    return {
      ok: report.ok && chain.ok,
      problems: report.problems.length,
      memories: report.memories,
      checkpoints,
      ms,
      logMs,
    };
  }, FIXTURE);
  console.log(
    `verify() at ${r.memories} memories × 384-d: ${r.ms.toFixed(0)} ms ` +
      `(verifyLog() alone: ${r.logMs.toFixed(0)} ms)`,
  );
  expect(r).toMatchObject({ ok: true, problems: 0, memories: 5_000 });
  expect(r.checkpoints).toBeGreaterThan(0);
  // Linear work: a small multiple of the chain check alone (both timed on the same shared
  // machine, whose load swings the ratio between 1.3 and 3.5); a quadratic step would not fit.
  expect(r.ms).toBeLessThan(8 * r.logMs + 10_000);
}, 600_000);
