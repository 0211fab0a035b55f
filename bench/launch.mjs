// Shared by the benchmark drivers (bench/*.mjs): one Vite dev server on 127.0.0.1
// serving the repo, one headless Chromium (WebGPU on; SwiftShader where there is no GPU),
// the `--name=value` flags, and calling an export of a bench page module.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';

/**
 * A Vite dev server of another checkout (an A/B driver's `--base` worktree, or this one), on a
 * free port, with a Vite cache of its own per side so the two do not rebuild each other's.
 * @param {string} root - the checkout's directory
 * @param {string} cacheName - the cache's name under node_modules/.vite (`-head`/`-base` added)
 * @returns {Promise<{ server: import('vite').ViteDevServer, url: string }>}
 */
export async function serveCheckout(root, cacheName) {
  const server = await createServer({
    root,
    configFile: resolve(root, 'vite.config.ts'),
    server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
    cacheDir: resolve(
      root,
      `node_modules/.vite/${cacheName}-` + (root === process.cwd() ? 'head' : 'base'),
    ),
    logLevel: 'error',
  });
  await server.listen();
  return { server, url: (server.resolvedUrls?.local[0] ?? '').replace(/\/$/, '') };
}

/** The machine's 1, 5 and 15 minute load averages, two decimals each (printed beside a run's figures). */
export function loadAverages() {
  return loadavg().map((v) => v.toFixed(2));
}

/**
 * Reads `--name=value` flags (and bare `--name` switches) from an argv list. `--help` prints the
 * driver's usage (its opening comment) and exits; a flag the driver does not know exits with
 * code 2 and names it, so a typo cannot start a long run on defaults.
 * @param {string[]} argv - arguments after the script name
 * @param {string} [driverUrl] - the driver's `import.meta.url`: its opening comment is the usage,
 *   and the flags it names there or reads (`flags.text('name', …)`) are the known ones
 */
export function parseFlags(argv, driverUrl) {
  if (driverUrl) checkFlags(argv, fileURLToPath(driverUrl));
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
 * `--help`: prints the driver's opening comment and exits. An unknown `--flag`: exits with code 2.
 * The known flags are those the usage names and the names the driver passes to a call.
 * @param {string[]} argv - arguments after the script name
 * @param {string} file - the driver's path
 */
function checkFlags(argv, file) {
  const source = readFileSync(file, 'utf8');
  const lines = source.split('\n');
  const end = lines.findIndex((l) => !l.startsWith('//'));
  const usage = lines
    .slice(0, end < 0 ? lines.length : end)
    .map((l) => l.replace(/^\/\/ ?/, ''))
    .join('\n');
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const known = new Set([
    ...[...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]),
    ...[...source.matchAll(/\(\s*'([a-z][a-z0-9-]*)'/g)].map((m) => m[1]),
  ]);
  const unknown = argv
    .filter((a) => a.startsWith('--') && a !== '--')
    .map((a) => a.slice(2).split('=')[0])
    .filter((name) => !known.has(name));
  if (unknown.length) {
    console.error(`unknown flag ${unknown.map((n) => `--${n}`).join(', ')}; usage:\n${usage}`);
    process.exit(2);
  }
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
