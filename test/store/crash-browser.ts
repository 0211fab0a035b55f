// A Chromium of the test's own, on a persistent profile, that the test kills with
// SIGKILL (no close(), no unload, no flush): what a crash or an OOM kill does to a tab.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { CrashAck } from './crash-items';
import { indexedDbDirs } from './leveldb-tail';
// @ts-expect-error plain ESM helper without types
import { findChromium, CHROMIUM_ARGS } from '../../scripts/find-chromium.mjs';

/** A running browser on a profile, its page on the test server, and what the page acknowledged. */
export interface CrashableBrowser {
  context: BrowserContext;
  page: Page;
  /** The browser process (not a renderer or a utility process). */
  pid: number;
  acks: CrashAck[];
  /** When each acknowledgement arrived (ms since epoch). */
  ackTimes: number[];
  /** Resolves once `n` acknowledgements have arrived. */
  acked(n: number): Promise<void>;
  /** Resolves once the acknowledgements so far satisfy `done` (checked as each arrives). */
  until(done: (acks: readonly CrashAck[]) => boolean): Promise<void>;
}

/** A fresh, empty profile directory. */
export function newProfile(): string {
  return mkdtempSync(join(tmpdir(), 'engram-crash-'));
}

/** Deletes a profile directory. */
export function removeProfile(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Pids of every Chromium process started on `profile`, the browser process first. */
function profileProcesses(profile: string): { pid: number; browser: boolean }[] {
  const flag = `--user-data-dir=${profile}`;
  const out: { pid: number; browser: boolean }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    if (!args.includes(flag)) continue;
    out.push({ pid: Number(entry), browser: !args.some((a) => a.startsWith('--type=')) });
  }
  return out.sort((a, b) => Number(b.browser) - Number(a.browser));
}

/** Launches Chromium on `profile` and opens the blank test page; acknowledgements are collected. */
export async function launchOnProfile(profile: string): Promise<CrashableBrowser> {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium() as string,
    args: CHROMIUM_ARGS as string[],
    headless: true,
  });
  const browser = profileProcesses(profile).find((p) => p.browser);
  if (!browser) {
    await context.close();
    throw new Error(`no browser process found for profile ${profile} (is /proc readable?)`);
  }
  const acks: CrashAck[] = [];
  const ackTimes: number[] = [];
  const waiters: { done: (acks: readonly CrashAck[]) => boolean; resolve: () => void }[] = [];
  const page = context.pages()[0] ?? (await context.newPage());
  await page.exposeFunction('crashAck', (a: CrashAck) => {
    acks.push(a);
    ackTimes.push(Date.now());
    for (const w of waiters.filter((x) => x.done(acks))) w.resolve();
  });
  await page.goto(inject('baseUrl') + '/test/pages/blank.html');
  const until = (done: (acks: readonly CrashAck[]) => boolean) =>
    done(acks)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiters.push({ done, resolve }));
  return {
    context,
    page,
    pid: browser.pid,
    acks,
    ackTimes,
    acked: (n) => until((a) => a.length >= n),
    until,
  };
}

/**
 * SIGKILLs the browser process, then waits until every process of the profile
 * has gone (its children notice the dead parent and exit; stragglers after 10 s
 * are killed too, so the next launch finds the profile free).
 */
export async function killBrowser(b: CrashableBrowser, profile: string): Promise<void> {
  const closed = new Promise<void>((resolve) => b.context.once('close', () => resolve()));
  process.kill(b.pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const left = profileProcesses(profile);
    if (left.length === 0) break;
    if (Date.now() > deadline) {
      for (const p of left) process.kill(p.pid, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await closed;
}

/** Closes a browser normally (the end of a test). */
export async function closeBrowser(b: CrashableBrowser): Promise<void> {
  await b.context.close();
}

/**
 * The profile's IndexedDB directories as text: each file with its size, and the LevelDB
 * `LOG`/`LOG.old` files in full (what LevelDB did at its last opens: recovery, errors,
 * "Creating DB … since it was missing"). For a failure's report.
 */
export function indexedDbFiles(profile: string): string {
  const dirs = indexedDbDirs(profile);
  if (!dirs.length) return 'no IndexedDB directory';
  const out: string[] = [];
  for (const { name, path } of dirs) {
    out.push(`${name}:`);
    for (const f of readdirSync(path).sort()) {
      out.push(`  ${f} ${statSync(join(path, f)).size} B`);
      if (f === 'LOG' || f === 'LOG.old')
        out.push(
          ...readFileSync(join(path, f), 'utf8')
            .split('\n')
            .map((l) => `    ${l}`),
        );
    }
  }
  return out.join('\n');
}
