// `node bench/run.mjs ingest [--n=384] [--rounds=2] [--instances=1,2,3]`: ingest with the offline
// model (issue 14 item 2), side by side in one run: for each round and each instance count (in
// turn, A B A B), a fresh page opens a store on USE-lite with that many model instances, then
// times two `addMany` of `--n` chat turns (the first starts the embedding Workers; the second
// finds them running), then `embed` of `--n` others (phase `model`: the model alone). Reports turns/s, Chromium's CPU-seconds (all its processes, from /proc),
// turns per CPU-second, the parallel efficiency against one instance, Chromium's resident memory
// with the store open, and the load average. JSON last line.
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 384);
const rounds = flags.number('rounds', 2);
// (2: the default on 2 cores, the engine's own model in a Worker and one more; 3: one past the cores.)
const counts = flags.list('instances', '1,2,3').map(Number);
const TICK = 100; // clock ticks per second (Linux USER_HZ)
const PAGE = 4096;

/** Processes descended from this one (Chromium and its children): CPU seconds and RSS bytes. */
function chromiumUsage() {
  const parent = new Map();
  const stat = new Map();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      stat.set(Number(d), {
        cpu: (Number(f[11]) + Number(f[12])) / TICK,
        rss: Number(f[21]) * PAGE,
      });
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid) => {
    for (let p = parent.get(pid); p; p = parent.get(p)) if (p === process.pid) return true;
    return false;
  };
  let cpu = 0;
  let rss = 0;
  for (const [pid, s] of stat)
    if (mine(pid)) {
      cpu += s.cpu;
      rss += s.rss;
    }
  return { cpu, rss };
}

const { baseUrl, browser, close } = await startBench();
const rows = [];
try {
  for (let round = 0; round < rounds; round++) {
    for (const instances of counts) {
      const context = await browser.newContext();
      const page = await openBenchPage(context, baseUrl, '/test/pages/blank.html');
      const call = (name, ...args) => callPage(page, '/bench/ingest-page.ts', name, ...args);
      const opened = await call('ingestOpen', { name: `ingest-${instances}-${round}`, instances });
      for (const phase of ['first', 'again', 'model']) {
        const before = chromiumUsage();
        const load0 = loadavg()[0];
        const from = { first: 0, again: n, model: 2 * n }[phase];
        const r = await call(phase === 'model' ? 'ingestEmbed' : 'ingestRun', { from, n });
        const after = chromiumUsage();
        const cpuS = after.cpu - before.cpu;
        const row = {
          round,
          instances,
          phase,
          n,
          cores: opened.cores,
          turnsPerSec: r.turnsPerSec,
          cpuSeconds: cpuS,
          turnsPerCpuSecond: n / cpuS,
          cpuUse: cpuS / (r.ms / 1000),
          rssMB: after.rss / 2 ** 20,
          load: (load0 + loadavg()[0]) / 2,
          stored: r.stored,
          reports: r.reports,
        };
        rows.push(row);
        console.log(
          `round ${round} instances ${instances} ${phase.padEnd(5)}: ${row.turnsPerSec.toFixed(1)} turns/s, ` +
            `${cpuS.toFixed(1)} CPU-s (${row.cpuUse.toFixed(2)} cores busy), ${row.turnsPerCpuSecond.toFixed(1)} turns/CPU-s, ` +
            `Chromium RSS ${row.rssMB.toFixed(0)} MB, load ${row.load.toFixed(1)}`,
        );
      }
      await call('ingestClose');
      await context.close();
    }
  }
} finally {
  await close();
}

/** Median of a row field over the rows of `instances` and `phase`. */
function median(instances, phase, key) {
  const v = rows
    .filter((r) => r.instances === instances && r.phase === phase)
    .map((r) => r[key])
    .sort((a, b) => a - b);
  return v.length ? (v[(v.length - 1) >> 1] + v[v.length >> 1]) / 2 : NaN;
}
const summary = {};
for (const k of counts)
  for (const phase of ['first', 'again', 'model'])
    summary[`${k}:${phase}`] = {
      turnsPerSec: median(k, phase, 'turnsPerSec'),
      cpuUse: median(k, phase, 'cpuUse'),
      turnsPerCpuSecond: median(k, phase, 'turnsPerCpuSecond'),
      rssMB: median(k, phase, 'rssMB'),
      // rate over one instance's, per instance: 1 when k instances go k times as fast
      efficiency:
        median(k, phase, 'turnsPerSec') / median(counts[0], phase, 'turnsPerSec') / (k / counts[0]),
    };
console.log(JSON.stringify({ rows, summary, loadavg: loadavg() }));
