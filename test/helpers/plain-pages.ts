// The tests' blank page, served as it is on disk. Vite's dev server adds its HMR client
// (`/@vite/client`, 220 kB, and a WebSocket) to every HTML page it serves; the tests' server
// has no HMR, and every test page paid for loading it before `page.goto` returned (on a
// loaded 2-core machine, 2–3.7 s a page against 0.3–1.6 s without). Modules that use it
// (`import.meta.hot`, CSS) still import it themselves. Pages of the product (the playground,
// public/) are served by Vite as an app's would be.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

/** The pages served untransformed: URL → file. */
const PAGES: Record<string, string> = {
  '/test/pages/blank.html': resolve('test/pages/blank.html'),
};

/** Dev-server plugin (the tests' server only) serving {@link PAGES} as they are. */
export function plainTestPages(): Plugin {
  return {
    name: 'engram-test:plain-pages',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = PAGES[(req.url ?? '').split('?')[0] ?? ''];
        if (!file) return next();
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(readFileSync(file));
      });
    },
  };
}
