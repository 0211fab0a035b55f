import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/helpers/slow-first-sequencer';

export default defineConfig({
  test: {
    // The files measured slowest start first, so that two workers finish together (CI has no timings).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        test: {
          name: 'node',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
          // Speed is measured in bench/, not here: on a busy 2-core machine a test of
          // real work (embedding, 10 000-result searches) may take far longer than 5 s.
          testTimeout: 60_000,
          // Vitest's default (cores − 1) runs these files one at a time on CI's 2 cores; many
          // wait on child processes (benches, builds, Chromium), so two at a time saves minutes.
          maxWorkers: 2,
          // A worker runs file after file in one process (as the browser project does): each of
          // the ~70 small files paid a fresh process and a fresh import of src/ and its
          // dependencies (66 small files: 201 CPU-s isolated, 103 so, at load 15-20). Each file
          // opens its own stores (fake-indexeddb keeps them for the process: names are per file).
          isolate: false,
        },
      },
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.browser.test.ts'],
          globalSetup: ['test/helpers/global-browser.ts'],
          // These files drive the shared Chromium from Node and keep no state of their own in
          // Node (what they test runs in the page): a worker runs file after file in one process
          // (one playwright-core import and one connection each, not one per file: 36 s of 85 s
          // CPU less on 18 small files). test/helpers/browser-file.ts closes each file's contexts.
          isolate: false,
          setupFiles: ['test/helpers/browser-file.ts'],
          // Generous: CI's 2 cores run two browser files side by side (merge-recall took 107–120 s so).
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // The work runs in one shared Chromium; two files at a time keeps 2 cores busy.
          maxWorkers: 2,
        },
      },
    ],
  },
});
