// Builds the offline assistant from the repository's source (../../src), with the
// `engram/vite` plugin (Worker bundle, USE-lite model and tfjs wasm in dist/engram/) and the
// service worker as a second entry, dist/sw.js, into which the precache list is written.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { engram } from '../../src/vite/plugin';
import { precacheManifest } from './precache-plugin';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  // Relative URLs: the app works from any folder (its files, the service worker's scope).
  base: './',
  resolve: {
    alias: {
      // As in an app that did not install the optional peer (see src/no-transformers.ts).
      '@huggingface/transformers': here('src/no-transformers.ts'),
    },
  },
  plugins: [engram(), precacheManifest('sw.js')],
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      input: { main: here('index.html'), sw: here('src/sw.ts') },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
