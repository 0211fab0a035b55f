// Loads the *built* package (dist/, Worker chunk included) in Chromium: catches
// packaging and worker-path bugs that source-level tests miss.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

beforeAll(() => {
  execFileSync('node_modules/.bin/vite', ['build', '--logLevel', 'error'], { stdio: 'inherit' });
}, 120_000);

test('the built engram.js opens a store in its Worker, adds, searches and reports coded errors', async () => {
  expect(existsSync('dist/engram.js')).toBe(true);
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const { Engram, ERROR_CODES } =
      await importSrc<typeof import('../../src/index')>('/dist/engram.js');
    const mem = await Engram.open({
      name: `built-${Date.now()}`,
      embedder: { type: 'hash', dim: 32 },
      backend: 'cpu',
    });
    await mem.add('the built package works', { userId: 'u' });
    await mem.add('something else entirely', { userId: 'u' });
    const top = (await mem.search('does the built package work', { userId: 'u', limit: 1 }))
      .results[0]?.memory;
    const code = await mem.add('').then(
      () => null,
      (e: { code?: string }) => e.code,
    );
    const inWorker = mem.inWorker;
    await mem.close();
    return { top, code, inWorker, codes: Object.keys(ERROR_CODES).length };
  });
  expect(r).toEqual({
    top: 'the built package works',
    code: 'EmptyText',
    inWorker: true,
    codes: expect.any(Number),
  });
  expect(r.codes).toBeGreaterThan(10);
});
