// Vitest's default order runs the files that took longest last time first — but a clean clone
// (CI) has no such record, and then it runs the largest files first, which put a 42 s file
// alone at the very end of the browser phase. This sequencer starts the files measured slowest
// in a clean-clone CI run first (longest first), so that the two workers finish together.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Test files by their duration in a clean-clone CI run (ci18, seconds), slowest first. */
const SLOWEST = [
  'test/build/bench.test.ts', // 143
  'test/build/commands.test.ts', // 110
  'test/store/crash.browser.test.ts', // 108
  'test/build/built-package.browser.test.ts', // 102
  'test/build/bench-diagnostics.test.ts', // 72
  'test/retrieval/cross-encoder.browser.test.ts', // 59
  'test/sync/sync-faults.browser.test.ts', // 56
  'test/sync/sync-encrypted.browser.test.ts', // 55
  'test/engine/ivf-mode.browser.test.ts', // 53
  'test/memory/merge-recall.browser.test.ts', // 52
  'test/embed/transformers.browser.test.ts', // 46
  'test/search/ivf-real.test.ts', // 44
  'test/fuzz/worker.browser.test.ts', // 42
  'test/store/verify.browser.test.ts', // 41
  'test/store/encryption.browser.test.ts', // 40
  'test/engine/index-modes.browser.test.ts', // 38
  'test/examples/extension.browser.test.ts', // 35
  'test/examples/assistant.browser.test.ts', // 32
  'test/gpu/quant.browser.test.ts', // 31
  'test/embed/use-lite.browser.test.ts', // 30
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
