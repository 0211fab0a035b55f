// Page-memory settings (kept in chrome.storage.local) and the allow-list check.
/// <reference types="chrome" />

/** What the options page sets. */
export interface Settings {
  /** Remember pages (title, URL, first paragraph) of the sites in `allowList`; off by default. */
  pageMemory: boolean;
  /** Host names; each also allows its subdomains (`example.com` allows `docs.example.com`). */
  allowList: string[];
}

const KEY = 'settings';
const DEFAULTS: Settings = { pageMemory: false, allowList: [] };

/** The stored settings (defaults where none were saved). */
export async function loadSettings(): Promise<Settings> {
  const stored = (await chrome.storage.local.get(KEY))[KEY] as Partial<Settings> | undefined;
  return { ...DEFAULTS, ...stored };
}

/** Saves the settings, the allow-list cleaned (see {@link parseAllowList}). */
export async function saveSettings(settings: Settings): Promise<Settings> {
  const clean = { pageMemory: settings.pageMemory, allowList: parseAllowList(settings.allowList) };
  await chrome.storage.local.set({ [KEY]: clean });
  return clean;
}

/**
 * Allow-list entries as host names: lower case, without scheme, `*.`, port or path; empty
 * and duplicate entries dropped. Accepts lines as typed (`https://Example.com/blog` → `example.com`).
 */
export function parseAllowList(lines: string[]): string[] {
  const hosts = lines
    .map((l) =>
      l
        .trim()
        .toLowerCase()
        .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
        .replace(/^\*\./, '')
        .replace(/[/?#].*$/, '')
        .replace(/:\d+$/, '')
        .replace(/\.$/, ''),
    )
    .filter((h) => h.length > 0);
  return [...new Set(hosts)];
}

/** True when `url` is an http(s) page of a host in `allowList` or a subdomain of one. */
export function isAllowed(url: string, allowList: string[]): boolean {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    host = u.hostname.toLowerCase();
  } catch {
    return false;
  }
  return parseAllowList(allowList).some((h) => host === h || host.endsWith('.' + h));
}
