// `node bench/scale.mjs [--sizes=1000,10000] [--searches=200] [--adds=100] [--index=auto|fp32|ivf|…] [--no-warm-up] [--json]`
// Default search, dense-only search and single add() at growing store sizes, through the public
// API in headless Chromium (Worker, CPU backend, hash embedder), on BEAM chat messages from
// ../shared/data/beam (paragraphs, replicated with small variations to reach N) and BEAM's
// probing questions as queries. Without --index the store opens with no index option, so the
// engine's default ('auto') is measured; the table says which index each size ended up on.
// "again": the same default searches timed a second time straight after the first pass (the
// search path compiled by V8; the first pass includes the ≈ 100 searches it takes to get there
// unless the engine's idle warm-up ran them first: on by default, as in the engine, and waited
// for before the timed searches; `--no-warm-up` opens the store with `warmUp: false`).
// Prints a table, the log-log slopes, and (--json) a JSON last line.
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const sizes = flags.list('sizes', '1000,10000').map(Number);
const searches = flags.number('searches', 200);
const adds = flags.number('adds', 100);
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));

const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const started = performance.now();
  const rows = await callPage(
    page,
    '/bench/scale-page.ts',
    'runScale',
    texts,
    queries,
    sizes,
    searches,
    adds,
    flags.text('index', null),
    !flags.has('no-warm-up'),
  );
  const indexLabel =
    flags.text('index', undefined) === undefined
      ? `index: engine default ('auto')`
      : `index ${flags.text('index', undefined)}`;
  const f = (v, w = 8, d = 2) => v.toFixed(d).padStart(w);
  console.log(
    `engram bench scale — ${texts.length} BEAM paragraphs, ${queries.length} questions, Worker, CPU, hash-256, ${indexLabel}, warm-up ${flags.has('no-warm-up') ? 'off' : 'on'}, ${bench.browser.version()}`,
  );
  console.log(
    '        N   fill s  settle s  default p50  default p95  again p50  again p95  dense p50  dense p95   add()/s  index',
  );
  for (const r of rows)
    console.log(
      `${String(r.n).padStart(9)} ${f(r.fillS, 8, 1)} ${f(r.settleS, 9, 1)} ${f(r.searchP50, 12)} ${f(r.searchP95, 12)} ${f(r.againP50, 10)} ${f(r.againP95, 10)} ${f(r.denseP50, 10)} ${f(r.denseP95, 10)} ${f(r.addPerS, 9, 1)}  ${r.indexMode}`,
    );
  // Log-log slope between the smallest and largest size: 1 is linear, 0 flat.
  const slope = (key) => {
    const a = rows[0];
    const b = rows[rows.length - 1];
    return rows.length < 2 ? null : Math.log(b[key] / a[key]) / Math.log(b.n / a.n);
  };
  const slopes = {
    searchP50: slope('searchP50'),
    searchP95: slope('searchP95'),
    denseP50: slope('denseP50'),
    addPerS: slope('addPerS'),
  };
  const load = loadAverages();
  console.log(
    `log-log slope: default p50 ${slopes.searchP50?.toFixed(2)}, p95 ${slopes.searchP95?.toFixed(2)}, dense p50 ${slopes.denseP50?.toFixed(2)}, add()/s ${slopes.addPerS?.toFixed(2)}; load ${load.join(' ')}; ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  if (flags.has('json'))
    console.log(JSON.stringify({ rows, slopes, load, warmUp: !flags.has('no-warm-up') }));
} finally {
  await bench.close();
}
