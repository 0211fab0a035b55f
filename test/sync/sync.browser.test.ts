// Two devices (two browser contexts, each its own IndexedDB) syncing through a real
// CouchDB-compatible server (pouchdb-server in memory, started here): each writes offline,
// both converge to the same memories, histories and search results, through the network
// going off and on and the server stopping mid-sync; nothing is lost or duplicated.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { converged, syncDevice, useCouchServer } from '../helpers/sync-device';

type EngineT = import('../../src/engine/engine').Engine;
/** Memories each device writes offline (two devices, so 2·N adds plus their links). */
const N = Number(process.env.ENGRAM_SYNC_N ?? 500);

const server = useCouchServer();

/** What must be equal on both devices: memories, one history, search results, and counts. */
function snapshot(page: Page, sharedId: string) {
  return page.evaluate(async (sharedId) => {
    const e = (window as unknown as { engine: EngineT }).engine;
    const all = (await e.getAll({ limit: 100_000 })).results
      .map((m) => `${m.id} ${m.version} ${m.memory}`)
      .sort();
    const history = (await e.history(sharedId)).map(
      ({ event, previousMemory, newMemory, createdAt }) => ({
        event,
        previousMemory,
        newMemory,
        createdAt,
      }),
    );
    const searches = await Promise.all(
      ['note 7 from alpha', 'note 42 from beta', 'where does Alice live'].map(async (q) =>
        (await e.search(q, { limit: 5 })).results.map((r) => `${r.id} ${r.memory}`),
      ),
    );
    const log = await e.verifyLog();
    return { all, history, searches, log, status: await e.syncStatus() };
  }, sharedId);
}

test(`two devices write ${N} memories each offline and converge through a real server`, async () => {
  const db = `engram-${Date.now()}`;
  const a = await syncDevice(`${server.url}/${db}`, 'sync');
  const b = await syncDevice(`${server.url}/${db}`, 'sync');
  // One memory both know before going offline.
  const sharedId = await a.evaluate(async () => {
    const e = (window as unknown as { engine: EngineT }).engine;
    return (await e.add('Alice lives in Paris')).results[0]!.id;
  });
  await converged([a, b], 1, 60_000);

  await a.context().setOffline(true);
  await b.context().setOffline(true);
  const t0 = Date.now();
  const write = (page: Page, who: string) =>
    page.evaluate(
      async ({ who, n, sharedId }) => {
        const e = (window as unknown as { engine: EngineT }).engine;
        const items = Array.from({ length: n }, (_, i) => ({ text: `note ${i} from ${who}` }));
        for (let i = 0; i < n; i += 50) await e.addMany(items.slice(i, i + 50));
        // The same memory updated on both devices while apart.
        await e.update(sharedId, `Alice lives in ${who === 'alpha' ? 'Berlin' : 'Rome'}`);
        return (await e.syncStatus())!;
      },
      { who, n: N, sharedId },
    );
  const [sa, sb] = await Promise.all([write(a, 'alpha'), write(b, 'beta')]);
  const offlineMs = Date.now() - t0;
  // Offline, the writes wait: the status says so, and counts what is not on the server.
  expect(sa.pending).toBeGreaterThanOrEqual(N + 1);
  expect(sb.pending).toBeGreaterThanOrEqual(N + 1);

  // The server goes away and comes back empty (it is in memory; the replicas refill it),
  // then the network comes back.
  await server.stop();
  await new Promise((r) => setTimeout(r, 500));
  await server.start();
  await a.context().setOffline(false);
  await b.context().setOffline(false);
  const syncMs = await converged([a, b], 2 * N + 1, 120_000);

  const [ra, rb] = [await snapshot(a, sharedId), await snapshot(b, sharedId)];
  console.log(
    `sync: ${N} memories per device written offline in ${offlineMs} ms; converged ${syncMs} ms after going online (server restarted once); events applied a=${ra.status?.applied} b=${rb.status?.applied}`,
  );
  expect(ra.all).toHaveLength(2 * N + 1);
  expect(new Set(ra.all.map((s) => s.split(' ')[0])).size).toBe(2 * N + 1); // no duplicate
  expect(rb.all).toEqual(ra.all);
  expect(rb.history).toEqual(ra.history);
  expect(rb.searches).toEqual(ra.searches);
  expect(ra.searches[0]![0]).toContain('note 7 from alpha');
  // Both concurrent updates are in the history; the current one is the later in merge order.
  const texts = ra.history.map((h) => h.newMemory);
  expect(texts).toEqual(expect.arrayContaining(['Alice lives in Berlin', 'Alice lives in Rome']));
  const current = ra.all.find((s) => s.startsWith(sharedId))!;
  expect(current).toContain(ra.history[ra.history.length - 1]!.newMemory!);
  expect(current).toMatch(/ 3 Alice lives in (Berlin|Rome)$/);
  expect(ra.log.ok).toBe(true);
  expect(rb.log.ok).toBe(true);
  // Each device's log holds its own events and the other's, once each.
  expect(ra.log.events).toBe(rb.log.events);
});
