// The engine's Worker for the browser tests, built once per run and served in place of the
// dev server's module-by-module Worker. Under the dev server, every `Engram.open` started a
// Worker that fetched its ≈ 300 source modules one import level at a time (≈ 1.9 s an open,
// on every open: the dev server's modules are revalidated, and each context starts cold);
// from one bundle, the Worker starts in a fraction of that. Only the tests' server does this:
// src/engram.ts keeps its `new Worker(new URL('./worker/worker.ts', import.meta.url))`, and the
// built-package and example tests still run the packed library through the app's own bundler.
// A stack from the Worker then points into the bundle (function names kept, each module under
// a `// src/…` comment); ENGRAM_TEST_DEV_WORKER=1 serves the Worker from the sources as before.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { build, type Plugin } from 'vite';

/** True unless ENGRAM_TEST_DEV_WORKER=1 asks for the dev server's own Worker. */
export const useWorkerBundle = process.env.ENGRAM_TEST_DEV_WORKER !== '1';

/**
 * This run's own folder (gitignored; the test runner's pid), removed when the run ends
 * (global-browser.ts): node_modules may be shared (worktrees that link one checkout's), and
 * with one folder for every run, a run started elsewhere emptied it under this one's pages.
 */
export const RUN_DIR = resolve(`node_modules/.vite/browser-test-runs/${process.pid}`);

/** Where the bundle is written (made afresh by every run). */
export const WORKER_BUNDLE_DIR = resolve(RUN_DIR, 'worker');

/** The URL folder the bundle is served from; each run its own, so no browser reuses an old one. */
const prefix = `/@engram-test-worker/${Date.now().toString(36)}/`;

/**
 * Builds `src/worker/worker.ts` with its imports (chunks for what it loads on demand) into
 * {@link WORKER_BUNDLE_DIR}: from the current sources on every run, so a source edit is
 * always in the Worker the tests start. Not minified, with source maps.
 */
export async function buildWorkerBundle(): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'error',
    publicDir: false,
    // No plugins: the tests' server serves the runtime files (vite.config.ts), and
    // @huggingface/transformers is installed.
    build: {
      outDir: WORKER_BUNDLE_DIR,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: true,
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input: { worker: 'src/worker/worker.ts' },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
      },
    },
  });
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

/**
 * Answers a request for `path` under `prefix` (a run's own URL folder) with the file of that
 * name in `dir`, cacheable for good (the folder is this run's own: a context that loads the
 * bundle again reuses it). The bundle plugins of the page and the Worker share it.
 * @returns false when the path is not a file of the bundle (the request is left to the next handler)
 */
export function serveBundleFile(
  dir: string,
  prefix: string,
  path: string,
  res: ServerResponse,
): boolean {
  if (!path.startsWith(prefix)) return false;
  const file = resolve(dir, decodeURIComponent(path.slice(prefix.length)));
  if (!file.startsWith(dir + sep) || !existsSync(file)) return false;
  res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', String(statSync(file).size));
  res.setHeader('Cache-Control', 'max-age=86400, immutable');
  createReadStream(file).pipe(res);
  return true;
}

/**
 * Dev-server plugin (the tests' server only): the request for the engine's Worker
 * (`/src/worker/worker.ts?worker_file&type=module`, as Vite rewrites src/engram.ts) is
 * answered with one line that imports the bundle of {@link buildWorkerBundle}, which is
 * served with its chunks. (Not a redirect: the Worker's script would then be known by its
 * first URL and its chunks, importing the entry by the second, would run it a second time.)
 * The Worker's `location` stays that first URL, so the copies it starts to embed
 * (src/embed/embed-worker.ts) load the bundle the same way.
 */
export function prebuiltWorker(): Plugin {
  return {
    name: 'engram-test:prebuilt-worker',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const [path = '', query = ''] = (req.url ?? '').split('?');
        if (path === '/src/worker/worker.ts' && /(^|&)worker_file(&|$)/.test(query)) {
          res.setHeader('Content-Type', 'text/javascript');
          res.setHeader('Cache-Control', 'no-cache');
          res.end(`import ${JSON.stringify(`${prefix}worker.js`)};\n`);
          return;
        }
        if (!serveBundleFile(WORKER_BUNDLE_DIR, prefix, path, res)) next();
      });
    },
  };
}
