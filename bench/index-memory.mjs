// `node bench/run.mjs index-memory [--n=100000] [--dim=384] [--nq=50] [--modes=fp32,int8,binary,ivf]
//   [--backend=cpu] [--json]`
// Measured memory per vector of each index mode: the page's heap (V8 heap + ArrayBuffer and
// WebAssembly memory, Runtime.getHeapUsage over the DevTools protocol, after a forced GC) with
// the index built over the same rows, plus the live WebAssembly memories' sizes (not in
// getHeapUsage), minus the same after it is disposed; on WebGPU also the
// code buffers' bytes. Plus ms/query, p95 and recall@10 against exact fp32, in one run.
import { execSync } from 'node:child_process';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const options = {
  n: flags.number('n', 100_000),
  dim: flags.number('dim', 384),
  nq: flags.number('nq', 50),
  seed: 7,
};
const modes = flags.list('modes', 'fp32,int8,binary,ivf');
const backend = flags.text('backend', 'cpu');
const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load/, 'load');

const PAGE = '/bench/index-memory-page.ts';
const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  const cdp = await page.context().newCDPSession(page);
  /** The page's heap after a GC: V8 heap + embedder heap + array buffers (WASM memory included). */
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage');
    const wasm = await callPage(page, PAGE, 'memoryBenchWasmBytes');
    return h.usedSize + (h.embedderHeapUsedSize ?? 0) + (h.backingStorageSize ?? 0) + wasm;
  };
  const before = load();
  await callPage(page, PAGE, 'memoryBenchData', options);
  const rows = [];
  for (const mode of modes) {
    const empty = await heap();
    const built = await callPage(page, PAGE, 'memoryBenchBuild', mode, backend);
    const full = await heap();
    const s = await callPage(page, PAGE, 'memoryBenchSearch');
    await callPage(page, PAGE, 'memoryBenchDrop');
    const after = await heap();
    rows.push({
      mode,
      built: built.mode,
      kind: built.kind,
      n: options.n,
      dim: options.dim,
      heapBytesPerVector: (full - Math.max(empty, after)) / options.n,
      gpuBytesPerVector: s.gpuBytes / options.n,
      reportedBytesPerVector: built.reportedBytes,
      msPerQuery: s.msPerQuery,
      p50Ms: s.p50Ms,
      p95Ms: s.p95Ms,
      recallAt10: s.recallAt10,
      buildMs: built.buildMs,
    });
  }
  console.log(
    `engram bench index-memory — ${options.n} x ${options.dim} clustered unit rows, ${options.nq} queries, k 10, backend ${backend}`,
  );
  console.log(`${before} (before) / ${load()} (after)`);
  console.log(
    'mode    built   heap B/vec  GPU B/vec  reported  ms/query  p50 ms  p95 ms  recall@10  build ms',
  );
  const fp32 = rows.find((r) => r.mode === 'fp32');
  for (const r of rows) {
    console.log(
      [
        r.mode.padEnd(7),
        r.built.padEnd(7),
        r.heapBytesPerVector.toFixed(0).padStart(11),
        r.gpuBytesPerVector.toFixed(0).padStart(9),
        String(r.reportedBytesPerVector).padStart(9),
        r.msPerQuery.toFixed(2).padStart(9),
        r.p50Ms.toFixed(2).padStart(7),
        r.p95Ms.toFixed(2).padStart(7),
        r.recallAt10.toFixed(3).padStart(10),
        r.buildMs.toFixed(0).padStart(9),
        fp32
          ? `  (heap ${(r.heapBytesPerVector / fp32.heapBytesPerVector).toFixed(2)}x, time ${(r.msPerQuery / fp32.msPerQuery).toFixed(2)}x of fp32)`
          : '',
      ].join(' '),
    );
  }
  if (flags.has('json')) console.log(JSON.stringify({ rows }));
} finally {
  await close();
}
