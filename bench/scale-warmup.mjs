// `node bench/scale-warmup.mjs [--n=10000] [--runs=A:0-99,B:100-199,C:0-99,D:100-199] [--js-flags=FLAGS] [--json]`
// Where the first default searches after a bulk fill spend their time (issue 15: the 10k p95 is
// set by the first ≈ 100 searches): the engine in its Worker as bench/scale.mjs (CPU, hash-256,
// BEAM texts, the bench's ten warm-up searches), then runs of questions (`LABEL:FROM-TO`, in
// order; the default: the first 100 questions, the other 100, then both again). Per run: the
// searches' p50/p95 wall time, and the CPU time per search of each thread of the renderer
// process that holds the Worker (Linux: /proc/PID/task/TID/schedstat, time on a CPU in ns), by
// thread name: `DedicatedWorker` is the engine's own thread, `ThreadPoolForeg…` V8's background
// compilation (and concurrent GC unless `--js-flags=--single-threaded-gc`), `chromium` the page.
// CPU time counts no wait for a core, so a run's split holds on a loaded machine where its wall
// times do not.
import { readdirSync, readFileSync } from 'node:fs';
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10000);
const runs = flags.text('runs', 'A:0-99,B:100-199,C:0-99,D:100-199');
const jsFlags = flags.text('js-flags', '');
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));
const PAGE = '/bench/scale-warmup-page.ts';

const read = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
/** Processes under `root` (children, their children, …). */
function descendants(root) {
  const kids = new Map();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const st = read(`/proc/${p}/stat`);
    if (!st) continue;
    const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
    kids.set(ppid, [...(kids.get(ppid) ?? []), Number(p)]);
  }
  const out = [];
  const walk = (p) => {
    for (const c of kids.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}
const tasks = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
};
const comm = (pid, tid) => read(`/proc/${pid}/task/${tid}/comm`).trim();
const cpuNs = (pid, tid) => Number(read(`/proc/${pid}/task/${tid}/schedstat`).split(' ')[0] || 0);
/** Thread id → [name, ns on a CPU] of one process. */
const threads = (pid) => new Map(tasks(pid).map((t) => [t, [comm(pid, t), cpuNs(pid, t)]]));
const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

const bench = await startBench(jsFlags ? [`--js-flags=${jsFlags}`] : []);
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const fillS = await callPage(page, PAGE, 'fill', texts, queries, n);
  // The renderer process whose threads include the engine's Worker (this driver's Chromium only).
  const renderer = descendants(process.pid).find((pid) =>
    tasks(pid).some((t) => comm(pid, t).startsWith('DedicatedWorker')),
  );
  console.log(
    `engram bench scale-warmup — N ${n}, filled in ${fillS.toFixed(1)} s, Worker, CPU, hash-256, ${bench.browser.version()}${jsFlags ? `, --js-flags=${jsFlags}` : ''}${renderer ? '' : '; no /proc: wall times only'}`,
  );
  const rows = [];
  for (const part of runs.split(',')) {
    const [label, range] = part.split(':');
    const [from, to] = range.split('-').map(Number);
    const before = renderer ? threads(renderer) : new Map();
    const times = await callPage(page, PAGE, 'run', queries, from, to);
    const after = renderer ? threads(renderer) : new Map();
    const cpu = {};
    for (const [tid, [name, ns]] of after) {
      const key = name.replace(/\d+$/, '');
      cpu[key] = (cpu[key] ?? 0) + (ns - (before.get(tid)?.[1] ?? 0)) / 1e6 / times.length;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const row = { label, from, to, p50: pct(sorted, 50), p95: pct(sorted, 95), cpu };
    rows.push(row);
    const split = Object.entries(cpu)
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ');
    console.log(
      `${label} q${from}-${to}: wall p50 ${row.p50.toFixed(2)} p95 ${row.p95.toFixed(2)} ms | CPU ms per search: ${split}`,
    );
  }
  await callPage(page, PAGE, 'done');
  const load = loadAverages();
  console.log(`load ${load.join(' ')}`);
  if (flags.has('json')) console.log(JSON.stringify({ n, fillS, jsFlags, rows, load }));
} finally {
  await bench.close();
}
