import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { engramAssets } from './scripts/engram-assets';

// A library build leaves its dependencies to the app's bundler (in the Worker chunk too).
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
};
const deps = Object.keys(pkg.dependencies);
const external = (id: string) => deps.some((d) => id === d || id.startsWith(`${d}/`));

export default defineConfig({
  plugins: [engramAssets()],
  // public/ holds the playground page itself (transformed like any source), not static files.
  publicDir: false,
  server: { host: '127.0.0.1' },
  // Relative asset URLs, so the built Worker chunk is found next to engram.js wherever it is served.
  base: './',
  worker: { format: 'es', rolldownOptions: { external } },
  build: {
    target: 'es2022',
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'engram' },
    sourcemap: true,
    rolldownOptions: { external },
  },
  optimizeDeps: {
    // These ship their own wasm loaders; pre-bundling breaks their relative URLs.
    exclude: ['onnxruntime-web', '@huggingface/transformers', '@tensorflow/tfjs-backend-wasm'],
  },
});
