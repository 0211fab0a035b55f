// What the service worker precaches and what it tells the page while it does.

/** One file of the build, as the service worker precaches it. */
export interface PrecacheEntry {
  /** Path relative to the service worker's scope (the app's folder), e.g. `assets/main-1a2b.js`. */
  url: string;
  /** First 16 hex digits of the file's SHA-256: a changed file gets a new revision. */
  revision: string;
  /** Bytes. */
  size: number;
}

/** The build's precache list, written into the service worker. */
export interface PrecacheManifest {
  /** Hash of every file's path and revision: the name of this build's cache. */
  version: string;
  files: PrecacheEntry[];
}

/** Messages the service worker posts to the app's pages. */
export type PrecacheMessage =
  | { type: 'precache'; files: number; totalFiles: number; bytes: number; totalBytes: number }
  | { type: 'activated'; cache: string };
