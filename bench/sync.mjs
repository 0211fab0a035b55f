// `node bench/run.mjs sync [--events=10000]`
// Time to sync an event log through a CouchDB-compatible server (pouchdb-server in memory on
// 127.0.0.1, started here), in headless Chromium, each device a browser context of its own:
//   one way   device A holds every event, B none; both start sync: until B holds them all
//   both ways A and B each hold half (written apart); both start: until each holds all
// Figures are wall-clock ms from the sync start, and events per second. See README "Sync".
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const events = flags.number('events', 10_000);
const PAGE = '/bench/sync-page.ts';

/** pouchdb-server in memory on a free port (as test/helpers/couch-server.ts). */
async function startCouch() {
  const port = await new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), 'engram-couch-bench-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      httpd: { enable_cors: true },
      cors: { origins: '*', credentials: true, methods: 'GET, PUT, POST, HEAD, DELETE' },
      log: { file: './log.txt' },
    }),
  );
  const bin = resolve('node_modules/pouchdb-server/bin/pouchdb-server');
  const child = spawn(
    process.execPath,
    [bin, '--in-memory', '--host', '127.0.0.1', '--port', String(port), '--no-stdout-logs'],
    { cwd: dir, stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (const t0 = Date.now(); ;) {
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 60_000) throw new Error(`pouchdb-server did not start on ${url}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Polls until every page holds `count` memories with nothing left to send; returns ms. */
async function until(pages, count, t0) {
  for (;;) {
    const ps = await Promise.all(pages.map((p) => callPage(p, PAGE, 'progress')));
    if (ps.every((p) => p.count === count && p.pending === 0)) return Date.now() - t0;
    if (Date.now() - t0 > 1_800_000) throw new Error(`no convergence: ${JSON.stringify(ps)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One scenario: `split` events per device written before sync, then timed. */
async function scenario(browser, baseUrl, couch, name, split) {
  const pages = [];
  for (const [i, n] of split.entries()) {
    const ctx = await browser.newContext();
    const page = await openBenchPage(ctx, baseUrl, '/test/pages/blank.html');
    await callPage(page, PAGE, 'fill', n, `device-${i}`);
    pages.push({ ctx, page });
  }
  const db = `${couch.url}/bench-${name}-${Date.now()}`;
  const t0 = Date.now();
  for (const { page } of pages) await callPage(page, PAGE, 'start', db);
  const total = split.reduce((a, b) => a + b, 0);
  const ms = await until(
    pages.map((p) => p.page),
    total,
    t0,
  );
  for (const { page, ctx } of pages) {
    await callPage(page, PAGE, 'done');
    await ctx.close();
  }
  return { scenario: name, events: total, ms, eventsPerSecond: Math.round((total / ms) * 1000) };
}

const couch = await startCouch();
const { browser, baseUrl, close } = await startBench();
try {
  const half = Math.floor(events / 2);
  const rows = [
    await scenario(browser, baseUrl, couch, 'one way', [events, 0]),
    await scenario(browser, baseUrl, couch, 'both ways', [half, events - half]),
  ];
  console.log(`engram bench sync — ${events} events, pouchdb-server in memory, 2 browser contexts`);
  console.log('scenario     events        ms   events/s');
  for (const r of rows)
    console.log(
      `${r.scenario.padEnd(10)} ${String(r.events).padStart(8)} ${String(r.ms).padStart(9)} ${String(r.eventsPerSecond).padStart(10)}`,
    );
  console.log(JSON.stringify({ events, rows }));
} finally {
  await close();
  couch.stop();
}
