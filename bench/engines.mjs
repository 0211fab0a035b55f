// `npm run bench [-- --json] [--sizes=10000,100000] [--sets=random-384,random-512,real-512]
//   [--batches=1,16] [--budget=1500] [--queries=200] [--engines=plain-js,engram-cpu,...] [--hnsw-sets=real-512]
//   [--mememo-n=10000] [--no-cold]`
// Engram's CPU paths, a plain JS loop and peer libraries in one headless
// Chromium page, on the same vectors and queries (bench/engines-page.ts).
// Prints a table; with --json a last line {"rows":[...]}.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const json = argv.includes('--json');
const sizes = flag('sizes', '10000,100000').split(',').map(Number);
const sets = flag('sets', 'random-384,random-512,real-512').split(',');
const batches = flag('batches', '1,16').split(',').map(Number);
const budgetMs = Number(flag('budget', '1500'));
const nq = Number(flag('queries', '200'));
const only = flag('engines', '');
const cold = !argv.includes('--no-cold');
const hnswSets = flag('hnsw-sets', 'real-512').split(',');
// MeMemo builds through IndexedDB node by node (208 s for 10k × 384 here): off unless asked.
const mememoN = Number(flag('mememo-n', '0'));

if (sets.some((s) => s.startsWith('real'))) {
  const r = spawnSync('node_modules/.bin/tsx', ['bench/locomo-vectors.ts'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const server = await createServer({
  configFile: resolve('vite.config.ts'),
  server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
  logLevel: 'error',
});
await server.listen();
const baseUrl = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });

async function call(page, name, ...args) {
  return page.evaluate(
    `import('/bench/engines-page.ts').then((m) => m[${JSON.stringify(name)}](...${JSON.stringify(args)}))`,
  );
}

const log = (line) => console.log(line);
const pad = (v, n) => String(v).padStart(n);
const num = (v, d = 2) => (v === null || v === undefined ? '–' : v.toFixed(d));
const cols = [
  'data',
  'N',
  'dim',
  'engine',
  'mode',
  'batch',
  'build s',
  'ms/q',
  'p95',
  'recall@10',
  'B/vec',
  'vs plain',
];
const widths = [6, 7, 4, 14, 14, 5, 7, 8, 8, 9, 6, 8];
const started = performance.now();
const rows = [];
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error('[page]', m.text()));
  await page.goto(`${baseUrl}/bench/engines.html`);
  log(`engram bench — top-10, ${nq} queries per set, ${browser.version()} (headless), one page`);
  log(
    `machine: ${(await import('node:os')).cpus()[0]?.model ?? '?'}, ${(await import('node:os')).cpus().length} cores\n`,
  );
  log(cols.map((c, i) => pad(c, widths[i])).join(' '));
  const list = await call(page, 'engines');
  for (const s of sets) {
    const [data, dimText] = s.split('-');
    for (const n of sizes) {
      await call(page, 'prepare', { data, n, dim: Number(dimText), nq });
      let plain = null;
      for (const e of list) {
        if (only && !only.split(',').includes(e.engine)) continue;
        const maxN = e.engine === 'mememo' ? mememoN : e.maxN;
        if (n > maxN || n < (e.minN ?? 0)) continue;
        // hnswlib builds ~1.3 ms per row here: at 100k only on the sets in --hnsw-sets.
        if (e.engine === 'hnswlib-wasm' && n > 10_000 && !hnswSets.includes(s)) continue;
        for (const batch of batches) {
          if (e.batches && !e.batches.includes(batch)) continue;
          const r = await call(page, 'runEngine', {
            engine: e.engine,
            mode: e.mode,
            batch,
            budgetMs,
          });
          if (e.engine === 'plain-js') plain = r.msPerQuery;
          rows.push(r);
          log(
            [
              data,
              n,
              r.dim,
              r.engine,
              r.mode,
              batch,
              num(r.buildMs / 1000, 1),
              num(r.msPerQuery),
              num(r.p95Ms),
              num(r.recallAt10, 3),
              r.bytesPerVector ?? '–',
              plain ? `${num(plain / r.msPerQuery, 1)}×` : '–',
            ]
              .map((c, i) => pad(c, widths[i]))
              .join(' '),
          );
        }
      }
    }
  }
  if (cold) {
    const c = await call(page, 'coldOpenPrepare', { n: 100_000, dim: 384 });
    const fresh = await context.newPage();
    await fresh.goto(`${baseUrl}/bench/engines.html`);
    const r = await call(fresh, 'coldOpen', { dim: 384 });
    log(
      `\ncold open of a persisted ${c.n}-vector store (dim ${c.dim}, built in ${num(c.buildMs / 1000, 1)} s), fresh page: ` +
        `open ${num(r.openMs, 0)} ms + first search ${num(r.searchMs, 0)} ms = ${num(r.totalMs, 0)} ms (${r.backend})`,
    );
    rows.push({
      engine: 'engram',
      mode: 'cold-open',
      n: c.n,
      dim: c.dim,
      batch: 1,
      msPerQuery: r.totalMs,
      p95Ms: r.totalMs,
      recallAt10: null,
      bytesPerVector: null,
      buildMs: c.buildMs,
    });
  }
  log(
    `\n(${((performance.now() - started) / 1000).toFixed(0)} s; "vs plain" = plain-js ms/q ÷ this row's ms/q)`,
  );
  if (json) console.log(JSON.stringify({ rows }));
} finally {
  await browser.close();
  await server.close();
}
