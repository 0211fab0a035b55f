// Opens pages of the test server in the shared headless Chromium.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

declare global {
  /** In test pages (test/pages/blank.html): the browser's own dynamic `import()`. */
  var importSrc: <T = unknown>(path: string) => Promise<T>;
}

// One connection per test worker: with `isolate: false` (vitest.config.ts) a worker runs file
// after file in one process, and this module (with the connection) stays loaded between them.
let browser: Promise<Browser> | undefined;
const contexts: BrowserContext[] = [];

/**
 * Closes the contexts opened since the last call (their pages, IndexedDB and storage with them).
 * Run after each test file by test/helpers/browser-file.ts.
 */
export async function closeContexts(): Promise<void> {
  await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => {})));
}

/** URL of a path on the test server. */
export function testUrl(path: string): string {
  return inject('baseUrl') + path;
}

/** A fresh browser context (its own IndexedDB, caches and storage). */
export async function newContext(): Promise<BrowserContext> {
  browser ??= chromium.connect(inject('wsEndpoint'));
  const context = await (await browser).newContext();
  contexts.push(context);
  return context;
}

/**
 * Opens `path` (default: a blank test page) in a context; page errors fail
 * loudly through `page.evaluate`. Pass a context to open a second tab on the
 * same storage.
 */
export async function openPage(
  path = '/test/pages/blank.html',
  context?: BrowserContext,
): Promise<Page> {
  const ctx = context ?? (await newContext());
  const page = await ctx.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && process.env.ENGRAM_TEST_VERBOSE)
      console.error('[page]', msg.text());
  });
  await page.goto(testUrl(path));
  return page;
}

/**
 * One page for a whole test file, opened on first use, with every request it makes to a host
 * other than the test server recorded in `offsite` from its start (runtime files included): for
 * files whose tests share a slow load (transformers.js and its ONNX runtime) and check that
 * nothing left the machine.
 */
export function watchedPage(): { page: () => Promise<Page>; offsite: string[] } {
  const offsite: string[] = [];
  let shared: Promise<Page> | undefined;
  const page = (): Promise<Page> =>
    (shared ??= openPage().then((p) => {
      p.on('request', (req) => {
        if (new URL(req.url()).hostname !== '127.0.0.1') offsite.push(req.url());
      });
      return p;
    }));
  return { page, offsite };
}

/** True when the page offers a WebGPU adapter. Under ENGRAM_REQUIRE_WEBGPU=1 a missing one throws. */
export async function hasWebGPU(page: Page): Promise<boolean> {
  const ok = await page.evaluate(
    async () => !!(navigator.gpu && (await navigator.gpu.requestAdapter())),
  );
  if (!ok && process.env.ENGRAM_REQUIRE_WEBGPU === '1') {
    throw new Error('ENGRAM_REQUIRE_WEBGPU=1 but the browser offers no WebGPU adapter');
  }
  return ok;
}
