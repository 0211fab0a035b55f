// Shared by the benchmark drivers (bench/*.mjs): one Vite dev server on 127.0.0.1
// serving the repo, one headless Chromium (WebGPU on; SwiftShader where there is no GPU),
// the `--name=value` flags, and calling an export of a bench page module.
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';

/** The machine's 1, 5 and 15 minute load averages, two decimals each (printed beside a run's figures). */
export function loadAverages() {
  return loadavg().map((v) => v.toFixed(2));
}

/**
 * Reads `--name=value` flags (and bare `--name` switches) from an argv list.
 * @param {string[]} argv - arguments after the script name
 */
export function parseFlags(argv) {
  const value = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return {
    /** The flag's text, or `fallback`. */
    text: (name, fallback) => value(name) ?? fallback,
    /** The flag as a number, or `fallback`. */
    number: (name, fallback) => Number(value(name) ?? fallback),
    /** A comma-separated flag as a list of texts. */
    list: (name, fallback) => (value(name) ?? fallback).split(',').filter(Boolean),
    /** True when `--name` is given. */
    has: (name) => argv.includes(`--${name}`),
  };
}

/**
 * Starts the Vite server and Chromium. `close()` stops both.
 * @param {string[]} [extraArgs] - Chromium switches beside the usual ones
 * @returns {Promise<{ baseUrl: string, browser: import('playwright-core').Browser, close: () => Promise<void> }>}
 */
export async function startBench(extraArgs = []) {
  const server = await createServer({
    configFile: resolve('vite.config.ts'),
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    // Its own pre-bundled dependencies (the test suite runs benches beside other dev servers).
    cacheDir: 'node_modules/.vite/bench',
    logLevel: 'error',
  });
  await server.listen();
  const baseUrl = (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '');
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: findChromium(),
      args: [...CHROMIUM_ARGS, ...extraArgs],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    baseUrl,
    browser,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Opens `path` of the bench server in a new page of `context` (page errors go to stderr).
 * @param {import('playwright-core').BrowserContext | import('playwright-core').Browser} context
 */
export async function openBenchPage(context, baseUrl, path) {
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error('[page]', m.text()));
  await page.goto(`${baseUrl}${path}`);
  return page;
}

/**
 * Calls export `name` of the page module `module` (a path the server serves) with JSON arguments.
 * @param {import('playwright-core').Page} page
 */
export function callPage(page, module, name, ...args) {
  return page.evaluate(
    `import(${JSON.stringify(module)}).then((m) => m[${JSON.stringify(name)}](...${JSON.stringify(args)}))`,
  );
}
