// A CouchDB-compatible server for sync tests: pouchdb-server (a devDependency) in memory on
// 127.0.0.1, on a free port. `stop()` and `start()` again keep the port (a server that went
// away and came back: being in memory, it comes back empty and the replicas refill it).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** CORS open to the test pages (another port of 127.0.0.1); logs into the server's folder. */
const CONFIG = {
  httpd: { enable_cors: true },
  cors: {
    origins: '*',
    credentials: true,
    methods: 'GET, PUT, POST, HEAD, DELETE',
    headers: 'accept, authorization, content-type, origin, referer',
  },
  log: { file: './log.txt' },
};

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

export interface CouchServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Starts it again (after `stop`), on the same port. */
  start(): Promise<void>;
  /** Stops it (SIGTERM, then waits for the process to end). */
  stop(): Promise<void>;
}

/** Starts pouchdb-server in memory and waits until it answers. */
export async function startCouchServer(): Promise<CouchServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const bin = resolve('node_modules/pouchdb-server/bin/pouchdb-server');
  // Its config.json and log go to a folder of its own, not the repository.
  const dir = mkdtempSync(join(tmpdir(), 'engram-couch-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(CONFIG));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      process.execPath,
      [bin, '--in-memory', '--host', '127.0.0.1', '--port', String(port), '--no-stdout-logs'],
      { cwd: dir, stdio: 'ignore' },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`pouchdb-server did not start on ${url}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGTERM');
    });
  };
  await start();
  return { url, start, stop };
}
