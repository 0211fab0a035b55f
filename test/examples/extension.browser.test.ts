// The Manifest V3 extension of examples/extension, built and loaded unpacked into Chromium with a
// persistent profile: selections remembered on a local page through the service worker's
// handlers, opt-in page memory for an allow-listed site, a browser restart, then search and
// erase from the popup, on the packaged USE-lite model in the offscreen document's Worker.
/// <reference types="chrome" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  chromium,
  type BrowserContext,
  type ConsoleMessage,
  type Page,
  type Worker,
} from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ExtensionHandlers } from '../../examples/extension/src/background';
import type {
  EngineOps,
  EngineOp,
  EngineRequest,
  MemoryView,
  Reply,
} from '../../examples/extension/src/messages';
import { run } from '../helpers/child-process';
import { serveStatic, type StaticServer } from '../helpers/static-server';
import { treeBytes } from '../helpers/tree-bytes';
// @ts-expect-error plain ESM helper without types
import { findChromium, CHROMIUM_ARGS } from '../../scripts/find-chromium.mjs';

const repo = resolve('.');
const extension = join(repo, 'examples/extension/dist');
const profile = mkdtempSync(join(tmpdir(), 'engram-extension-'));
const screenshot = join(repo, 'test-results/extension-popup.png');
let site: StaticServer;
let buildMs = 0;

beforeAll(async () => {
  const t = performance.now();
  run(process.execPath, ['examples/extension/build.mjs'], repo);
  buildMs = performance.now() - t;
  site = await serveStatic(join(repo, 'test/fixtures/extension-site'));
});

afterAll(async () => {
  await site?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Chromium with the unpacked extension on the test's profile; its service worker and id. */
async function launch(): Promise<{ ctx: BrowserContext; sw: Worker; id: string }> {
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium() as string,
    headless: true,
    args: [
      ...(CHROMIUM_ARGS as string[]),
      '--headless=new',
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
    ],
  });
  const sw = ctx.serviceWorkers()[0] ?? (await ctx.waitForEvent('serviceworker'));
  // What the extension's pages and service worker print, shown when a step times out.
  const keep = (where: string) => (m: ConsoleMessage) =>
    consoleLines.push(`${where} ${m.type()}: ${m.text()}`);
  ctx.on('console', (m) => keep(m.page()?.url() ?? 'context')(m));
  sw.on('console', keep('service worker'));
  return { ctx, sw, id: new URL(sw.url()).host };
}

/** Console output of the extension during this test, in order. */
const consoleLines: string[] = [];

/** Sends a request to the engine from an extension page, through the service worker. */
async function ask<K extends EngineOp>(
  page: Page,
  request: { op: K } & EngineOps[K]['request'],
): Promise<EngineOps[K]['result']> {
  const reply = await page.evaluate(
    (request) =>
      chrome.runtime.sendMessage({ to: 'router', request }) as Promise<Reply<unknown> | undefined>,
    request as EngineRequest,
  );
  if (!reply?.ok) throw new Error(`engine: ${JSON.stringify(reply)}`);
  return reply.value as EngineOps[K]['result'];
}

/** Selects the element `#id` of the page; returns the selected text as the page gives it. */
function select(page: Page, id: string): Promise<string> {
  return page.evaluate((id) => {
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(id)!);
    const selection = window.getSelection()!;
    selection.removeAllRanges();
    selection.addRange(range);
    return selection.toString();
  }, id);
}

/**
 * Runs the handler Chrome calls for the keyboard command, or for a click on "Remember
 * selection" in the context menu (with the text Chrome would pass), on the tab showing `pageUrl`.
 */
