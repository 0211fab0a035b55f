// Vitest's default order runs the files that took longest last time first — but a clean clone
// (CI) has no such record, and then it runs the largest files first, which put a 42 s file
// alone at the very end of the browser phase. This sequencer starts the files measured slowest
// in a clean-clone CI run first (longest first), so that the two workers finish together.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files by their duration in a clean-clone CI run (ci20, seconds, hooks included), slowest
 * first. ivf-real's own tests took 57 s, and on a clean clone its import first embeds LoCoMo
 * (bench/locomo-vectors.ts, about a minute); started second, beside bench.test.ts, it left
 * `npm run bench` past its 170 s limit on a loaded machine, so it starts after the three builds.
 */
const SLOWEST = [
  'test/build/bench.test.ts', // 138
  'test/build/commands.test.ts', // 97
  'test/build/bench-diagnostics.test.ts', // 96
  'test/search/ivf-real.test.ts', // 57 + ≈ 60 embedding on import
  // Browser files: ci22 (clean-clone CI, 1 Dec), the two marked ≈ scaled by what the prebuilt
  // Worker (test/helpers/worker-bundle.ts) saved them side by side (fuzz/worker opens 40 Worker
  // engines: 373 → 145 s at load ~30; crash 624 → 504 s).
  'test/build/built-package.browser.test.ts', // 137
  'test/store/crash.browser.test.ts', // ≈ 102
  'test/sync/sync-encrypted.browser.test.ts', // 83
  'test/sync/sync-faults.browser.test.ts', // 71
  'test/memory/merge-recall.browser.test.ts', // 63
  'test/retrieval/cross-encoder.browser.test.ts', // 60
  'test/engine/ivf-mode.browser.test.ts', // 51
  'test/examples/assistant.browser.test.ts', // 47
  'test/embed/transformers.browser.test.ts', // 45
  'test/store/encryption.browser.test.ts', // 38
  'test/store/verify.browser.test.ts', // 37
  'test/examples/extension.browser.test.ts', // 34
  'test/gpu/backend.browser.test.ts', // 34
  'test/engine/concurrency-race.browser.test.ts', // 32
  'test/gpu/quant.browser.test.ts', // 32
  'test/engine/index-modes.browser.test.ts', // 32
  'test/fuzz/worker.browser.test.ts', // ≈ 31
  'test/embed/embed-workers.browser.test.ts', // 30
  'test/store/quota.browser.test.ts', // 29
  'test/embed/use-lite.browser.test.ts', // 29
  'test/sync/sync.browser.test.ts', // 28
  'test/retrieval/fused-rerank.browser.test.ts', // 26
  'test/engine/worker.browser.test.ts', // 26
];

const rank = (file: TestSpecification): number => {
  const i = SLOWEST.findIndex((path) => file.moduleId.endsWith(path));
  return i < 0 ? SLOWEST.length : i;
};

/** Vitest's own order (projects, then what the cache knows), with the known slow files first. */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const order = new Map(sorted.map((f, i) => [f, i]));
    return sorted.sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        rank(a) - rank(b) ||
        order.get(a)! - order.get(b)!,
    );
  }
}
