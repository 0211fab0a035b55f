// `node bench/run.mjs gpu-scan [--n=100000] [--dim=384] [--batches=1,16] [--k=10] [--reps=5] [--json]`
// The fp32 WebGPU scan before (one row per invocation, 4 queries per workgroup) and after
// register blocking (2 rows x 8 queries per invocation, query tile in workgroup memory) on
// headless Chromium's adapter (SwiftShader where there is no GPU): ms/query and the ratio.
import { execSync } from 'node:child_process';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2));
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
  console.log(
    'batch  baseline ms/query (min)  blocked ms/query (min)  speed-up (of mins)  same hits',
  );
  const f = (x) => `${x.msPerQuery.toFixed(1)} (${x.minMsPerQuery.toFixed(1)})`;
  for (const batch of options.batches) {
    const [a, b] = ['baseline', 'blocked'].map((k) =>
      r.rows.find((x) => x.kernel === k && x.batch === batch),
    );
    const ratio = (x) => (a[x] / b[x]).toFixed(2);
    console.log(
      `${String(batch).padStart(5)}  ${f(a).padStart(23)}  ${f(b).padStart(22)}  ${`${ratio('msPerQuery')}x (${ratio('minMsPerQuery')}x)`.padStart(18)}  ${r.sameHits[batch]}`,
    );
  }
  if (flags.has('json')) console.log(JSON.stringify(r));
} finally {
  await close();
}