function trigger(
  sw: Worker,
  how: 'command' | 'menu',
  pageUrl: string,
  selectionText = '',
): Promise<Reply<unknown> | undefined> {
  return sw.evaluate(
    async ({ how, pageUrl, selectionText }) => {
      const tab = (await chrome.tabs.query({})).find((t) => t.url === pageUrl);
      const handlers = (globalThis as unknown as { engramExtension: ExtensionHandlers })
        .engramExtension;
      return how === 'command'
        ? handlers.onCommand('remember-selection', tab)
        : handlers.onMenuClicked(
            { menuItemId: 'remember-selection', selectionText, pageUrl, editable: false },
            tab,
          );
    },
    { how, pageUrl, selectionText },
  );
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

test('the extension remembers selections and allow-listed pages, keeps them across a restart, and finds and erases them from its popup', async () => {
  const timings: Record<string, number> = { build: buildMs };
  const at = performance.now();
  const lap = (name: string, since: number) => (timings[name] = performance.now() - since);

  // --- First run: remember three selections and one page. ---
  let t = performance.now();
  let { ctx, sw, id } = await launch();
  const control = await ctx.newPage();
  await control.goto(`chrome-extension://${id}/popup.html`);
  const first = await ask(control, { op: 'status' });
  lap('firstOpen', t);
  // The packaged offline model, in the engine's Worker inside the offscreen document.
  expect(first).toMatchObject({ embedderId: 'use-lite-512', dim: 512, inWorker: true, count: 0 });
  expect(first.workerError).toBeUndefined();
  const contexts = await sw.evaluate(async () =>
    (await chrome.runtime.getContexts({})).map((c) => c.contextType),
  );
  expect(contexts).toContain('OFFSCREEN_DOCUMENT');
  // The shortcut is registered; a key press synthesized by the test does not reach Chrome's
  // command shortcuts (tried: nothing stored), so the test calls the command's handler.
  const commands = await sw.evaluate(() => chrome.commands.getAll());
  expect(commands).toContainEqual(
    expect.objectContaining({ name: 'remember-selection', shortcut: 'Alt+Shift+M' }),
  );

  t = performance.now();
  const notesUrl = `${site.url}/notes.html`;
  const page = await ctx.newPage();
  await page.goto(notesUrl);
  const selected: Record<string, string> = {};
  const remember = async (el: string, how: 'command' | 'menu') => {
    selected[el] = oneLine(await select(page, el));
    const reply = await trigger(sw, how, notesUrl, how === 'menu' ? selected[el] : '');
    expect(reply, el).toMatchObject({
      ok: true,
      value: { text: selected[el], kind: 'selection', url: notesUrl, title: 'Field notes' },
    });
  };
  await remember('eiffel', 'command');
  await remember('photosynthesis', 'command');
  // Chrome stops an idle service worker: stop it (DevTools protocol), and the restarted one
  // (its globals gone) routes to the same engine, still open in the offscreen document.
  await sw.evaluate(() => Object.assign(globalThis, { marker: 1 }));
  const devtools = await ctx.newCDPSession(control);
  await devtools.send('ServiceWorker.enable');
  await devtools.send('ServiceWorker.stopAllWorkers');
  expect(await ask(control, { op: 'status' })).toMatchObject({ openMs: first.openMs, count: 2 });
  expect(await sw.evaluate(() => (globalThis as { marker?: number }).marker)).toBeUndefined();
  await remember('borrow', 'menu');
  expect(selected.photosynthesis).toMatch(/^Photosynthesis turns sunlight/);
  // Nothing selected: the command stores nothing.
  await page.evaluate(() => window.getSelection()!.removeAllRanges());
  expect(await trigger(sw, 'command', notesUrl)).toBeUndefined();
  lap('selections', t);

  // Page memory is opt-in: a page opened while it is off is not read.
  t = performance.now();
  await page.goto(`${site.url}/tides.html`);
  const options = await ctx.newPage();
  await options.goto(`chrome-extension://${id}/options.html`);
  await options.check('#page-memory');
  await options.fill('#allow-list', 'http://127.0.0.1/\n\n');
  await options.click('button[type=submit]');
  await expect.poll(() => options.textContent('#saved')).toMatch(/pages of 1 site/);
  expect(await options.inputValue('#allow-list')).toBe('127.0.0.1');
  // A host not on the list (the same server, named localhost) is not read either.
  await page.goto(`${site.url.replace('127.0.0.1', 'localhost')}/volcanoes.html`);
  await page.goto(`${site.url}/glaciers.html`);
  const pages = async () =>
    (await ask(control, { op: 'recent' })).filter((m: MemoryView) => m.kind === 'page');
  await expect.poll(async () => (await pages()).length, { timeout: 60_000 }).toBeGreaterThan(0);
  const [glaciers, ...otherPages] = await pages();
  expect(otherPages).toEqual([]);
  expect(glaciers).toMatchObject({ url: `${site.url}/glaciers.html`, title: 'Glaciers' });
  // Title, then the first paragraph of some length (not the nav line, not the second paragraph).
  expect(glaciers!.text).toMatch(/^Glaciers\nGlaciers form where more snow falls/);
  expect(glaciers!.text).not.toMatch(/Home|second paragraph/);
  lap('pageMemory', t);
  expect((await ask(control, { op: 'status' })).count).toBe(4);
  await ctx.close();

  // --- Restart on the same profile: the popup finds what was remembered. ---
  t = performance.now();
  ({ ctx, sw, id } = await launch());
  const popup = await ctx.newPage();
  await popup.setViewportSize({ width: 410, height: 640 });
  const popupUrl = `chrome-extension://${id}/popup.html`;
  // Once in six runs on the loaded machine this first navigation after the restart failed
  // (cause not captured): it is retried once, and the reason logged.
  await popup.goto(popupUrl).catch(async (e: unknown) => {
    console.log(`extension: popup navigation after restart failed once: ${String(e)}`);
    await popup.goto(popupUrl);
  });
  // Ready, or an error in the status line (the assertion below then shows it).
  await popup
    .locator('body[data-ready="true"], #status.error')
    .first()
    .waitFor({ timeout: 120_000 })
    .catch((e: unknown) => {
      throw new Error(`popup not ready after restart: ${String(e)}\n${consoleLines.join('\n')}`);
    });
  lap('reopen', t);
  expect(await popup.textContent('#status'), consoleLines.join('\n')).toMatch(
    /^4 memories · use-lite-512 on (CPU|WEBGPU)/,
  );
  const recentTexts = await popup.locator('#recent li.memory .text').allTextContents();
  // Newest first.
  expect(recentTexts).toEqual([
    glaciers!.text,
    selected.borrow,
    selected.photosynthesis,
    selected.eiffel,
  ]);

  t = performance.now();
  const search = async (q: string) => {
    await popup.fill('#query', q);
    await popup.press('#query', 'Enter');
    await popup.locator('#results-section[data-state="done"]').waitFor();
    return popup.locator('#results li.memory .text').allTextContents();
  };
  // Paraphrases sharing few words with the memory they ask for.
  expect((await search('when was the tower in Paris built?'))[0]).toBe(selected.eiffel);
  expect((await search('memory safety of references in Rust'))[0]).toBe(selected.borrow);
  expect((await search('how do plants make sugar from light'))[0]).toBe(selected.photosynthesis);
  lap('searches', t);
  mkdirSync(join(repo, 'test-results'), { recursive: true });
  await popup.screenshot({ path: screenshot, fullPage: true });
  const png = readFileSync(screenshot);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect(png.readUInt32BE(16)).toBe(410); // width from the IHDR chunk
  expect(png.readUInt32BE(20)).toBeGreaterThanOrEqual(640);
  expect(statSync(screenshot).size).toBeGreaterThan(20_000);

  // Erase from the popup: the memory leaves the results, the recent list and the store.
  t = performance.now();
  await popup
    .locator('#results li.memory', { hasText: 'Photosynthesis' })
    .locator('button.erase')
    .click();
  await expect
    .poll(() => popup.locator('#recent li.memory', { hasText: 'Photosynthesis' }).count())
    .toBe(0);
  expect(await popup.textContent('#status')).toMatch(/^3 memories/);
  expect(await search('how do plants make sugar from light')).not.toContain(
    selected.photosynthesis,
  );
  const left = (await ask(popup, { op: 'recent' })).map((m: MemoryView) => m.text);
  expect(left).toEqual([glaciers!.text, selected.borrow, selected.eiffel]);
  lap('erase', t);
  await ctx.close();
  timings.total = performance.now() - at;

  console.log(
    `extension: ${(treeBytes(extension) / 1e6).toFixed(1)} MB unpacked; ` +
      `first open ${first.openMs} ms (${first.backend}, WebGPU adapter ${first.gpuAdapter}); ` +
      Object.entries(timings)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', '),
  );
});
