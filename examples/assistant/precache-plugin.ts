// Writes the precache list into the built service worker: every file of the build (page, JS
// chunks, the engine's Worker, tfjs' wasm, the USE-lite model that `engram/vite` emits), with a
// content hash as its revision. Runs after the build is written, so it sees every file, those
// of the Worker's own bundle and the plugin-emitted runtime files included.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Plugin } from 'vite';
import type { PrecacheEntry, PrecacheManifest } from './src/precache-types';

const MARK = '__ASSISTANT_PRECACHE__';

/** Files the app never loads: left out of the precache. */
const SKIP = (path: string) => path.endsWith('.map');

/**
 * Vite plugin: after the build, lists `outDir` and replaces `__ASSISTANT_PRECACHE__` in
 * `serviceWorker` (a file in `outDir`) with the {@link PrecacheManifest}.
 * @param serviceWorker - the service worker's file name in `outDir`
 */
export function precacheManifest(serviceWorker: string): Plugin {
  let outDir = '';
  return {
    name: 'assistant:precache-manifest',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    writeBundle() {
      const files: PrecacheEntry[] = [];
      for (const entry of readdirSync(outDir, { withFileTypes: true, recursive: true })) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        const url = relative(outDir, path).split(sep).join('/');
        if (url === serviceWorker || SKIP(url)) continue;
        const body = readFileSync(path);
        const revision = createHash('sha256').update(body).digest('hex').slice(0, 16);
        files.push({ url, revision, size: body.length });
      }
      files.sort((a, b) => a.url.localeCompare(b.url));
      const version = createHash('sha256')
        .update(files.map((f) => `${f.url} ${f.revision}`).join('\n'))
        .digest('hex')
        .slice(0, 16);
      const manifest: PrecacheManifest = { version, files };
      const swPath = join(outDir, serviceWorker);
      const code = readFileSync(swPath, 'utf8');
      if (!code.includes(MARK)) throw new Error(`${serviceWorker} lost ${MARK}`);
      writeFileSync(swPath, code.replaceAll(MARK, JSON.stringify(manifest)));
      const bytes = files.reduce((n, f) => n + f.size, 0);
      this.info(`precache: ${files.length} files, ${bytes} bytes (version ${version})`);
    },
  };
}
