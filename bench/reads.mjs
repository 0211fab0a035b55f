// `node bench/reads.mjs [--memories=3000] [--searches=300] [--runs=2] [--json]`
// Default `search()` through the Worker on a store of a few thousand memories (hash embedder,
// CPU backend) in headless Chromium: p50/p95 latency, event-log growth, and whether searches
// finish while another holder keeps the store's write lock. See bench/RESULTS.md.
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return Number(hit ? hit.slice(name.length + 3) : fallback);
};
const memories = flag('memories', 3000);
const searches = flag('searches', 300);
const runs = flag('runs', 2);

const server = await createServer({
  configFile: resolve('vite.config.ts'),
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  logLevel: 'error',
});
await server.listen();
const baseUrl = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error('[page]', m.text()));
  await page.goto(`${baseUrl}/test/pages/blank.html`);
  const rows = [];
  for (let i = 0; i < runs; i++)
    rows.push(
      await page.evaluate(
        `import('/bench/reads-page.ts').then((m) => m.runReads(${memories}, ${searches}))`,
      ),
    );
  const f = (v) => v.toFixed(2).padStart(7);
  console.log(`engram bench reads — ${memories} memories, ${searches} default searches, Worker`);
  console.log(
    'run    p50 ms   p95 ms  mean ms  log+ (searches)  log+ (after close)  distinct hits  under lock',
  );
  rows.forEach((r, i) =>
    console.log(
      `${String(i + 1).padStart(3)}  ${f(r.p50)}  ${f(r.p95)}  ${f(r.mean)}  ${String(r.logGrowthDuringSearches).padStart(15)}  ${String(r.logGrowthAfterClose).padStart(18)}  ${String(r.distinctHits).padStart(13)}  ${r.underLock.done}/${r.underLock.tried} in ${r.underLock.lockMs} ms`,
    ),
  );
  if (argv.includes('--json')) console.log(JSON.stringify(rows));
} finally {
  await browser.close();
  await server.close();
}
