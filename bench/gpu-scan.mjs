// `node bench/run.mjs gpu-scan [--n=100000] [--dim=384] [--batches=1,16] [--k=10] [--reps=5] [--json]`
// The fp32 WebGPU scan before (one row per invocation, 4 queries per workgroup) and after
// register blocking (2 rows x 8 queries per invocation, query tile in workgroup memory), both
// with the barrier-only top-k sort, and the blocked scan with the subgroup sort (where the
// adapter has `subgroups`), on headless Chromium's adapter (SwiftShader where there is no GPU):
// ms/query and the ratios, reps alternating between the kernels.
import { execSync } from 'node:child_process';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const options = {
  n: flags.number('n', 100_000),
  dim: flags.number('dim', 384),
  batches: flags.list('batches', '1,16').map(Number),
  k: flags.number('k', 10),
  reps: flags.number('reps', 5),
  seed: 7,
};
const load = () =>
  execSync('uptime')
    .toString()
    .trim()
    .replace(/.*load/, 'load');

const { browser, baseUrl, close } = await startBench();
try {
  const page = await openBenchPage(browser, baseUrl, '/test/pages/blank.html');
  const before = load();
  const r = await callPage(page, '/bench/gpu-scan-page.ts', 'runGpuScanBench', options);
  console.log(
    `engram bench gpu-scan — ${options.n} x ${options.dim}, k ${options.k}, adapter ${r.adapter}, ` +
      `subgroups ${r.features.includes('subgroups')}, shader-f16 ${r.features.includes('shader-f16')}`,
  );
  console.log(`${before} (before) / ${load()} (after)`);
  const kernels = ['baseline', 'blocked', 'subgroups'].filter((k) =>
    r.rows.some((x) => x.kernel === k),
  );
  console.log(
    `batch  ${kernels.map((k) => `${k} ms/query (min)`.padStart(24)).join('  ')}  ` +
      `blocked/baseline  subgroups/blocked  same hits`,
  );
  const f = (x) => `${x.msPerQuery.toFixed(1)} (${x.minMsPerQuery.toFixed(1)})`;
  for (const batch of options.batches) {
    const at = (k) => r.rows.find((x) => x.kernel === k && x.batch === batch);
    // Speed-up of b over a: medians (mins).
    const ratio = (a, b) =>
      a && b
        ? `${(a.msPerQuery / b.msPerQuery).toFixed(2)}x (${(a.minMsPerQuery / b.minMsPerQuery).toFixed(2)}x)`
        : '—';
    console.log(
      `${String(batch).padStart(5)}  ${kernels.map((k) => f(at(k)).padStart(24)).join('  ')}  ` +
        `${ratio(at('baseline'), at('blocked')).padStart(16)}  ${ratio(at('blocked'), at('subgroups')).padStart(17)}  ${r.sameHits[batch]}`,
    );
  }
  if (flags.has('json')) console.log(JSON.stringify(r));
} finally {
  await close();
}
