// `npm run bench:search [-- --json] [--sizes=10000,100000] [--dims=384,512] [--batches=1,16] [--budget=1500]`
// Serves the repo with Vite on 127.0.0.1, opens bench/search.html in headless
// Chromium (WebGPU enabled; SwiftShader where there is no GPU) and times the
// WebGPU kernel, the CPU twin and the backend 'auto' picks, side by side.
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const list = (name, fallback) => flags.list(name, fallback).map(Number);
const json = flags.has('json');
const sizes = list('sizes', '10000,100000');
const dims = list('dims', '384,512');
const batches = list('batches', '1,16');
const budgetMs = flags.number('budget', 1500);

const { browser, baseUrl, close } = await startBench();

/** Calls an export of bench/search-page.ts in the page. */
const call = (page, name, ...args) => callPage(page, '/bench/search-page.ts', name, ...args);

const pad = (v, n) => String(v).padStart(n);
const fmt = (v, d = 2) => (v === null || v === undefined ? '–' : v.toFixed(d));
const started = performance.now();
try {
  const page = await openBenchPage(browser, baseUrl, '/bench/search.html');
  const env = await call(page, 'env', dims[0]);
  const log = (line) => console.log(line);
  log(`engram bench:search — exact top-10, random unit vectors, ${browser.version()}`);
  log(`adapter: ${env.adapter ?? 'none'}${env.software ? ' (software)' : ''}`);
  log(`auto:    ${env.autoReason}\n`);
  const cols = [
    'N',
    'dim',
    'batch',
    'WebGPU ms/q',
    'CPU ms/q',
    'CPU/GPU',
    'auto → ms/q',
    'agree',
    'reps g/c',
  ];
  const widths = [7, 4, 5, 11, 9, 7, 15, 6, 8];
  log(cols.map((c, i) => pad(c, widths[i])).join('  '));
  const rows = [];
  for (const dim of dims)
    for (const n of sizes)
      for (const batch of batches) {
        const r = await call(page, 'runCase', { n, dim, batch, budgetMs });
        rows.push(r);
        const cells = [
          r.n,
          r.dim,
          r.batch,
          fmt(r.gpuMs),
          fmt(r.cpuMs),
          r.speedup ? `${fmt(r.speedup)}×` : '–',
          `${r.auto} ${fmt(r.autoMs)}`,
          fmt(r.agreement, 3),
          `${r.gpuReps}/${r.cpuReps}`,
        ];
        log(cells.map((c, i) => pad(c, widths[i])).join('  '));
      }
  log(
    `\n(${((performance.now() - started) / 1000).toFixed(0)} s; CPU/GPU > 1 means WebGPU is faster)`,
  );
  if (json) console.log(JSON.stringify({ env, rows }));
} finally {
  await close();
}
