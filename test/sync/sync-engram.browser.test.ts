// Sync through the public `Engram` in its Worker: `Engram.open({ sync })` starts it (options
// checked like the rest of the API), the status callback crosses the Worker, `info()` reports
// what is pending, and another tab of the same store, not syncing itself, sees what arrived.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { newContext, openPage } from '../helpers/browser';
import { until, useCouchServer } from '../helpers/sync-device';

type Fixture = typeof import('../engine/fixture');
type EngramT = import('../../src/engram').Engram;
const FIXTURE = '/test/engine/fixture.ts';

const server = useCouchServer();

/** Opens the public Engram (Worker) on `name` in the page, syncing to `url` unless undefined. */
function open(page: Page, name: string, url: string | undefined) {
  return page.evaluate(
    async ({ path, name, url }) => {
      const f = await importSrc<Fixture>(path);
      const statuses: string[] = [];
      const w = window as unknown as { mem: EngramT; statuses: string[] };
      w.statuses = statuses;
      w.mem = await f.Engram.open({
        name,
        embedder: { type: 'hash', dim: 64 },
        backend: 'cpu',
        ...(url ? { sync: { url, onStatus: (s) => statuses.push(s.state) } } : {}),
      });
      return w.mem.inWorker;
    },
    { path: FIXTURE, name, url },
  );
}

const count = '(async () => (await window.mem.getAll({ limit: 1000 })).results.length)()';

test('Engram.open({ sync }) in the Worker: status callback, pending in info(), other tabs see merged memories', async () => {
  const url = `${server.url}/engram-${Date.now()}`;
  const a = await openPage(undefined, await newContext());
  // Bad sync options are refused before anything opens, like every other option.
  const refused = await a.evaluate(
    async ({ path, url }) => {
      const f = await importSrc<Fixture>(path);
      const codes: unknown[] = [];
      for (const sync of [{ url, retries: 3 }, { url: 'ftp://x/db' }, { url, auth: { user: 'u' } }])
        await f.Engram.open({
          name: f.uniqueName(),
          embedder: { type: 'hash', dim: 64 },
          sync,
        } as never)
          .then(() => codes.push('opened'))
          .catch((e: { code?: string; details?: unknown }) => codes.push([e.code, e.details]));
      return codes;
    },
    { path: FIXTURE, url },
  );
  expect(refused).toEqual([
    ['InvalidArgument', expect.objectContaining({ option: 'sync.retries' })],
    ['InvalidArgument', undefined],
    ['InvalidArgument', expect.objectContaining({ option: 'sync.auth.user' })],
  ]);

  const storeA = `engram-a-${Date.now()}`;
  expect(await open(a, storeA, url)).toBe(true);
  await a.evaluate(async () => {
    const w = window as unknown as { mem: EngramT };
    await w.mem.addMany([
      { text: 'Alice lives in Paris' },
      { text: 'Bob plays the cello' },
      { text: 'the meeting moved to Thursday' },
    ]);
  });

  // Device B: two tabs of one store; only the first syncs.
  const ctxB = await newContext();
  const [b1, b2] = [await openPage(undefined, ctxB), await openPage(undefined, ctxB)];
  const storeB = `engram-b-${Date.now()}`;
  await open(b1, storeB, url);
  await open(b2, storeB, undefined);
  await until(b1, `${count}.then((n) => n === 3)`);
  // The other tab catches up with what sync logged there (its state is reloaded).
  await until(b2, `${count}.then((n) => n === 3)`, 30_000);
  const seen = await b2.evaluate(async () => {
    const w = window as unknown as { mem: EngramT };
    return (await w.mem.search('who plays the cello', { limit: 1 })).results[0]?.memory;
  });
  expect(seen).toBe('Bob plays the cello');
  // A write in the tab that does not sync is sent by the one that does.
  await b2.evaluate(async () => {
    await (window as unknown as { mem: EngramT }).mem.add('Carol keeps bees', { infer: false });
  });
  await until(a, `${count}.then((n) => n === 4)`);

  // info() reports what is pending: nothing once up to date; a write made offline waits.
  await until(a, '(async () => (await window.mem.info()).sync?.pending === 0)()');
  await a.context().setOffline(true);
  await a.evaluate(async () => {
    await (window as unknown as { mem: EngramT }).mem.add('Dave runs on Sundays', { infer: false });
  });
  const offline = await a.evaluate(
    async () => (await (window as unknown as { mem: EngramT }).mem.info()).sync,
  );
  expect(offline?.pending).toBeGreaterThanOrEqual(1);
  await a.context().setOffline(false);
  await until(a, '(async () => (await window.mem.info()).sync?.pending === 0)()');
  await until(b2, `${count}.then((n) => n === 5)`);
  // The status callback crossed the Worker.
  const statuses = await a.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  expect(statuses).toEqual(expect.arrayContaining(['active', 'idle']));
});
