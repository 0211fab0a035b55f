// Reads the files of a model: in a page or a Worker with fetch, kept in Cache
// Storage so a reload reads nothing from the network; in Node from the disk.
import { EngramError } from '../errors';
import type { LoadProgress } from './embedder';
import { absoluteUrl, importNode, isNode } from './util';

/** Bytes between two download progress reports of one file. */
const PROGRESS_STEP = 1 << 20;

/**
 * Name of the Cache Storage cache that holds model files, keyed by URL. A file
 * changed under the same URL is not re-read: serve it under a new URL, or
 * delete this cache.
 * @example
 * await caches.delete(MODEL_CACHE_NAME); // forget every cached model
 */
export const MODEL_CACHE_NAME = 'engram-models-v1';

/**
 * Options of {@link modelFiles}.
 * @example
 * modelFiles('/engram/use-lite/', { cache: false });
 */
export interface ModelFilesOptions {
  /** Keep fetched files in Cache Storage and read them from there next time (browser only; default true). */
  cache?: boolean;
  /** Called as bytes arrive (`stage: 'download'`, per file). */
  onLoadProgress?: (p: LoadProgress) => void;
}

/**
 * Reads named files under one base location.
 * @example
 * const vocab = await files.json('vocab.json');
 */
export interface ModelFiles {
  /** Absolute URL or path of the base, for messages. */
  readonly base: string;
  /** The bytes of `name` (relative to the base). */
  bytes(name: string): Promise<ArrayBuffer>;
  /** `name` parsed as JSON. */
  json(name: string): Promise<unknown>;
}

/**
 * Opens the files under `base`: an URL (relative to the page or Worker) in a
 * browser, a directory path or `file:` URL in Node (`http(s):` URLs are fetched
 * there too, without caching). Failures reject with `ModelLoadFailed`.
 * @param base - folder of the model's files, ending in `/`
 * @param options - caching and progress
 * @example
 * const files = modelFiles('/engram/use-lite/');
 * const manifest = await files.json('model.json');
 */
export function modelFiles(base: string, options: ModelFilesOptions = {}): ModelFiles {
  const withSlash = base.endsWith('/') ? base : base + '/';
  const node = isNode() && !/^https?:/i.test(withSlash);
  const abs = node ? withSlash : absoluteUrl(withSlash);
  const bytes = async (name: string): Promise<ArrayBuffer> => {
    try {
      return node
        ? await readNodeFile(abs, name)
        : await fetchCached(new URL(name, abs).href, name, options);
    } catch (e) {
      if (e instanceof EngramError) throw e;
      throw new EngramError('ModelLoadFailed', `Could not read ${name} from ${abs}: ${String(e)}`, {
        cause: e,
        details: { base: abs, file: name },
      });
    }
  };
  return {
    base: abs,
    bytes,
    async json(name) {
      const text = new TextDecoder().decode(await bytes(name));
      try {
        return JSON.parse(text) as unknown;
      } catch (e) {
        throw new EngramError('ModelLoadFailed', `${name} under ${abs} is not JSON.`, {
          cause: e,
          details: { base: abs, file: name },
        });
      }
    },
  };
}

async function readNodeFile(base: string, name: string): Promise<ArrayBuffer> {
  const fs = await importNode<typeof import('node:fs/promises')>('node:fs/promises');
  const url = await importNode<typeof import('node:url')>('node:url');
  const dir = base.startsWith('file:') ? url.fileURLToPath(base) : base;
  const buf = await fs.readFile(dir + name);
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

async function openCache(): Promise<Cache | undefined> {
  try {
    return await globalThis.caches?.open(MODEL_CACHE_NAME);
  } catch {
    return undefined; // no Cache Storage here (insecure or opaque origin): fetch every time
  }
}

async function fetchCached(
  url: string,
  file: string,
  options: ModelFilesOptions,
): Promise<ArrayBuffer> {
  const cache = options.cache === false ? undefined : await openCache();
  const hit = await cache?.match(url);
  if (hit) {
    const buf = await hit.arrayBuffer();
    options.onLoadProgress?.({
      stage: 'download',
      file,
      loaded: buf.byteLength,
      total: buf.byteLength,
    });
    return buf;
  }
  const res = await fetch(url);
  if (!res.ok) {
    throw new EngramError('ModelLoadFailed', `GET ${url}: HTTP ${res.status}`, {
      details: { url, status: res.status },
    });
  }
  const buf = await readWithProgress(res, file, options.onLoadProgress);
  if (cache) {
    const headers = { 'Content-Type': res.headers.get('Content-Type') ?? '' };
    await cache.put(url, new Response(buf.slice(0), { headers })).catch(() => {
      // A full quota only costs the next load a download.
    });
  }
  return buf;
}

async function readWithProgress(
  res: Response,
  file: string,
  onProgress: ((p: LoadProgress) => void) | undefined,
): Promise<ArrayBuffer> {
  const header = Number(res.headers.get('Content-Length'));
  const total = header > 0 ? header : undefined;
  if (!onProgress || !res.body) return res.arrayBuffer();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let reported = 0;
  onProgress({ stage: 'download', file, loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    if (loaded - reported >= PROGRESS_STEP) {
      reported = loaded;
      onProgress({ stage: 'download', file, loaded, total });
    }
  }
  onProgress({ stage: 'download', file, loaded, total: loaded });
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out.buffer;
}
