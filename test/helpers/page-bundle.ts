// The page side of the browser tests, built once per run and served in place of the dev
// server's module-by-module sources. A test page imports what it tests with the browser's own
// `import('/test/engine/fixture.ts')` (test/pages/blank.html); from the dev server, that
// fetched ≈ 155 modules one import level at a time in every fresh browser context (each test
// opens its own, so none is cached). Here every page-side module a test names
// ('/src/….ts' or '/test/….ts' in test/) is an entry of one build, with shared chunks, so two
// entries a page imports share their modules as they did under the dev server; the dev server
// answers the test page's import of an entry with one line that re-exports the built entry.
// Only the blank test page's own imports are answered so: the playground and any module the
// dev server serves to another page load from the sources as before. The Worker the page
// starts is the prebuilt one (worker-bundle.ts). ENGRAM_TEST_DEV_PAGE=1 serves the page side
// from the sources as before.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import MagicString from 'magic-string';
import { build, type Plugin, type Rolldown } from 'vite';
import { RUN_DIR, serveBundleFile } from './worker-bundle';

/** True unless ENGRAM_TEST_DEV_PAGE=1 asks for the dev server's own modules. */
export const usePageBundle = process.env.ENGRAM_TEST_DEV_PAGE !== '1';

/** Where the bundle is written (made afresh by every run, in this run's own folder). */
export const PAGE_BUNDLE_DIR = resolve(RUN_DIR, 'page');

/** The URL folder the bundle is served from; each run its own, so no browser reuses an old one. */
const prefix = `/@engram-test-page/${Date.now().toString(36)}/`;

/** The test page whose imports are answered from the bundle. */
const TEST_PAGE = '/test/pages/blank.html';

/** src/engram.ts's Worker, as the dev server names it (served by worker-bundle.ts). */
const WORKER_SOURCE = "new URL('./worker/worker.ts', import.meta.url)";
const WORKER_DEV_URL = "new URL('/src/worker/worker.ts?worker_file&type=module', location.href)";

/** Source URL (`/test/engine/fixture.ts`) → the built entry's file and whether it has a default export. */
const entries = new Map<string, { file: string; hasDefault: boolean }>();

function* testFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* testFiles(path);
    else if (e.name.endsWith('.ts')) yield path;
  }
}

/** Every `'/src/….ts'` and `'/test/….ts'` named in test/ that exists (not the Worker's own entry). */
export function pageModules(): string[] {
  const found = new Set<string>();
  for (const file of testFiles(resolve('test'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(
      /['"`](\/(?:src|test)\/[\w./-]+\.ts)['"`]/g,
    )) {
      const url = m[1]!;
      if (url !== '/src/worker/worker.ts' && existsSync(resolve('.' + url))) found.add(url);
    }
  }
  return [...found].sort();
}

/**
 * Builds every module of {@link pageModules} (with its imports, in shared chunks) into
 * {@link PAGE_BUNDLE_DIR}: from the current sources on every run. Not minified, with source
 * maps. src/engram.ts's `new Worker(new URL('./worker/worker.ts', import.meta.url))` is left
 * pointing at the dev server's Worker URL, which serves the prebuilt Worker.
 */
export async function buildPageBundle(): Promise<void> {
  const urls = pageModules();
  const input = Object.fromEntries(urls.map((u) => [u.slice(1, -'.ts'.length), resolve('.' + u)]));
  const out = (await build({
    configFile: false,
    logLevel: 'error',
    publicDir: false,
    plugins: [
      {
        name: 'engram-test:dev-worker-url',
        enforce: 'pre',
        transform(code, id) {
          if (!id.endsWith('/src/engram.ts')) return null;
          if (!code.includes(WORKER_SOURCE)) throw new Error(`src/engram.ts lost ${WORKER_SOURCE}`);
          const s = new MagicString(code);
          s.replace(WORKER_SOURCE, WORKER_DEV_URL);
          return { code: s.toString(), map: s.generateMap({ hires: true }) };
        },
      },
    ],
    build: {
      outDir: PAGE_BUNDLE_DIR,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      sourcemap: true,
      modulePreload: false,
      reportCompressedSize: false,
      rolldownOptions: {
        input,
        // An entry keeps every export (a test page reads them by name), side effects included.
        preserveEntrySignatures: 'strict',
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  })) as Rolldown.RolldownOutput | Rolldown.RolldownOutput[];
  entries.clear();
  for (const output of Array.isArray(out) ? out : [out]) {
    for (const chunk of output.output) {
      if (chunk.type !== 'chunk' || !chunk.isEntry || !chunk.facadeModuleId) continue;
      const url = '/' + relative(resolve('.'), chunk.facadeModuleId).split(sep).join('/');
      entries.set(url, { file: chunk.fileName, hasDefault: chunk.exports.includes('default') });
    }
  }
  for (const url of urls)
    if (!entries.has(url)) throw new Error(`page bundle: no entry for ${url}`);
}

/**
 * Dev-server plugin (the tests' server only): the test page's own import of a module of
 * {@link pageModules} is answered with a module that re-exports the built entry (not a
 * redirect: the chunks would then know the entry by a second URL); the bundle's files are
 * served under this run's own URL folder.
 */
export function prebuiltPage(): Plugin {
  return {
    name: 'engram-test:prebuilt-page',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const [path = '', query] = (req.url ?? '').split('?');
        const entry = entries.get(path);
        const referer = req.headers.referer ?? '';
        if (entry && query === undefined && new URL(referer, 'http://x').pathname === TEST_PAGE) {
          const target = JSON.stringify(prefix + entry.file);
          res.setHeader('Content-Type', 'text/javascript');
          res.setHeader('Cache-Control', 'no-cache');
          res.end(
            `export * from ${target};\n` +
              (entry.hasDefault ? `export { default } from ${target};\n` : ''),
          );
          return;
        }
        if (!serveBundleFile(PAGE_BUNDLE_DIR, prefix, path, res)) next();
      });
    },
  };
}
