// `node bench/checkpoint-slices.mjs [--memories=20000] [--slices=0,1000000000,1000] [--runs=1]`
// Default `search()` through the Worker while the idle checkpoint of the whole store runs
// (hash embedder, CPU backend, headless Chromium): with `checkpoint.sliceRows` huge (the
// checkpoint read and encoded in one piece, as before slicing) and at its default (1000), side
// by side in one run; `0`: no idle checkpoint, 300 searches alone (reference). See
// bench/RESULTS.md ("The idle checkpoint in slices").
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const memories = flags.number('memories', 20000);
const runs = flags.number('runs', 1);
const slices = flags.text('slices', '0,1000000000,1000').split(',').map(Number);

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  console.log(
    `engram bench checkpoint-slices — ${memories} memories, default searches during the idle checkpoint, Worker`,
  );
  console.log('   sliceRows  searches   p50 ms   p95 ms   max ms  checkpoint ms');
  const f = (v) => v.toFixed(1).padStart(8);
  for (let r = 0; r < runs; r++)
    for (const slice of slices) {
      const x = await callPage(
        page,
        '/bench/checkpoint-slices-page.ts',
        'runDuringCheckpoint',
        memories,
        slice,
      );
      console.log(
        `${String(x.sliceRows).padStart(12)}  ${String(x.searches).padStart(8)} ${f(x.p50)} ${f(x.p95)} ${f(x.max)}  ${f(x.checkpointMs)}`,
      );
    }
} finally {
  await close();
}
