// The playground as a memory inspector: one test per panel fills nothing itself — the store is
// filled once through the page's own Engram (hash embedder, in its Worker) — opens the panel,
// checks its DOM against the API and saves a screenshot (test-results/, git-ignored).
import { mkdirSync, statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openPage } from '../helpers/browser';
import type { Engram, Memory, SearchResult } from '../../src/index';

declare global {
  var engram: Engram;
}

const HOME_FROM = Date.UTC(2024, 0, 10);
const HOME_MOVED = Date.UTC(2024, 5, 1);
const INPUT = [
  {
    text: 'I live in Berlin with my cat Mochi',
    userId: 'ada',
    runId: 'chat-1',
    eventTime: HOME_FROM,
  },
  { text: 'Mochi the cat sleeps on the sofa all day', userId: 'ada', runId: 'chat-1' },
  { text: 'Ada is allergic to peanuts', userId: 'ada', runId: 'chat-1' },
  {
    text: 'Bob plays the cello on Sundays',
    userId: 'bob',
    agentId: 'helper',
    runId: 'chat-2',
    link: true,
  },
  {
    text: 'Bob plays the cello in an orchestra on Sundays',
    userId: 'bob',
    agentId: 'helper',
    runId: 'chat-2',
    link: true,
  },
];
const MOVED = 'I live in Paris with my cat Mochi';

let page: Page;
let ids: string[];
const started = Date.now();

beforeAll(async () => {
  page = await openPage(`/public/index.html?embedder=hash&store=inspector-${crypto.randomUUID()}`);
  await page.setViewportSize({ width: 1200, height: 900 });
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 120_000 });
  ids = await page.evaluate(
    async ({ input, moved, movedAt }) => {
      const { results } = await engram.addMany(input);
      const ids = results.map((r) => r.id);
      await engram.update(ids[0]!, moved, { eventTime: movedAt });
      await engram.reinforce(ids[2]!);
      await engram.reinforce(ids[2]!);
      return ids;
    },
    { input: INPUT, moved: MOVED, movedAt: HOME_MOVED },
  );
  await page.reload();
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 120_000 });
  mkdirSync('test-results', { recursive: true });
});

afterAll(async () => {
  expect(await page.textContent('#error')).toBe('');
});

async function openPanel(name: string): Promise<void> {
  await page.click(`#tabs button[data-panel="${name}"]`);
  await page.waitForSelector(`#panel[data-panel="${name}"]`);
}

async function inspect(id: string, panel: string): Promise<void> {
  await page.click(`#memories li[data-id="${id}"] button:text("inspect")`);
  await openPanel(panel);
}

/** Screenshot of the inspector, checked to be written now. */
async function shot(name: string): Promise<void> {
  const path = `test-results/inspector-${name}.png`;
  await page.locator('#inspector').screenshot({ path });
  const st = statSync(path);
  expect(st.size).toBeGreaterThan(2000);
  expect(st.mtimeMs).toBeGreaterThanOrEqual(started - 1000);
}

const attr = (sel: string, name: string) =>
  page.$$eval(sel, (els, n) => els.map((e) => e.getAttribute(n) ?? ''), name);

test('scopes panel: every user, agent and run with its count; choosing one filters the list', async () => {
  await openPanel('scopes');
  const rows = await page.$$eval('#scope-table tr[data-count]', (trs) =>
    trs.map((tr) => `${tr.dataset.field}=${tr.dataset.value}:${tr.dataset.count}`),
  );
  const expected = new Map<string, number>();
  for (const m of INPUT)
    for (const f of ['userId', 'agentId', 'runId'] as const)
      if (m[f]) expected.set(`${f}=${m[f]}`, (expected.get(`${f}=${m[f]}`) ?? 0) + 1);
  expect(rows[0]).toBe(`=:${INPUT.length}`); // 'all'
  expect(new Set(rows.slice(1))).toEqual(new Set([...expected].map(([k, n]) => `${k}:${n}`)));
  expect(rows.length).toBe(expected.size + 1);
  await page.click('#scope-table tr[data-field="userId"][data-value="bob"]');
  await page.waitForFunction(() => document.querySelectorAll('#memories li').length === 2);
  expect(await page.textContent('#memories')).toContain('cello');
  await shot('scopes');
  await page.click('#scope-table tr[data-field=""]');
  await page.waitForFunction(
    (n) => document.querySelectorAll('#memories li').length === n,
    INPUT.length,
  );
});

