// A static file server on 127.0.0.1 for built apps (the consumer app, the examples), counting
// the bytes it sends per path, so a test can tell what a page downloaded and when.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, resolve } from 'node:path';

/** A running {@link serveStatic} server. */
export interface StaticServer {
  server: Server;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** Bytes sent per URL path (every response summed). */
  sent: Map<string, number>;
  /** While true, every connection is dropped unanswered (a network gone), its path kept in `refused`. */
  down: boolean;
  /** Paths asked for while `down`. */
  refused: string[];
  /** Stops listening. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
};

/** Serves the files under `root` ('/' is index.html); anything else is a 404. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const sent = new Map<string, number>();
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (handle.down) {
      refused.push(path);
      req.socket.destroy();
      return;
    }
    const file = resolve(root, '.' + (path === '/' ? '/index.html' : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    sent.set(path, (sent.get(path) ?? 0) + body.length);
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
    });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const handle: StaticServer = {
    server,
    url: `http://127.0.0.1:${port}`,
    sent,
    down: false,
    refused,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
  return handle;
}
