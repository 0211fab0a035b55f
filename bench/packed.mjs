// `node bench/packed.mjs [--trips=1000] [--block=50] [--rounds=4]`
// Round trips to a Worker answering with 10 search results, packed as one JSON string (as
// `search()` did until this measurement) against the structured clone, alternating in blocks,
// each way first in turn, in one page of headless Chromium. See bench/RESULTS.md.
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const trips = flags.number('trips', 1000);
const rounds = flags.number('rounds', 4);
const block = flags.number('block', 50);

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  console.log(`engram bench packed — ${trips} round trips of 10 results per way, ${rounds} rounds`);
  console.log('  first    packed median / mean ms   cloned median / mean ms');
  for (let r = 0; r < rounds; r++) {
    const first = r % 2 ? 'cloned' : 'packed';
    const got = await callPage(page, '/bench/packed-page.ts', 'measurePacked', trips, block, first);
    const of = (way) => got.find((x) => x.way === way);
    const f = (x) => `${x.medianMs.toFixed(3)} / ${x.meanMs.toFixed(3)}`.padStart(24);
    console.log(`  ${first.padEnd(7)}${f(of('packed'))}  ${f(of('cloned'))}`);
  }
} finally {
  await close();
}
