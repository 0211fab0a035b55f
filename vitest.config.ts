import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
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
