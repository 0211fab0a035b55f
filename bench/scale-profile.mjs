// `node bench/scale-profile.mjs [--n=10000] [--searches=200] [--adds=50] [--mode=fp32] [--top=25]`
// Where default search and add() spend their time at one store size: the engine runs on the
// page's thread (worker: false) under Chromium's CPU profiler (CDP), BEAM texts as bench/scale.mjs.
// Prints each phase's per-call times (p50/p95/max, the slowest calls' positions) and the
// functions with the most self time; then a JSON last line of the same figures.
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10000);
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));

/** Self time per function (ms), from a CDP profile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const f = node.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/').replace(/\?.*$/, '')}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]);
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
function summary(label, times, profile, top) {
  const sorted = [...times].sort((a, b) => a - b);
  const slow = times
    .map((t, i) => [t, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 8)
    .map(([t, i]) => `#${i} ${t.toFixed(1)}`);
  console.log(
    `\n${label}: ${times.length} calls, p50 ${pct(sorted, 50).toFixed(2)} ms, p95 ${pct(sorted, 95).toFixed(2)}, max ${sorted.at(-1).toFixed(1)}; slowest: ${slow.join(', ')}`,
  );
  const total = times.reduce((a, b) => a + b, 0);
  const heaviest = selfTimes(profile).slice(0, top);
  for (const [k, ms] of heaviest)
    console.log(
      `${(ms / times.length).toFixed(3).padStart(8)} ms/call ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
  return {
    phase: label,
    calls: times.length,
    p50Ms: pct(sorted, 50),
    p95Ms: pct(sorted, 95),
    maxMs: sorted.at(-1),
    selfMsPerCall: heaviest.map(([fn, ms]) => ({ fn, ms: ms / times.length })),
  };
}

const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const mod = '/bench/scale-profile-page.ts';
  const mode = flags.text('mode', 'fp32');
  const fillS = await callPage(page, mod, 'fill', texts, queries, n, mode);
  console.log(`N ${n}, mode ${mode}: filled in ${fillS.toFixed(1)} s`);
  const top = flags.number('top', 25);
  const phases = [];
  for (const [label, fn, args] of [
    ['default search', 'searches', [flags.number('searches', 200), true]],
    ['search, reinforce: false', 'searches', [flags.number('searches', 200), false]],
    ['add()', 'adds', [flags.number('adds', 50)]],
  ]) {
    await cdp.send('Profiler.start');
    const times = await callPage(page, mod, fn, ...args);
    const { profile } = await cdp.send('Profiler.stop');
    phases.push(summary(label, times, profile, top));
  }
  const count = await callPage(page, mod, 'done');
  const load = loadAverages();
  console.log(`load ${load.join(' ')}`);
  console.log(JSON.stringify({ n, mode, fillS, memoriesAtEnd: count, phases, load }));
} finally {
  await bench.close();
}
