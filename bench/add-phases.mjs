// `node bench/add-phases.mjs [--n=10000] [--adds=200] [--mode=auto]`
// Where single add() calls spend their time in headless Chromium (real IndexedDB; the engine on
// the page's thread, hash embedder, CPU), BEAM texts as bench/scale.mjs: per-call p50/p95/mean,
// ms per add by phase (inclusive, phases nest), and the IndexedDB transactions and lock waits
// each add makes. Prints the figures, then a JSON last line.
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10000);
const count = flags.number('adds', 200);
const mode = flags.text('mode', 'auto');
const { texts } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));

const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const mod = '/bench/add-phases-page.ts';
  const fillS = await callPage(page, mod, 'fill', texts, n, mode);
  const { times, lines } = await callPage(page, mod, 'adds', count);
  await callPage(page, mod, 'done');
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const load = loadAverages();
  console.log(`N ${n}, mode ${mode}: filled in ${fillS.toFixed(1)} s; ${count} adds`);
  console.log(
    `add(): p50 ${pct(50).toFixed(2)} ms, p95 ${pct(95).toFixed(2)}, mean ${mean.toFixed(2)} (${(1000 / mean).toFixed(1)}/s); load ${load.join(' ')}`,
  );
  for (const l of lines) console.log(l);
  console.log(JSON.stringify({ n, mode, adds: count, p50: pct(50), p95: pct(95), mean, load }));
} finally {
  await bench.close();
}