test('timeline panel: the superseded and the current version with valid and recorded times', async () => {
  await inspect(ids[0]!, 'timeline');
  await page.waitForSelector('#timeline li');
  const api = await page.evaluate((id) => engram.get(id), ids[0]!);
  const rows = await page.$$eval('#timeline li', (lis) =>
    lis.map((li): Record<string, string> => ({
      ...(li.dataset as Record<string, string>),
      cls: li.className,
      text: li.textContent ?? '',
    })),
  );
  expect(rows).toHaveLength(2);
  const [v1, v2] = rows;
  expect(v1).toMatchObject({ cls: 'superseded', version: '1', validFrom: String(HOME_FROM) });
  expect(v1!.validTo).toBe(String(HOME_MOVED));
  expect(v1!.supersededAt).toBe(String(api.recordedAt));
  expect(v1!.text).toContain('Berlin');
  expect(v1!.text).toContain('valid 2024-01-10 00:00 → 2024-06-01 00:00');
  expect(v2).toMatchObject({
    cls: 'current',
    version: '2',
    validFrom: String(HOME_MOVED),
    validTo: '',
  });
  expect(v2!.recordedAt).toBe(String(api.recordedAt));
  expect(v2!.supersededAt).toBe('');
  expect(v2!.text).toContain('Paris');
  expect(v2!.text).toContain(
    `recorded ${new Date(api.recordedAt).toISOString().slice(0, 16).replace('T', ' ')} → now`,
  );
  expect(await page.$$eval('#timeline-chart rect', (r) => r.length)).toBe(4);
  await shot('timeline');
});

test('versions panel: the memory history as the API gives it', async () => {
  await inspect(ids[0]!, 'versions');
  await page.waitForSelector('#history li');
  const api = await page.evaluate((id) => engram.history(id), ids[0]!);
  expect(await attr('#history li', 'data-event')).toEqual(api.map((h) => h.event));
  expect(await attr('#history li', 'data-version')).toEqual(api.map((h) => String(h.version)));
  expect(api.map((h) => h.event)).toEqual(['ADD', 'UPDATE']);
  const text = await page.textContent('#history');
  expect(text).toContain('Berlin');
  expect(text).toContain('Paris');
  await shot('versions');
});

test('links panel: the selected memory, what it links to, and the links among them', async () => {
  await inspect(ids[3]!, 'links');
  await page.waitForSelector('#link-graph');
  const api = await page.evaluate(async (id) => {
    const related = (await engram.related(id, { depth: 2, limit: 12 })).results.map((r) => r.id);
    const adj = await engram.links([id, ...related]);
    return { related, adj };
  }, ids[3]!);
  expect(api.related).toContain(ids[4]); // the two cello memories are close enough to link
  expect(new Set(await attr('#link-graph g[data-id]', 'data-id'))).toEqual(
    new Set([ids[3]!, ...api.related]),
  );
  const nodes = new Set([ids[3]!, ...api.related]);
  const edges = Object.entries(api.adj).flatMap(([from, list]) =>
    list.filter((l) => from < l.id && nodes.has(l.id)).map((l) => `${from}>${l.id}`),
  );
  const drawn = await page.$$eval('#link-graph line', (ls) =>
    ls.map((l) => `${l.getAttribute('data-from')}>${l.getAttribute('data-to')}`),
  );
  expect(drawn.sort()).toEqual(edges.sort());
  expect(drawn.length).toBeGreaterThan(0);
  await shot('links');
});

