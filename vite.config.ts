import { readFileSync } from 'node:fs';
import MagicString from 'magic-string';
import { defineConfig, type Plugin } from 'vite';
import { engram } from './src/vite/plugin';

// A library build leaves its dependencies to the app's bundler (in the Worker entry too).
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies), 'vite'];
const external = (id: string) =>
  id.startsWith('node:') || deps.some((d) => id === d || id.startsWith(`${d}/`));

const WORKER_SOURCE = "new URL('./worker/worker.ts', import.meta.url)";
const WORKER_MARK = '__ENGRAM_WORKER_URL__';

/**
 * In the library build, the engine's Worker is an entry of its own (dist/worker.js), and
 * engram.js starts it with a plain `new Worker(new URL('./worker.js', import.meta.url))`: the
 * pattern the app's bundler (Vite, webpack 5) follows to bundle the Worker with its imports.
 * (Left to Vite, the lib build bundles the Worker into an asset the app's bundler only copies,
 * whose imports of sibling chunks and packages then fail in the browser.)
 */
function workerAsEntry(): Plugin {
  return {
    name: 'engram:worker-as-entry',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/src/engram.ts')) return null;
      if (!code.includes(WORKER_SOURCE)) throw new Error(`src/engram.ts lost ${WORKER_SOURCE}`);
      const s = new MagicString(code);
      s.replace(WORKER_SOURCE, WORKER_MARK);
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
    renderChunk(code) {
      if (!code.includes(WORKER_MARK)) return null;
      const s = new MagicString(code);
      s.replace(WORKER_MARK, 'new URL("./worker.js", import.meta.url)');
      return { code: s.toString(), map: s.generateMap({ hires: true }) };
    },
  };
}

export default defineConfig({
  plugins: [engram({ onnxruntime: true }), workerAsEntry()],
  // public/ holds the playground page itself (transformed like any source), not static files.
  publicDir: false,
  server: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    lib: {
      entry: {
        engram: 'src/index.ts',
        worker: 'src/worker/worker.ts',
        vite: 'src/vite/plugin.ts',
        // Adapters: their frameworks are optional peer dependencies, imported only from here.
        langchain: 'src/adapters/langchain/index.ts',
        ai: 'src/adapters/ai/index.ts',
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    sourcemap: true,
    rolldownOptions: { external },
  },
  optimizeDeps: {
    // These ship their own wasm loaders; pre-bundling breaks their relative URLs.
    exclude: ['onnxruntime-web', '@huggingface/transformers', '@tensorflow/tfjs-backend-wasm'],
  },
});
