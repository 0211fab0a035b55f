import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.browser.test.ts'],
          globalSetup: ['test/helpers/global-browser.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The work runs in one shared Chromium; two files at a time keeps 2 cores busy.
          maxWorkers: 2,
        },
      },
    ],
  },
});
