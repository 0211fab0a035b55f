// Builds the unpacked extension into examples/extension/dist (see build.mjs).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { engram } from '../../src/vite/plugin';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  // public/manifest.json lands at the extension's root.
  publicDir: 'public',
  // engram() packages the USE-lite model and tfjs' wasm under dist/engram/ (the URLs the
  // embedder reads by default, here chrome-extension://<id>/engram/…) and builds the Worker.
  plugins: [engram()],
  // As in an app that did not install the optional peer (see src/no-transformers.ts).
  resolve: { alias: { '@huggingface/transformers': `${here}src/no-transformers.ts` } },
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Extension pages run no inline script (MV3's CSP); nothing needs the polyfill in Chromium.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: {
        popup: `${here}popup.html`,
        options: `${here}options.html`,
        offscreen: `${here}offscreen.html`,
        background: `${here}src/background.ts`,
      },
      output: {
        // The manifest names the service worker: background.js, at the root.
        entryFileNames: (chunk) =>
          chunk.name === 'background' ? 'background.js' : 'assets/[name]-[hash].js',
      },
    },
  },
});
