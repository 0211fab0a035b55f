// Property-based fuzz of every public method under Node (fake-indexeddb): hostile arguments
// get typed EngramErrors only, a failing call changes nothing stored, the store stays consistent.
// FUZZ_SEED and FUZZ_RUNS override the fixed seed and the number of sequences.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { runFuzz } from './runner';
import { dropDatabase, FUZZ_DIM, FUZZ_MAX_TEXT, openEngineTarget, rawDump } from './node-target';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 160);
const CALLS = 70;

test(`hostile calls to every method: only EngramErrors, nothing changed by a failure (seed ${SEED})`, async () => {
  const report = await runFuzz({
    seed: SEED,
    runs: RUNS,
    callsPerRun: CALLS,
    callTimeoutMs: 15_000,
    settings: { dim: FUZZ_DIM, maxTextLength: FUZZ_MAX_TEXT, uncloneable: true },
    open: openEngineTarget,
    close: async (t) => (t as Awaited<ReturnType<typeof openEngineTarget>>).engine.close(),
    drop: dropDatabase,
    rawDump,
  });
  console.log(
    `fuzz seed ${report.seed}: ${report.calls} calls in ${report.runs} sequences, ${report.ms} ms\n` +
      Object.entries(report.perMethod)
        .sort()
        .map(([m, s]) => `  ${m}: ${s.calls} (${s.ok} ok, ${s.rejected} rejected) ${s.ms} ms`)
        .join('\n') +
      `\n  codes: ${JSON.stringify(report.codes)}\n  phases: ${JSON.stringify((report as { phase?: unknown }).phase)}`,
  );
  expect(report.failure).toBeUndefined();
  expect(report.calls).toBeGreaterThanOrEqual(Math.min(5000, RUNS * 10));
}, 600_000);
