// `node bench/scale-tail.mjs [--n=10000] [--rounds=2] [--index=MODE] [--no-reinforce] [--js-flags=FLAGS]`
// What the slow 5 % of default searches coincide with (issue 15: p95 at 10k): the engine on the
// page's thread of headless Chromium (CPU, hash-256, BEAM texts as bench/scale.mjs), each search
// from a task of its own; per search the wait before it started, the engine's time and its split
// (retriever plan / complete, vector index, embedder, the rest), and whether a GC ran in it.
// Prints the spread, the slowest 5 % with their split, and the questions slow in every round.
// `--js-flags=FLAGS`: V8 flags for Chromium, e.g. `--js-flags=--trace-deopt` with
// `DEBUG=pw:browser` in the environment, which prints the browser's output (the page logs
// `scale-tail: timed searches` where the timed searches begin).
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10000);
const rounds = flags.number('rounds', 2);
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const f = (v) => v.toFixed(2).padStart(7);

const jsFlags = flags.text('js-flags', '');
const bench = await startBench([
  '--enable-precise-memory-info',
  ...(jsFlags ? [`--js-flags=${jsFlags}`, '--enable-logging=stderr'] : []),
]);
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const { fillS, calls } = await callPage(
    page,
    '/bench/scale-tail-page.ts',
    'runTail',
    texts,
    queries,
    n,
    rounds,
    flags.text('index', null),
    !flags.has('no-reinforce'),
  );
  const keys = ['wait', 'total', 'plan', 'complete', 'index', 'embed'];
  console.log(`N ${n}: filled in ${fillS.toFixed(1)} s; ${calls.length} searches`);
  for (const k of keys) {
    const s = calls.map((c) => c[k]).sort((a, b) => a - b);
    console.log(`${k.padEnd(9)} p50 ${f(pct(s, 50))}  p95 ${f(pct(s, 95))}  max ${f(s.at(-1))} ms`);
  }
  const gc = calls.filter((c) => c.freed > 0);
  const p95 = pct(
    calls.map((c) => c.total).sort((a, b) => a - b),
    95,
  );
  const slow = calls.filter((c) => c.total >= p95);
  const mean = (xs, k) => xs.reduce((a, c) => a + c[k], 0) / Math.max(1, xs.length);
  console.log(
    `GC during the search: ${gc.length} of ${calls.length}; of the slowest 5 % (≥ ${p95.toFixed(2)} ms): ${slow.filter((c) => c.freed > 0).length} of ${slow.length}`,
  );
  const rest = (c) => c.total - c.plan - c.complete - c.index - c.embed;
  for (const [label, xs] of [
    ['all', calls],
    ['slow 5%', slow],
    ['GC', gc],
    ['no GC', calls.filter((c) => c.freed === 0)],
  ])
    console.log(
      `mean of ${label.padEnd(8)} total ${f(mean(xs, 'total'))} plan ${f(mean(xs, 'plan'))} complete ${f(mean(xs, 'complete'))} index ${f(mean(xs, 'index'))} embed ${f(mean(xs, 'embed'))} rest ${f(xs.reduce((a, c) => a + rest(c), 0) / Math.max(1, xs.length))} wait ${f(mean(xs, 'wait'))}`,
    );
  console.log(
    'slowest 5 %: at s, question, total = plan + complete + index + embed + rest, freed MB',
  );
  for (const c of [...slow].sort((a, b) => b.total - a.total))
    console.log(
      `  ${(c.at / 1000).toFixed(2)}s q${String(c.q).padStart(3)} ${f(c.total)} = ${f(c.plan)} ${f(c.complete)} ${f(c.index)} ${f(c.embed)} ${f(rest(c))}  ${(c.freed / 1e6).toFixed(1)} MB ${c.log.join(' | ')}`,
    );
  // Questions slow in every round: query-dependent cost.
  const byQ = new Map();
  for (const c of calls) byQ.set(c.q, [...(byQ.get(c.q) ?? []), c.total]);
  const minOf = [...byQ].map(([q, t]) => [q, Math.min(...t)]).sort((a, b) => b[1] - a[1]);
  console.log(
    `questions by their fastest round (slow every time): ${minOf
      .slice(0, 12)
      .map(([q, t]) => `q${q} ${t.toFixed(1)}`)
      .join(', ')}; median question ${minOf[Math.floor(minOf.length / 2)][1].toFixed(2)} ms`,
  );
  console.log(
    `  slowest questions: ${minOf
      .slice(0, 5)
      .map(([q]) => JSON.stringify(queries[q]))
      .join(' ')}`,
  );
  console.log(`load ${loadAverages().join(' ')}`);
} finally {
  await bench.close();
}
