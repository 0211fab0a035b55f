// Devices of the sync browser tests: each a page in a browser context of its own (its own
// IndexedDB) with the engine fixture loaded, syncing through a CouchDB-compatible server
// (pouchdb-server in memory, one per test file), and the waits on those devices.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { newContext, openPage } from './browser';
import { startCouchServer, type CouchServer } from './couch-server';

type Fixture = typeof import('../engine/fixture');
type Engine = import('../../src/engine/engine').Engine;
const FIXTURE = '/test/engine/fixture.ts';

/** What a device's page keeps on `window`. */
export interface DeviceWindow {
  /** The engine fixture (test/engine/fixture.ts), imported in the page. */
  f: Fixture;
  /** The name of the device's store, unique to it. */
  name: string;
  /** The device's engine. */
  engine: Engine;
  /** The engine's log lines, each after the page's time in ms ({@link syncDevice} only). */
  logs?: string[];
  /** Every sync status the engine reported, in order ({@link syncDevice} only). */
  statuses?: unknown[];
}

/**
 * Starts a CouchDB-compatible server before the file's tests (`beforeAll`) and stops it after
 * them (`afterAll`). Call it at the top of a test file.
 *
 * @returns The server; its `url`, `start` and `stop` may be used inside tests and hooks only.
 * @example
 * const server = useCouchServer();
 * test('…', async () => { const url = `${server.url}/db-${Date.now()}`; … });
 */
export function useCouchServer(): CouchServer {
  let server: CouchServer | undefined;
  beforeAll(async () => {
    server = await startCouchServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const started = (): CouchServer => {
    if (!server) throw new Error('the CouchDB server starts in beforeAll: use it inside a test');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    start: () => started().start(),
    stop: () => started().stop(),
  };
}

/**
 * A device with nothing open yet: a page in a browser context of its own, with the fixture
 * in `window.f` and a store name of its own in `window.name`.
 *
 * @param prefix - Start of the store's name.
 * @returns The page (its context: `page.context()`).
 */
export async function devicePage(prefix: string): Promise<Page> {
  const page = await openPage(undefined, await newContext());
  await page.evaluate(
    async ({ path, prefix }) => {
      const w = window as unknown as DeviceWindow;
      w.f = await importSrc<Fixture>(path);
      w.name = w.f.uniqueName(prefix);
    },
    { path: FIXTURE, prefix },
  );
  return page;
}

/**
 * A device syncing: {@link devicePage} with the fixture's engine open in `window.engine`,
 * keeping its log lines in `window.logs` and its sync statuses in `window.statuses`, and live
 * sync started to `url`.
 *
 * @param url - The server database to sync with.
 * @param prefix - Start of the store's name.
 * @returns The page (its context, to take the device offline: `page.context()`).
 */
export async function syncDevice(url: string, prefix: string): Promise<Page> {
  const page = await devicePage(prefix);
  await page.evaluate(async (url) => {
    const w = window as unknown as DeviceWindow;
    const logs: string[] = (w.logs = []);
    const statuses: unknown[] = (w.statuses = []);
    w.engine = await w.f.openEngine(w.name, {
      log: (m) => logs.push(`${Math.round(performance.now())} ${m}`),
    });
    await w.engine.syncStart({ url, onStatus: (s) => statuses.push(s) });
  }, url);
  return page;
}

/**
 * Polls until every page's engine holds `count` memories and has nothing left to send.
 *
 * @param pages - Devices whose engine is in `window.engine`.
 * @param count - Memories each must hold.
 * @param timeoutMs - How long to wait before failing with each device's state and last log lines.
 * @returns Milliseconds it took.
 */
export async function converged(pages: Page[], count: number, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const states = await Promise.all(
      pages.map((p) =>
        p.evaluate(async () => {
          const w = window as unknown as DeviceWindow;
          const s = await w.engine.syncStatus();
          return {
            n: w.engine.info().count,
            pending: s?.pending ?? -1,
            state: s?.state,
            pulled: s?.pulled,
            last: (w.statuses ?? []).slice(-3),
          };
        }),
      ),
    );
    if (states.every((s) => s.n === count && s.pending === 0)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) {
      const logs = await Promise.all(
        pages.map((p) =>
          p.evaluate(() => ((window as unknown as DeviceWindow).logs ?? []).slice(-30)),
        ),
      );
      throw new Error(
        `no convergence after ${timeoutMs} ms: ${JSON.stringify(states)}\n${logs.map((l) => l.join('\n')).join('\n---\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Polls until `check`, evaluated in the page, is truthy.
 *
 * @param page - The device.
 * @param check - A JavaScript expression (a promise of a value is awaited).
 * @param timeoutMs - How long to wait before failing.
 */
export async function until(page: Page, check: string, timeoutMs = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!(await page.evaluate(check))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${check}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
