// The offline assistant (examples/assistant), built with Vite from the repository's source and
// served on 127.0.0.1, in headless Chromium on the real default embedder (USE-lite, in the
// engine's Worker): the first visit installs the service worker, which precaches every file of
// the build; the chat shows what add() did; then, with the network off, a reload still loads
// the app, which still remembers (an UPDATE, with its history) and answers from search().
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ChatMessage } from '../../examples/assistant/src/llm';
import type { PrecacheManifest } from '../../examples/assistant/src/precache-types';
import { newContext } from '../helpers/browser';
import { serveStatic, type StaticServer } from '../helpers/static-server';

const app = resolve('examples/assistant');
const dist = join(app, 'dist');
let server: StaticServer;
let buildSeconds = 0;

beforeAll(async () => {
  const t0 = performance.now();
  execFileSync(
    process.execPath,
    [resolve('node_modules/vite/bin/vite.js'), 'build', app, '--logLevel', 'error'],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  buildSeconds = (performance.now() - t0) / 1000;
  server = await serveStatic(dist);
});

afterAll(() => server?.close());

/** The precache list the build wrote into sw.js. */
function builtManifest(): PrecacheManifest {
  const code = readFileSync(join(dist, 'sw.js'), 'utf8');
  const json = /\{"version":"[0-9a-f]+","files":\[.*?\]\}/.exec(code)?.[0];
  if (!json) throw new Error('no precache list in dist/sw.js');
  return JSON.parse(json) as PrecacheManifest;
}

/** Types `text` into the chat and returns the assistant's reply to it. */
async function say(page: Page, text: string) {
  const replies = page.locator('#messages li.assistant');
  const before = await replies.count();
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
  const reply = replies.nth(before);
  await reply.waitFor({ timeout: 60_000 });
  return {
    events: await reply.locator('.events .event').allTextContents(),
    text: (await reply.textContent()) ?? '',
    by: (await reply.locator('.answer').count())
      ? await reply.locator('.answer').getAttribute('data-by')
      : null,
    history: () => reply.locator('[data-history]').first().click(),
  };
}

async function whenReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-engine="ready"]', { timeout: 240_000 });
}