test('retention panel: a forgetting curve per memory, the reinforced one above', async () => {
  await openPanel('retention');
  await page.waitForSelector('#retention-list li');
  const api = await page.evaluate(async () => (await engram.getAll()).results);
  const strength = new Map(api.map((m: Memory) => [m.id, String(m.strength)]));
  const rows = await page.$$eval('#retention-list li', (lis) =>
    lis.map((li) => [li.dataset.id!, li.dataset.strength!] as [string, string]),
  );
  expect(new Map(rows)).toEqual(strength);
  // At +30 days the curve of the memory reinforced twice is higher (smaller y) than the rest.
  const lastY = await page.$$eval('#retention-chart polyline', (ps) =>
    Object.fromEntries(
      ps.map((p) => [
        p.getAttribute('data-id'),
        Number(p.getAttribute('points')!.split(' ').at(-1)!.split(',')[1]),
      ]),
    ),
  );
  expect(Object.keys(lastY)).toHaveLength(api.length);
  for (const id of ids) if (id !== ids[2]) expect(lastY[ids[2]!]!).toBeLessThan(lastY[id]!);
  expect(Number(strength.get(ids[2]!))).toBeGreaterThan(Number(strength.get(ids[1]!)));
  await shot('retention');
});

test('explain panel: each stage contribution and score equal the API explanation', async () => {
  const query = 'where does my cat sleep?';
  await page.fill('#search-text', query);
  await page.fill('#search-limit', '4');
  await page.click('#search-button');
  await page.waitForSelector('#results li .score');
  await openPanel('explain');
  await page.waitForSelector('#explain-table');
  const api: SearchResult[] = await page.evaluate(
    async (q) => (await engram.search(q, { limit: 4, explain: true, reinforce: false })).results,
    query,
  );
  const cells = await page.$$eval('#explain-table td[data-id]', (tds) =>
    tds.map((td) => ({
      stage: td.parentElement!.dataset.stage!,
      id: td.dataset.id!,
      value: td.dataset.value!,
    })),
  );
  const expected = api.flatMap((r) => [
    ...r.explanation!.stages.map((s) => ({
      stage: s.stage,
      id: r.id,
      value: String(s.contribution),
    })),
    { stage: 'score', id: r.id, value: String(r.score) },
  ]);
  const key = (c: { stage: string; id: string }) => `${c.stage}/${c.id}`;
  expect(new Map(cells.map((c) => [key(c), c.value]))).toEqual(
    new Map(expected.map((c) => [key(c), c.value])),
  );
  expect(api[0]!.memory).toContain('sofa');
  expect(await page.textContent('#explain-mode')).toContain('hybrid');
  await shot('explain');
});

test('import/export panel: the export is the API export; imported into the emptied store, the memories are back', async () => {
  await openPanel('transfer');
  await page.evaluate(() => engram.flush()); // the recalls of the searches above, written now
  await page.click('#export-button');
  await page.waitForSelector('#transfer-summary[data-lines]');
  const api = await page.evaluate(async () => {
    const reader = (await engram.export()).getReader();
    let out = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
    return out;
  });
  // Line for line the API's export, but for the header's exportedAt.
  const stamp = (jsonl: string) => jsonl.replace(/"exportedAt":\d+/, '"exportedAt":0');
  const shown = await page.inputValue('#transfer-text');
  expect(stamp(shown)).toBe(stamp(api));
  expect(shown.split('\n').filter(Boolean).length).toBeGreaterThan(INPUT.length + 1);
  expect(await page.getAttribute('#transfer-summary', 'data-lines')).toBe(
    String(shown.split('\n').filter(Boolean).length),
  );
  expect(await page.getAttribute('#export-download', 'href')).toMatch(/^blob:/);
  await shot('export');
  await page.evaluate(() => engram.reset());
  await page.selectOption('#import-mode', 'empty');
  await page.click('#import-button');
  await page.waitForFunction(
    () =>
      document.querySelector('#transfer-summary[data-imported]') ||
      document.querySelector('#error')!.textContent,
  );
  expect(await page.textContent('#error')).toBe('');
  expect(await page.getAttribute('#transfer-summary', 'data-imported')).toBe(String(INPUT.length));
  await page.waitForFunction(
    (n) => document.querySelectorAll('#memories li').length === n,
    INPUT.length,
  );
  const back = await page.evaluate(async () =>
    (await engram.getAll()).results.map((m) => m.memory),
  );
  expect(back.sort()).toEqual([MOVED, ...INPUT.slice(1).map((m) => m.text)].sort());
  await shot('import');
});
