// The API fuzz in Chromium through the Worker: hostile arguments are structured-cloned into the
// engine's Worker (or refused by postMessage), and only EngramErrors come back.
// FUZZ_SEED and FUZZ_RUNS_WORKER override the fixed seed and the number of sequences.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Page = typeof import('./worker-page');

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS_WORKER ?? 20);
const CALLS = 40;

test(`hostile calls through the Worker: only EngramErrors, nothing changed by a failure (seed ${SEED})`, async () => {
  const page = await openPage();
  const report = await page.evaluate(
    async ([seed, runs, calls]) => {
      const p = await importSrc<Page>('/test/fuzz/worker-page.ts');
      return p.fuzzThroughWorker(seed!, runs!, calls!);
    },
    [SEED, RUNS, CALLS],
  );
  console.log(
    `worker fuzz seed ${report.seed}: ${report.calls} calls in ${report.runs} sequences, ${report.ms} ms\n` +
      Object.entries(report.perMethod)
        .sort()
        .map(([m, s]) => `  ${m}: ${s.calls} (${s.ok} ok, ${s.rejected} rejected)`)
        .join('\n') +
      `\n  codes: ${JSON.stringify(report.codes)}`,
  );
  expect(report.failure).toBeUndefined();
  expect(report.calls).toBeGreaterThanOrEqual(Math.min(300, RUNS * 10));
}, 600_000);
