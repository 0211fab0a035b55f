// Calls exports of a page-side module (served by the test server) from Node.
// The call is sent as a string: Vitest rewrites `import()` inside functions
// passed to `page.evaluate`, so the page's own import is used instead.
import type { Page } from 'playwright-core';
import { openPage } from '../helpers/browser';

let shared: Promise<Page> | undefined;

/**
 * The one page every suite of gpu.browser.test.ts runs in. The page shares one device
 * (src/gpu/device.ts) and the pipelines compiled on it (src/gpu/pipelines.ts,
 * quant-pipelines.ts): on SwiftShader a top-k or code-scan pipeline set takes seconds to
 * compile (tens of seconds under load), and the suites used to compile the same sets each on
 * its own page. Opened on first use; closed with the file's contexts (browser-file.ts).
 */
export function gpuPage(): Promise<Page> {
  if (!shared) {
    const opened = openPage();
    shared = opened;
    void opened.then((p) =>
      p.once('close', () => {
        if (shared === opened) shared = undefined;
      }),
    );
  }
  return shared;
}

/**
 * Imports `modulePath` in the page and calls its export `name` with JSON-able `args`.
 * @param page - a page of the test server
 * @param modulePath - server path, e.g. '/test/gpu/twin.ts'
 * @param name - export to call
 * @param args - JSON-serialisable arguments
 */
export async function callInPage<M, K extends keyof M & string>(
  page: Page,
  modulePath: string,
  name: K,
  ...args: M[K] extends (...a: infer A) => unknown ? A : never
): Promise<M[K] extends (...a: never[]) => infer R ? Awaited<R> : never> {
  const expr = `import(${JSON.stringify(modulePath)}).then((m) => m[${JSON.stringify(name)}](...${JSON.stringify(args)}))`;
  return (await page.evaluate(expr)) as M[K] extends (...a: never[]) => infer R
    ? Awaited<R>
    : never;
}