test('the assistant works offline after the first visit: add (ADD/UPDATE/NOOP), history, search, llm hook', async () => {
  const { url, sent } = server;
  server.down = false;
  const manifest = builtManifest();
  const precacheBytes = manifest.files.reduce((n, f) => n + f.size, 0);
  const context = await newContext();
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  // First visit: the page waits for the service worker to precache everything and take control.
  const t0 = performance.now();
  await page.goto(url + '/');
  await whenReady(page);
  const firstVisit = (performance.now() - t0) / 1000;
  expect(await page.getAttribute('body', 'data-offline')).toBe('controlled');
  const cached = await page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith('assistant-precache-'));
    const urls = names.length === 1 ? await (await caches.open(names[0]!)).keys() : [];
    return {
      names,
      urls: urls.map((r) => new URL(r.url).pathname.slice(1)).sort(),
      controlled: !!navigator.serviceWorker.controller,
      state: (await navigator.serviceWorker.ready).active?.state,
    };
  });
  expect(cached.controlled).toBe(true);
  expect(cached.state).toBe('activated');
  expect(cached.names).toEqual([`assistant-precache-${manifest.version}`]);
  expect(cached.urls).toEqual(manifest.files.map((f) => f.url).sort());
  // The precache holds the app shell, the engine's Worker, tfjs' wasm and the model…
  const has = (pred: (u: string) => boolean) => manifest.files.some((f) => pred(f.url));
  expect(has((u) => u === 'index.html')).toBe(true);
  expect(has((u) => u === 'manifest.webmanifest')).toBe(true);
  expect(has((u) => /^assets\/worker-.*\.js$/.test(u))).toBe(true);
  expect(has((u) => u === 'engram/tfjs-wasm/tfjs-backend-wasm-simd.wasm')).toBe(true);
  expect(has((u) => u === 'engram/use-lite/model.json')).toBe(true);
  expect(has((u) => /transformers\.web|ort-wasm/.test(u))).toBe(false);
  // …and the engine read the model through it: each model file crossed the network once.
  for (const f of manifest.files.filter((f) => f.url.startsWith('engram/use-lite/')))
    expect(sent.get('/' + f.url), f.url).toBe(statSync(join(dist, f.url)).size);

  const berlin = await say(page, 'I live in Berlin with my cat Mochi');
  expect(berlin.events).toEqual(['ADD']);
  expect((await say(page, 'My sister Ana lives in Lisbon')).events).toEqual(['ADD']);
  expect((await say(page, 'The dentist appointment is at 3pm on Friday')).events).toEqual(['ADD']);
  const moved = await say(page, 'The dentist appointment is at 5pm on Friday');
  expect(moved.events).toEqual(['UPDATE']);
  expect(moved.text).toContain('The dentist appointment is at 3pm on Friday');
  expect((await say(page, 'I live in Berlin with my cat Mochi')).events).toEqual(['NOOP']);
  const cat = await say(page, 'what do you know about my cat?');
  expect(cat.by).toBe('template');
  expect(cat.text).toContain('Here is what I know about my cat');
  expect(cat.text).toContain('I live in Berlin with my cat Mochi');

  // Network off, and the server drops whatever still reaches it (the browser's own update
  // check of sw.js is not held back by setOffline).
  const sentOnline = new Map(sent);
  await context.setOffline(true);
  server.down = true;
  await page.reload();
  await whenReady(page);
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  expect(await page.textContent('#network')).toBe('offline');
  expect(await page.getAttribute('body', 'data-offline')).toBe('controlled');
  // What was said before the reload is still there.
  expect(await page.locator('#memories li').allTextContents()).toHaveLength(3);

  const paris = await say(page, 'I live in Paris with my cat Mochi');
  expect(paris.events).toEqual(['UPDATE']);
  expect(paris.text).toContain('I live in Berlin with my cat Mochi');
  await paris.history();
  await page.waitForSelector('#history-panel:not([hidden]) #history li');
  const history = await page.locator('#history li').allTextContents();
  expect(history.map((h) => h.split(' ')[0])).toEqual(['ADD', 'UPDATE']);
  expect(history[1]).toContain('I live in Berlin with my cat Mochi');
  expect(history[1]).toContain('I live in Paris with my cat Mochi');
  const timeline = await page.locator('#timeline li').allTextContents();
  expect(timeline[0]).toContain('UPDATE');
  expect(timeline[0]).toContain('Paris');
  // Newest first: Berlin → Paris, 3pm → 5pm, the three ADDs (the NOOP wrote nothing).
  expect(await page.locator('#timeline .event').allTextContents()).toEqual([
    'UPDATE',
    'UPDATE',
    'ADD',
    'ADD',
    'ADD',
  ]);
  expect((await say(page, 'I started learning Portuguese')).events).toEqual(['ADD']);

  const sister = await say(page, 'what do you know about my sister?');
  expect(sister.text).toContain('My sister Ana lives in Lisbon');
  expect(sister.text).not.toContain('dentist');
  await page.fill('#search-input', 'my cat Mochi');
  await page.press('#search-input', 'Enter');
  await page.waitForSelector('#search-results li');
  const found = await page.locator('#search-results li').allTextContents();
  expect(found[0]).toContain('I live in Paris with my cat Mochi');
  // The version it replaced is history, not a search result.
  expect(found.filter((f) => f.includes('Berlin'))).toEqual([]);

  // A model plugged into the llm slot answers from the retrieved memories, and decides what
  // add() stores (Engram's llm hook: extract facts, then ADD/UPDATE/DELETE/NONE).
  await page.evaluate(() => {
    const seen: ChatMessage[][] = [];
    (window as unknown as { llmSeen: ChatMessage[][] }).llmSeen = seen;
    const reply = (content: string) => ({ choices: [{ message: { content } }] });
    window.assistant.setLlm({
      chat: {
        completions: {
          async create(request) {
            seen.push(request.messages);
            const system = request.messages[0]!.content;
            if (system.startsWith('Extract'))
              return reply(JSON.stringify({ facts: ['I own a red bicycle'] }));
            if (system.startsWith('You manage'))
              return reply(
                'Sure:\n```json\n' +
                  JSON.stringify({
                    memory: [{ id: '0', text: 'I own a red bicycle', event: 'ADD' }],
                  }) +
                  '\n```',
              );
            return reply(`model reply #${seen.length}`);
          },
        },
      },
    });
  });
  const seen = () =>
    page.evaluate(() => (window as unknown as { llmSeen: ChatMessage[][] }).llmSeen);
  const asked = await say(page, 'where do I live?');
  expect(asked.by).toBe('llm');
  expect(asked.text).toContain('model reply #1');
  const [prompt] = await seen();
  expect(prompt!.map((m) => m.role)).toEqual(['system', 'user']);
  expect(prompt![0]!.content).toContain('I live in Paris with my cat Mochi');
  expect(prompt![1]!.content).toBe('where do I live?');
  // Stored in the model's words, not the user's: the hook was used (in the engine's Worker).
  const bike = await say(page, 'Got myself a bike today, a red one');
  expect(bike.events).toEqual(['ADD']);
  expect(bike.text).toContain('I own a red bicycle');
  const calls = await seen();
  expect(calls.map((c) => c[0]!.content.split(' ')[0])).toEqual(['You', 'Extract', 'You']);
  expect(calls[1]![1]!.content).toBe('Got myself a bike today, a red one');
  expect(calls[2]![1]!.content).toContain('"facts":["I own a red bicycle"]');
  expect(await page.locator('#memories li').allTextContents()).toContainEqual(
    expect.stringContaining('I own a red bicycle'),
  );

  await page.screenshot({ path: 'test-results/assistant.png', fullPage: true });
  expect(pageErrors).toEqual([]);
  // Offline, the server answered nothing, and only the service worker's update check reached
  // it; no request ever left 127.0.0.1.
  expect(new Map(sent)).toEqual(sentOnline);
  expect(server.refused.filter((p) => p !== '/sw.js')).toEqual([]);
  expect(requests.filter((u) => !u.startsWith(url + '/'))).toEqual([]);
  console.log(
    `assistant: build ${buildSeconds.toFixed(1)} s; first visit to ready ${firstVisit.toFixed(1)} s; ` +
      `precache ${manifest.files.length} files, ${precacheBytes} bytes; ` +
      `${requests.length} requests (all to 127.0.0.1)`,
  );
  await context.close();
});
