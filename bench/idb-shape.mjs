// `node bench/idb-shape.mjs [--n=10000] [--rounds=400]`
// What add()'s IndexedDB transaction costs by database layout, in headless Chromium, with no
// engine: schema 4 (the memories' slot and userId indexes), schema 5, and two layouts not built
// (one vector-tail record per add; the lexical row inside the memory record). The layouts take
// turns transaction by transaction, so they share the machine's load. Prints p50/mean per layout.
import { callPage, loadAverages, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const bench = await startBench();
try {
  const page = await openBenchPage(bench.browser, bench.baseUrl, '/test/pages/blank.html');
  const lines = await callPage(
    page,
    '/bench/idb-shape-page.ts',
    'run',
    flags.number('n', 10000),
    flags.number('rounds', 400),
  );
  for (const l of lines) console.log(l);
  console.log(`load ${loadAverages().join(' ')}`);
} finally {
  await bench.close();
}
