// `node bench/reads.mjs [--memories=3000] [--searches=300] [--runs=2] [--json]`
// Default `search()` through the Worker on a store of a few thousand memories (hash embedder,
// CPU backend) in headless Chromium: p50/p95 latency, event-log growth, and whether searches
// finish while another holder keeps the store's write lock. See bench/RESULTS.md.
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const memories = flags.number('memories', 3000);
const searches = flags.number('searches', 300);
const runs = flags.number('runs', 2);

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  const rows = [];
  for (let i = 0; i < runs; i++)
    rows.push(await callPage(page, '/bench/reads-page.ts', 'runReads', memories, searches));
  const f = (v) => v.toFixed(2).padStart(7);
  console.log(`engram bench reads — ${memories} memories, ${searches} default searches, Worker`);
  console.log(
    'run    p50 ms   p95 ms  mean ms  log+ (searches)  log+ (after close)  distinct hits  under lock',
  );
  rows.forEach((r, i) =>
    console.log(
      `${String(i + 1).padStart(3)}  ${f(r.p50)}  ${f(r.p95)}  ${f(r.mean)}  ${String(r.logGrowthDuringSearches).padStart(15)}  ${String(r.logGrowthAfterClose).padStart(18)}  ${String(r.distinctHits).padStart(13)}  ${r.underLock.done}/${r.underLock.tried} in ${r.underLock.lockMs} ms`,
    ),
  );
  if (flags.has('json')) console.log(JSON.stringify(rows));
} finally {
  await close();
}
