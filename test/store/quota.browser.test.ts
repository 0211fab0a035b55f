// A real origin quota (Chrome DevTools Protocol Storage.overrideQuotaForOrigin): ingest until
// the browser refuses with QuotaExceeded; every acknowledged write stays intact; erasing at full
// succeeds (dropping the lexical cache first) and writes succeed again.
import { expect, test } from 'vitest';
import type { Engine } from '../../src/engine/engine';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';
const QUOTA = 4 * 1024 * 1024;

test('ingesting past a real origin quota: QuotaExceeded, nothing acknowledged lost; erasing at full works and writes succeed again', async () => {
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
    const name = f.uniqueName('quota');
    const e = await f.openEngine(name);
    Object.assign(window, { e, storeName: name });
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

  // Erasing at full: the browser runs no transaction that writes while the origin is over its
  // quota, so the erasure first drops the lexical rows (a cache) in a transaction that only
  // deletes, then erases. Every other memory stays intact, and writes succeed again.
  const usageFull = await usage();
  const erased = await page.evaluate(
    async ({ path, acked }) => {
      const f = await importSrc<Fixture>(path);
      const e = (window as unknown as { e: Engine }).e;
      const victim = acked[0]!;
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'ok',
          (x: { code?: string }) => x.code ?? String(x),
        );
      const erase = await code(e.erase(victim.id));
      const raw = f.dumpJson(await e.dump());
      const all = (await e.getAll({ limit: 100_000 })).results;
      const byId = new Map(all.map((m) => [m.id, m.memory]));
      const missing = acked.slice(1).filter((a) => byId.get(a.id) !== a.text).length;
      const writes: string[] = [];
      for (let i = 0; i < 40; i++)
        writes.push(await code(e.add(`after the erasure, note ${i}`, { infer: false })));
      const hit = (await e.search('after the erasure, note 7', { limit: 1 })).results[0]?.memory;
      return {
        erase,
        erasedTextLeft: raw.includes(victim.text.slice(0, 200)),
        erasedStillListed: byId.has(victim.id),
        missing,
        writes,
        hit,
        verify: await e.verify(),
        log: await e.verifyLog(),
      };
    },
    { path: FIXTURE, acked },
  );
  expect(erased).toMatchObject({
    erase: 'ok',
    erasedTextLeft: false,
    erasedStillListed: false,
    missing: 0,
    hit: 'after the erasure, note 7',
    log: { ok: true },
  });
  expect(erased.writes.filter((w) => w !== 'ok')).toEqual([]);
  expect(erased.verify.problems).toEqual([]);
  const usageErased = await usage();

  // With room again (the quota raised), close() writes the lexical rows back; a reopened
  // engine finds every memory, and verify() is clean with the rows stored again.
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 16 * QUOTA });
  const reopened = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const w = window as unknown as { e: Engine; storeName: string };
    await w.e.close();
    w.e = await f.openEngine(w.storeName);
    const dump = await w.e.dump();
    const meta = dump.meta![0] as { lexicalDropped?: boolean };
    return {
      lexicalRows: dump.lexical!.length,
      memories: (await w.e.getAll({ limit: 100_000 })).results.length,
      dropped: meta.lexicalDropped ?? false,
      verify: await w.e.verify(),
    };
  }, FIXTURE);
  expect(reopened).toMatchObject({ dropped: false, memories: acked.length - 1 + 40 });
  expect(reopened.lexicalRows).toBe(reopened.memories);
  expect(reopened.verify.problems).toEqual([]);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: QUOTA });

  // reset() empties a store even when it is full (a transaction that only deletes).
  const after = await page.evaluate(async () => {
    const e = (window as unknown as { e: Engine }).e;
    await e.reset();
    const writes: string[] = [];
    for (let i = 0; i < 20; i++)
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
  expect(after).toMatchObject({ all: 20, log: { ok: true }, verify: { ok: true } });
  const usageAfter = await usage();
  expect(usageAfter).toBeLessThan(usageFull);
  console.log(
    `quota: ${QUOTA} bytes; ${acked.length} memories (~2 KB each) acknowledged (${fill.batches} batches of 25, ` +
      `then single adds) before QuotaExceeded, usage ${fullUsage}; all ${acked.length} intact, ` +
      `${full.found}/${full.sampled} found by search, verifyLog and verify() ok; at full, erase(one) ok ` +
      `(lexical rows dropped to make room, usage ${usageFull} → ${usageErased}), the other ` +
      `${acked.length - 1} intact, then 40/40 writes ok; reopened with room: ${reopened.lexicalRows} lexical rows ` +
      `written back, verify() clean; reset at full then 20/20 writes, usage ${usageFull} → ${usageAfter}`,
  );
}, 240_000); // ~45 s alone on 2 busy cores
