// Calls exports of a page-side module (served by the test server) from Node.
// The call is sent as a string: Vitest rewrites `import()` inside functions
// passed to `page.evaluate`, so the page's own import is used instead.
import type { Page } from 'playwright-core';

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
