// `node bench/run.mjs encryption [--memories=2000] [--searches=100] [--runs=2] [--json]`
// What encryption at rest costs: the same workload through the Worker (hash embedder 256-d,
// CPU backend) on an unencrypted and an encrypted store, alternating, in headless Chromium;
// each figure as encrypted / unencrypted (median over runs). See bench/RESULTS.md.
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const memories = flags.number('memories', 2000);
const searches = flags.number('searches', 100);
const runs = flags.number('runs', 2);
const KEYS = [
  'createMs',
  'addManyMsPerMemory',
  'addMs',
  'searchP50Ms',
  'searchP95Ms',
  'reopenMs',
  'firstSearchMs',
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  const rows = { plain: [], encrypted: [] };
  for (let i = 0; i < runs; i++)
    for (const encrypted of i % 2 ? [true, false] : [false, true])
      rows[encrypted ? 'encrypted' : 'plain'].push(
        await callPage(
          page,
          '/bench/encryption-page.ts',
          'runEncryption',
          encrypted,
          memories,
          searches,
        ),
      );
  const summary = { memories, searches, runs, plain: {}, encrypted: {}, ratio: {} };
  for (const k of KEYS) {
    summary.plain[k] = median(rows.plain.map((r) => r[k]));
    summary.encrypted[k] = median(rows.encrypted.map((r) => r[k]));
    summary.ratio[k] = summary.encrypted[k] / summary.plain[k];
  }
  console.log(
    `engram bench encryption — ${memories} memories, ${searches} searches, Worker, median of ${runs}`,
  );
  console.log('figure                 plain ms   encrypted ms   ratio');
  for (const k of KEYS)
    console.log(
      `${k.padEnd(20)} ${summary.plain[k].toFixed(2).padStart(10)} ${summary.encrypted[k].toFixed(2).padStart(14)} ${summary.ratio[k].toFixed(2).padStart(7)}`,
    );
  if (flags.has('json')) console.log(JSON.stringify(summary));
} finally {
  await close();
}
