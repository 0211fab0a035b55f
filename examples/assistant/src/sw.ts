// The assistant's service worker: precaches everything the app needs (page, JS, the engine's
// Worker, tfjs' wasm, the USE-lite model) at install, then answers every same-origin GET from
// that cache, so after the first visit the app works with the network off.
//
// The list of files is written in at build time by ../precache-plugin.ts (it replaces
// __ASSISTANT_PRECACHE__ with `{ version, files: [{ url, revision, size }, …] }`); a new build
// gets a new cache, and files whose revision did not change are copied from the old cache
// instead of downloaded again. A classic script (no imports; no top-level await, which a
// service worker may not use).
//
// Hand-written rather than Workbox: what it needs (precache by revision, serve from cache) is
// this page; workbox-build's manifest step would add Babel and Rollup to the dev dependencies,
// and Workbox's types need TypeScript's WebWorker lib, which conflicts with the DOM lib the
// project type-checks with.
import type { PrecacheEntry, PrecacheManifest, PrecacheMessage } from './precache-types';

declare const __ASSISTANT_PRECACHE__: PrecacheManifest;

// Only the parts of the service-worker scope this file uses (the project's types are DOM's).
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(r: Response | Promise<Response>): void;
}
interface ServiceWorkerScope {
  registration: ServiceWorkerRegistration;
  skipWaiting(): Promise<void>;
  clients: {
    claim(): Promise<void>;
    matchAll(o: {
      includeUncontrolled: boolean;
    }): Promise<Array<{ postMessage(m: unknown): void }>>;
  };
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: FetchEvent) => void): void;
}

const scope = self as unknown as ServiceWorkerScope;
const MANIFEST: PrecacheManifest = __ASSISTANT_PRECACHE__;
const PRECACHE = MANIFEST.files;
const PREFIX = 'assistant-precache-';
/** The cache of this build. */
const CACHE = PREFIX + MANIFEST.version;
const REVISION_HEADER = 'X-Precache-Revision';

const absolute = (url: string) => new URL(url, scope.registration.scope).href;

async function tell(message: PrecacheMessage): Promise<void> {
  for (const client of await scope.clients.matchAll({ includeUncontrolled: true }))
    client.postMessage(message);
}

/** The same file, same revision, from an earlier build's cache. */
async function fromOldCache(entry: PrecacheEntry): Promise<Response | undefined> {
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const hit = await (await caches.open(name)).match(absolute(entry.url));
    if (hit?.headers.get(REVISION_HEADER) === entry.revision) return hit;
  }
  return undefined;
}

async function precache(): Promise<void> {
  const cache = await caches.open(CACHE);
  const total = PRECACHE.reduce((n, e) => n + e.size, 0);
  let bytes = 0;
  let files = 0;
  // A few at a time: the model's shards are large, the JS chunks many.
  const queue = [...PRECACHE];
  const worker = async () => {
    for (let entry = queue.shift(); entry; entry = queue.shift()) {
      const url = absolute(entry.url);
      if (!(await cache.match(url))) {
        let res = await fromOldCache(entry);
        if (!res) {
          const got = await fetch(url, { cache: 'reload' });
          if (!got.ok) throw new Error(`precache: GET ${url}: HTTP ${got.status}`);
          const headers = new Headers(got.headers);
          headers.set(REVISION_HEADER, entry.revision);
          res = new Response(await got.arrayBuffer(), { status: 200, headers });
        }
        await cache.put(url, res);
      }
      bytes += entry.size;
      files += 1;
      await tell({
        type: 'precache',
        files,
        totalFiles: PRECACHE.length,
        bytes,
        totalBytes: total,
      });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

scope.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => scope.skipWaiting()));
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await scope.clients.claim();
      await tell({ type: 'activated', cache: CACHE });
    })(),
  );
});

scope.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      // Every page of the app is its one page (the shell); other files by URL, query ignored.
      const key = request.mode === 'navigate' ? absolute('index.html') : request;
      const hit = await cache.match(key, { ignoreSearch: true });
      return hit ?? fetch(request);
    })(),
  );
});
