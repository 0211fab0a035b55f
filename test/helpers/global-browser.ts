// Vitest global setup for the browser project: one Vite dev server on 127.0.0.1
// (a secure context, so WebGPU is offered) and one headless Chromium for all tests.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { buildTinyBert } from '../fixtures/build-tiny-bert';
import { buildTinyCrossEncoder } from '../fixtures/build-tiny-cross-encoder';
import { buildWorkerBundle, prebuiltWorker, RUN_DIR, useWorkerBundle } from './worker-bundle';
import { buildPageBundle, prebuiltPage, usePageBundle } from './page-bundle';
import { plainTestPages } from './plain-pages';
// @ts-expect-error plain ESM helper without types
import { findChromium, CHROMIUM_ARGS } from '../../scripts/find-chromium.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    wsEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const executablePath: string = findChromium();
  // Test models built here, into a gitignored folder the dev server serves; the engine's
  // Worker and the page side built from the current sources (worker-bundle.ts, page-bundle.ts).
  await Promise.all([
    buildTinyBert().then(() => buildTinyCrossEncoder()),
    useWorkerBundle && buildWorkerBundle(),
    usePageBundle && buildPageBundle(),
  ]);
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    plugins: [
      plainTestPages(),
      ...(useWorkerBundle ? [prebuiltWorker()] : []),
      ...(usePageBundle ? [prebuiltPage()] : []),
    ],
    // Its own pre-bundled dependencies, made afresh: the Node tests start other dev servers
    // (npm start, the benches) at the same time, and two optimizers writing one cache folder
    // can leave it inconsistent (every page then fails to import its dependencies); in this
    // run's own folder (worker-bundle.ts), as another checkout's run may share node_modules.
    cacheDir: resolve(RUN_DIR, 'deps'),
    optimizeDeps: { force: true },
    logLevel: 'error',
  });
  await server.listen();
  const baseUrl = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  const browser = await chromium.launchServer({
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  project.provide('baseUrl', baseUrl);
  project.provide('wsEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    await server.close();
    rmSync(RUN_DIR, { recursive: true, force: true });
  };
}
