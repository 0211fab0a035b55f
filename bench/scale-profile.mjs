// `node bench/scale-profile.mjs [--n=10000] [--searches=200] [--adds=50] [--mode=fp32] [--top=25]`
// Where default search and add() spend their time at one store size: the engine runs on the
// page's thread (worker: false) under Chromium's CPU profiler (CDP), BEAM texts as bench/scale.mjs.
// Prints each phase's per-call times (p50/p95/max, the slowest calls' positions) and the
// functions with the most self time.
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2));
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
  for (const [k, ms] of selfTimes(profile).slice(0, top))
    console.log(
      `${(ms / times.length).toFixed(3).padStart(8)} ms/call ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
}

const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const mod = '/bench/scale-profile-page.ts';
  const fillS = await callPage(page, mod, 'fill', texts, queries, n, flags.text('mode', 'fp32'));
  console.log(`N ${n}, mode ${flags.text('mode', 'fp32')}: filled in ${fillS.toFixed(1)} s`);
  const top = flags.number('top', 25);
  for (const [label, fn, args] of [
    ['default search', 'searches', [flags.number('searches', 200), true]],
    ['search, reinforce: false', 'searches', [flags.number('searches', 200), false]],
    ['add()', 'adds', [flags.number('adds', 50)]],
  ]) {
    await cdp.send('Profiler.start');
    const times = await callPage(page, mod, fn, ...args);
    const { profile } = await cdp.send('Profiler.stop');
    summary(label, times, profile, top);
  }
  await callPage(page, mod, 'done');
  const { loadavg } = await import('node:os');
  console.log(
    `load ${loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}`,
  );
} finally {
  await bench.close();
}
