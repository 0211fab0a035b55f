// Vitest's default order runs the files that took longest last time first — but a clean clone
// (CI) has no such record, and then it runs the largest files first, which put a 42 s file
// alone at the very end of the browser phase. This sequencer starts the files measured slowest
// in a clean-clone CI run first (longest first), so that the two workers finish together.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Test files by their duration in a clean-clone CI run (ci20, seconds, hooks included), slowest
 * first. ivf-real's own tests took 57 s, and on a clean clone its import first embeds LoCoMo
 * (bench/locomo-vectors.ts, about a minute); started second, beside bench.test.ts, it left
 * `npm run bench` (bench.test's first test) past its 170 s limit on a loaded machine, so it
 * starts third, once commands.test.ts ends (ci27: at 99 s, `npm run bench` ended at 50 s).
 * (Fourth, ci27: it began when bench.test.ts ended at 164 s and ran to 323 s, 70 s of embedding
 * and 89 s of tests, while the other worker ran bench-diagnostics and then every small file.)
 */
const SLOWEST = [
  'test/build/bench.test.ts', // 138
  'test/build/commands.test.ts', // 97
  'test/search/ivf-real.test.ts', // 57 + ≈ 60 embedding on import
  'test/build/bench-diagnostics.test.ts', // 96
  // Browser files: ci24 (clean-clone CI, 2 Dec, before the page side was prebuilt:
  // test/helpers/page-bundle.ts, which takes about the same per page from every file).
  // test/gpu/gpu.browser.test.ts: ci24's ivf-mode 44, quant 37, backend 34, index-modes 30,
  // gpu-index, sort, rerank and adapter (about 200 in all as eight files; one page's pipelines
  // since, about a third less): the longest, it starts first.
  'test/gpu/gpu.browser.test.ts',
  'test/build/built-package.browser.test.ts', // 143
  'test/store/crash.browser.test.ts', // 103
  'test/memory/merge-recall.browser.test.ts', // 67
  'test/retrieval/cross-encoder.browser.test.ts', // 60
  'test/store/verify.browser.test.ts', // 57
  'test/sync/sync-faults.browser.test.ts', // 56
  'test/embed/transformers.browser.test.ts', // 54
  'test/sync/sync-encrypted.browser.test.ts', // 52
  'test/store/encryption.browser.test.ts', // 47
  'test/engine/concurrency-race.browser.test.ts', // 37
  'test/embed/use-lite.browser.test.ts', // 37
  'test/retrieval/fused-rerank.browser.test.ts', // 36
  'test/sync/sync.browser.test.ts', // 34
  'test/examples/assistant.browser.test.ts', // 32
  'test/examples/extension.browser.test.ts', // 31
  'test/store/cold-open.browser.test.ts', // 30
  'test/memory/budget.browser.test.ts', // 30
  'test/engine/engine.browser.test.ts', // 28
  'test/govern/poisoning-attack.browser.test.ts', // 28
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
