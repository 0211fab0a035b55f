// `node bench/scale-timeline.mjs [--n=10000] [--searches=200] [--adds=100] [--index=fp32]`
// What the slow searches and adds coincide with, through the public API in headless Chromium
// (Worker, CPU, hash-256, BEAM texts as bench/scale.mjs): each phase's p50/p95/max, its slowest
// calls with their start times, and the engine's log lines (idle checkpoint) on the same clock.
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10000);
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const t = await callPage(
    page,
    '/bench/scale-timeline-page.ts',
    'runTimeline',
    texts,
    queries,
    n,
    flags.number('searches', 200),
    flags.number('adds', 100),
    flags.text('index', 'fp32'),
  );
  console.log(`N ${n}, index ${flags.text('index', 'fp32')}: filled in ${t.fillS.toFixed(1)} s`);
  for (const [phase, calls] of Object.entries(t.phases)) {
    const ms = calls.map((c) => c[1]).sort((a, b) => a - b);
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    const slow = [...calls]
      .sort((a, b) => b[1] - a[1])
      .slice(0, Math.max(1, Math.ceil(calls.length / 20)))
      .sort((a, b) => a[0] - b[0])
      .map(([at, d]) => `${(at / 1000).toFixed(2)}s:${d.toFixed(1)}`);
    console.log(
      `${phase.padEnd(22)} ${(calls[0][0] / 1000).toFixed(2)}-${((calls.at(-1)[0] + calls.at(-1)[1]) / 1000).toFixed(2)} s  p50 ${pct(ms, 50).toFixed(2)}  p95 ${pct(ms, 95).toFixed(2)}  max ${ms.at(-1).toFixed(1)}  mean ${mean.toFixed(2)} ms; slowest 5 %: ${slow.join(' ')}`,
    );
  }
  console.log(`flush() before the second adds: ${t.flushMs.toFixed(1)} ms`);
  for (const [at, line] of t.log) console.log(`  log ${(at / 1000).toFixed(2)}s ${line}`);
  console.log(`load ${loadAverages().join(' ')}`);
} finally {
  await bench.close();
}
