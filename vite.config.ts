import { defineConfig } from 'vite';
import { engramAssets } from './scripts/engram-assets';

export default defineConfig({
  plugins: [engramAssets()],
  // public/ holds the playground page itself (transformed like any source), not static files.
  publicDir: false,
  server: { host: '127.0.0.1' },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'engram' },
    sourcemap: true,
  },
  optimizeDeps: {
    // These ship their own wasm loaders; pre-bundling breaks their relative URLs.
    exclude: ['onnxruntime-web', '@huggingface/transformers', '@tensorflow/tfjs-backend-wasm'],
  },
});
