// The playground a person sees: open it, add memories, search, look at the result.
import { mkdirSync } from 'node:fs';
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

test('the playground loads the offline model, adds memories and finds them by meaning', async () => {
  const page = await openPage('/public/index.html');
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 120_000 });
  const status = await page.textContent('#status-text');
  expect(status).toMatch(/use-lite-512 \(512-d\)/);
  expect(status).toMatch(/search on (CPU|WebGPU)/);
  expect(status).toMatch(/in a Worker/);

  const facts = [
    'My sister Ana lives in Lisbon and works as an architect.',
    'I adopted a small grey kitten last week.',
    'The quarterly stock market report is due on Friday.',
  ];
  for (const fact of facts) {
    await page.fill('#add-text', fact);
    await page.click('#add-button');
    await page.waitForFunction(
      (t) => document.querySelector('#memories')?.textContent?.includes(t),
      fact,
    );
  }
  await page.fill('#search-text', 'my new pet cat');
  await page.fill('#search-limit', '3');
  await page.click('#search-button');
  await page.waitForSelector('#results li .score');
  const results = await page.$$eval('#results li', (lis) => lis.map((li) => li.textContent ?? ''));
  expect(results).toHaveLength(3);
  expect(results[0]).toContain('kitten');
  const scores = results.map((r) => Number(r.slice(0, 5)));
  expect(scores[0]).toBeGreaterThan(scores[2]!);

  // History of a memory from the list.
  await page.click('#memories li:first-child button:text("history")');
  await page.waitForSelector('#history li');
  expect(await page.textContent('#history li')).toContain('ADD');

  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/playground.png', fullPage: true });
  expect(await page.textContent('#error')).toBe('');
});
