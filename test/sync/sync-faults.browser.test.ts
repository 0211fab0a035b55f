// Faults during sync, against a real CouchDB-compatible server (pouchdb-server in memory,
// started here): the server stopped in the middle of a transfer and started again (it comes
// back empty, being in memory: the replicas refill it), and a device's network going off and on
// in the middle of a transfer. Live sync resumes by itself; every event ends up once on the
// server and once in each replica's log.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { converged, syncDevice, useCouchServer } from '../helpers/sync-device';

type EngineT = import('../../src/engine/engine').Engine;
/** Memories device A writes while B is pulling. */
const N = Number(process.env.ENGRAM_SYNC_FAULT_N ?? 500); // 1000 until 2 December (CI time)

const server = useCouchServer();

type Probe = { n: number; pending: number; pulled: number; state: string; events: number };
function probe(page: Page): Promise<Probe> {
  return page.evaluate(async () => {
    const e = (window as unknown as { engine: EngineT }).engine;
    const s = (await e.syncStatus())!;
    return {
      n: e.info().count,
      pending: s.pending,
      pulled: s.pulled,
      state: s.state,
      events: (await e.verifyLog()).events,
    };
  });
}

/** Waits until B has pulled part of what A wrote, not all of it (a transfer under way). */
async function midTransfer(page: Page, total: number): Promise<Probe> {
  const t0 = Date.now();
  for (;;) {
    const p = await probe(page);
    if (p.pulled > 0 && p.n < total) return p;
    if (p.n >= total) throw new Error(`B had everything before the fault: ${JSON.stringify(p)}`);
    if (Date.now() - t0 > 120_000) throw new Error(`B never started pulling: ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Event documents on the server (its `_local` checkpoints are not listed by `_all_docs`); none
 * while the database is missing (a restarted in-memory server, before a replica creates it).
 */
async function serverEvents(url: string): Promise<{ total: number; ids: number }> {
  const body = (await (await fetch(`${url}/_all_docs`)).json()) as {
    rows?: { id: string }[];
  };
  const rows = body.rows ?? [];
  return { total: rows.length, ids: new Set(rows.map((r) => r.id)).size };
}

/**
 * Polls until the server holds at least `events` event documents. A server that came back empty
 * is refilled by the replicas' next fresh replication, which may start after they already agree
 * with each other (B can pull the last batch between the probe and the stop): their `pending`
 * counts what the server acknowledged before it lost it, so it cannot tell.
 */
async function serverHolds(url: string, events: number, timeoutMs = 120_000) {
  const t0 = Date.now();
  for (;;) {
    const got = await serverEvents(url);
    if (got.total >= events || Date.now() - t0 > timeoutMs) return got;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A writes `n` memories online (B is syncing meanwhile). */
function writeMany(page: Page, who: string, n: number) {
  return page.evaluate(
    async ({ who, n }) => {
      const e = (window as unknown as { engine: EngineT }).engine;
      const items = Array.from({ length: n }, (_, i) => ({ text: `note ${i} from ${who}` }));
      for (let i = 0; i < n; i += 100) await e.addMany(items.slice(i, i + 100));
    },
    { who, n },
  );
}

/** Checks both replicas and the server hold the same events, once each. */
async function sameEverywhere(url: string, a: Page, b: Page, count: number) {
  const [pa, pb] = [await probe(a), await probe(b)];
  const onServer = await serverHolds(url, pa.events);
  const all = (p: Page) =>
    p.evaluate(async () => {
      const e = (window as unknown as { engine: EngineT }).engine;
      return (await e.getAll({ limit: 100_000 })).results.map((m) => `${m.id} ${m.memory}`).sort();
    });
  const [ga, gb] = [await all(a), await all(b)];
  expect(ga).toHaveLength(count);
  expect(new Set(ga.map((s) => s.split(' ')[0])).size).toBe(count);
  expect(gb).toEqual(ga);
  expect(pa.events).toBe(pb.events);
  expect(onServer.ids).toBe(onServer.total);
  expect(onServer.total).toBe(pa.events);
  return { events: pa.events, server: onServer.total };
}

test('the server stopped in the middle of a transfer and started again: sync resumes by itself', async () => {
  const url = `${server.url}/fault-server-${Date.now()}`;
  const a = await syncDevice(url, 'fault');
  const b = await syncDevice(url, 'fault');
  const t0 = Date.now();
  await writeMany(a, 'alpha', N);
  await midTransfer(b, N);
  await server.stop();
  // What B holds once the server is gone (it may have pulled the rest since the probe).
  const at = await probe(b);
  await new Promise((r) => setTimeout(r, 1500));
  await server.start();
  const ms = await converged([a, b], N, 120_000);
  const counts = await sameEverywhere(url, a, b, N);
  console.log(
    `sync fault (server restart): B had ${at.n}/${N} when the server stopped; converged ${ms} ms after restart (${Date.now() - t0} ms in all); events a=b=server=${counts.events}`,
  );
});

test('the network of a device goes off and on in the middle of a transfer', async () => {
  const url = `${server.url}/fault-net-${Date.now()}`;
  const a = await syncDevice(url, 'fault');
  const b = await syncDevice(url, 'fault');
  await writeMany(a, 'alpha', N);
  const at = await midTransfer(b, N);
  await b.context().setOffline(true);
  // B writes while offline; A keeps writing.
  await writeMany(b, 'beta', 100);
  await writeMany(a, 'gamma', 100);
  await new Promise((r) => setTimeout(r, 1500));
  await b.context().setOffline(false);
  const ms = await converged([a, b], N + 200, 120_000);
  const counts = await sameEverywhere(url, a, b, N + 200);
  console.log(
    `sync fault (network off/on): B had ${at.n}/${N} when it went offline; converged ${ms} ms after back online; events a=b=server=${counts.events}`,
  );
});
