// `node bench/yield.mjs [--n=1000] [--slice-ms=2] [--runs=2]`
// How a Worker gives the thread back between slices of work in headless Chromium:
// `setTimeout(0)` against `nextTask()` (src/util/tasks.ts), both orders in one page. See
// bench/RESULTS.md ("Giving the thread back").
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 1000);
const sliceMs = flags.number('slice-ms', 2);
const runs = flags.number('runs', 2);

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  console.log(`engram bench yield — ${n} yields; ${n} slices of ${sliceMs} ms busy work, pinged`);
  console.log('  yield by      chain ms   work ms  pings  max ping ms');
  const f = (v, w = 9) => v.toFixed(1).padStart(w);
  for (let r = 0; r < runs; r++) {
    const order = r % 2 ? ['nextTask', 'setTimeout'] : ['setTimeout', 'nextTask'];
    for (const x of await callPage(
      page,
      '/bench/yield-page.ts',
      'measureYields',
      n,
      sliceMs,
      order,
    ))
      console.log(
        `  ${x.how.padEnd(10)} ${f(x.chainMs, 10)} ${f(x.workMs)} ${String(x.pings).padStart(6)} ${f(x.maxPingMs, 12)}`,
      );
  }
} finally {
  await close();
}
