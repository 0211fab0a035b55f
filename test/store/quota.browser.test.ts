// A real origin quota (Chrome DevTools Protocol Storage.overrideQuotaForOrigin): ingest until
// the browser refuses with QuotaExceeded; every acknowledged write stays intact; freeing space
// lets writes succeed again.
import { expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';
const QUOTA = 4 * 1024 * 1024;

test('ingesting past a real origin quota: QuotaExceeded, nothing acknowledged lost, space freed writes again', async () => {
  const context = await newContext();
  const page = await openPage(undefined, context);
  const origin = new URL(page.url()).origin;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: QUOTA });
  // The page's navigator.storage.estimate() reports a fixed quota; the DevTools figures are real.
  const usage = async () => {
    const u = await cdp.send('Storage.getUsageAndQuota', { origin });
    expect(u).toMatchObject({ quota: QUOTA, overrideActive: true });
    return u.usage;
  };

  const fill = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName('quota'));
    (window as unknown as { e: Engine }).e = e;
    // Texts of ~2 KB that differ everywhere (incompressible enough for the store's files).
    let n = 0;
    const text = () => {
      const i = n++;
      const words = Array.from({ length: 300 }, (_, k) =>
        ((i * 7919 + k * 104729) % 1e6).toString(36),
      );
      return `note ${i} ${words.join(' ')}`;
    };
    const acked: { id: string; text: string }[] = [];
    let error: string | undefined;
    let batches = 0;
    // Batches while they fit, then single adds, until the browser refuses one.
    for (let size = 25; !error && acked.length < 20_000;) {
      const items = Array.from({ length: size }, () => ({ text: text(), userId: 'ada' }));
      try {
        const res = await e.addMany(items);
        res.results.forEach((r, k) => acked.push({ id: r.id, text: items[k]!.text }));
        batches++;
      } catch (x) {
        if (size > 1) size = 1;
        else error = (x as { code?: string }).code ?? String(x);
      }
    }
    return { acked, error, batches };
  }, FIXTURE);

  const fullUsage = await usage();
  expect(fill.error).toBe('QuotaExceeded');
  expect(fill.acked.length).toBeGreaterThan(50);

  const check = () =>
    page.evaluate(async (acked) => {
      const e = (window as unknown as { e: Engine }).e;
      const all = (await e.getAll({ limit: 100_000 })).results;
      const byId = new Map(all.map((m) => [m.id, m.memory]));
      const missing = acked.filter((a) => byId.get(a.id) !== a.text).length;
      // A sample of acknowledged texts is found by search, each as the top hit.
      const sample = acked.filter((_, i) => i % Math.ceil(acked.length / 20) === 0);
      let found = 0;
      for (const a of sample)
        if ((await e.search(a.text.slice(0, 120), { limit: 1 })).results[0]?.id === a.id) found++;
      return {
        count: all.length,
        missing,
        found,
        sampled: sample.length,
        log: await e.verifyLog(),
        verify: await e.verify(),
      };
    }, acked);
  const acked = fill.acked;
  const full = await check();
  expect(full).toMatchObject({ count: acked.length, missing: 0, log: { ok: true } });
  expect(full.verify.problems).toEqual([]);
  expect(full.verify.ok).toBe(true);
  expect(full.found).toBe(full.sampled);

  // Freeing space. Erase and delete append to the log, and the browser refuses any transaction
  // that writes while the origin is over quota: they may fail, but then change nothing.
  // reset() deletes in a transaction that only deletes, which the browser runs.
  const attempts = await page.evaluate(
    async ({ path, ids }) => {
      const f = await importSrc<Fixture>(path);
      const e = (window as unknown as { e: Engine }).e;
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (x: { code?: string }) => x.code ?? String(x),
        );
      const before = f.dumpJson(await e.dump());
      const erase = await code(e.erase(ids[0]!));
      const eraseScope = await code(e.erase({ userId: 'ada' }));
      const deleteAll = await code(e.deleteAll({ userId: 'ada' }));
      const unchanged = f.dumpJson(await e.dump()) === before;
      return { erase, eraseScope, deleteAll, unchanged };
    },
    { path: FIXTURE, ids: acked.map((a) => a.id) },
  );
  expect(['ok', 'QuotaExceeded']).toContain(attempts.erase);
  expect(['ok', 'QuotaExceeded']).toContain(attempts.eraseScope);
  expect(['ok', 'QuotaExceeded']).toContain(attempts.deleteAll);
  const refusedAll = [attempts.erase, attempts.eraseScope, attempts.deleteAll].every(
    (c) => c === 'QuotaExceeded',
  );
  if (refusedAll) expect(attempts.unchanged).toBe(true);
  const usageFull = await usage();

  const after = await page.evaluate(async () => {
    const e = (window as unknown as { e: Engine }).e;
    await e.reset();
    const writes: string[] = [];
    for (let i = 0; i < 50; i++)
      writes.push(
        await e.add(`after reset, note ${i}`, { infer: false }).then(
          () => 'ok',
          (x: { code?: string }) => x.code ?? String(x),
        ),
      );
    const all = (await e.getAll()).results.length;
    return { writes, all, log: await e.verifyLog(), verify: await e.verify() };
  });
  expect(after.writes.every((w) => w === 'ok')).toBe(true);
  expect(after).toMatchObject({ all: 50, log: { ok: true }, verify: { ok: true } });
  expect(after.log.events).toBeGreaterThanOrEqual(50); // the adds, and the links between them
  const usageAfter = await usage();
  expect(usageAfter).toBeLessThan(usageFull);
  console.log(
    `quota: ${QUOTA} bytes; ${acked.length} memories (~2 KB each) acknowledged (${fill.batches} batches of 25, ` +
      `then single adds) before QuotaExceeded, usage ${fullUsage}; all ${acked.length} intact, ` +
      `${full.found}/${full.sampled} found by search, verifyLog and verify() ok; at full: erase one ${attempts.erase}, ` +
      `erase scope ${attempts.eraseScope}, deleteAll ${attempts.deleteAll} (store unchanged: ${attempts.unchanged}); ` +
      `reset ok, then 50/50 writes, usage ${usageFull} → ${usageAfter}`,
  );
}, 240_000); // ~45 s alone on 2 busy cores
