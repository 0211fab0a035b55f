// The memory playground: Engram with its offline default embedder, in a Worker, and an
// inspector of what the store holds (panels under inspector/).
// `?embedder=hash&store=NAME` opens another store with the test-only hash embedder (no model
// download): the inspector's tests use it.
import { Engram, type EmbedderSpec, type Memory } from '../src/index';
import { $, button, escape, item } from './inspector/dom';
import type { Inspector, Panel } from './inspector/context';
import { scopesPanel } from './inspector/scopes';
import { timelinePanel } from './inspector/timeline';
import { versionsPanel } from './inspector/versions';
import { linksPanel } from './inspector/links';
import { retentionPanel } from './inspector/retention';
import { transferPanel } from './inspector/transfer';
import { explainPanel } from './inspector/explain';

const PANELS: Record<string, Panel> = {
  scopes: scopesPanel,
  timeline: timelinePanel,
  versions: versionsPanel,
  links: linksPanel,
  retention: retentionPanel,
  transfer: transferPanel,
  explain: explainPanel,
};

const status = $<HTMLDivElement>('status');
const statusText = $<HTMLSpanElement>('status-text');
const bar = $<HTMLProgressElement>('load-progress');
const errorBox = $<HTMLParagraphElement>('error');
const logLines: string[] = [];

function showError(e: unknown): void {
  const err = e as { code?: string; message?: string };
  errorBox.textContent = err.code ? `${err.code}: ${err.message}` : String(e);
}

const params = new URLSearchParams(location.search);
const embedder: EmbedderSpec | undefined =
  params.get('embedder') === 'hash' ? { type: 'hash', dim: 64 } : undefined;
const bytes = new Map<string, [number, number]>();
const mem = await Engram.open({
  name: params.get('store') ?? 'engram-playground',
  ...(embedder ? { embedder } : {}),
  onLoadProgress(p) {
    if (p.file && p.total) bytes.set(p.file, [p.loaded ?? 0, p.total]);
    const [done, total] = [...bytes.values()].reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    if (total) bar.value = done / total;
    statusText.textContent =
      p.stage === 'init'
        ? 'Starting the model…'
        : `Loading the embedding model… ${(done / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB`;
  },
  log: (line) => logLines.push(line),
}).catch((e: unknown) => {
  status.dataset.state = 'error';
  statusText.textContent = 'Could not open the store';
  showError(e);
  throw e;
});

let open = 'scopes';

/** Draws the open panel; a later call supersedes one still drawing. */
let drawing = 0;
async function draw(): Promise<void> {
  const mine = ++drawing;
  const name = open;
  const el = document.createElement('div');
  await PANELS[name]!(ctx, el);
  if (mine !== drawing) return;
  const panel = $('panel');
  panel.dataset.panel = name;
  panel.replaceChildren(...el.childNodes);
  panel.dataset.ready = String(mine);
}

const ctx: Inspector = {
  mem,
  memories: [],
  scope: {},
  showError,
  async refresh() {
    await refreshList();
    await draw();
  },
  reloadList: () => refreshList(),
  async select(m) {
    ctx.selected = m;
    await draw();
  },
  async setScope(scope) {
    ctx.scope = scope;
    await ctx.refresh();
  },
};

function openPanel(name: string): Promise<void> {
  open = name;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button'))
    b.setAttribute('aria-selected', String(b.dataset.panel === name));
  return draw();
}

async function refreshList(): Promise<void> {
  const { results } = await mem.getAll(ctx.scope);
  ctx.memories = results;
  if (ctx.selected && !results.some((m) => m.id === ctx.selected!.id)) delete ctx.selected;
  const scoped = Object.entries(ctx.scope).map(([k, v]) => `${k} ${v}`);
  $('count').textContent = `(${results.length}${scoped.length ? ` · ${scoped.join(', ')}` : ''})`;
  const list = $('memories');
  list.replaceChildren();
  for (const m of [...results].reverse()) listItem(list, m);
}

function listItem(list: HTMLElement, m: Memory): void {
  const li = item(
    list,
    `${escape(m.memory)} <span class="meta">${escape(m.userId ?? '')} · v${m.version}</span>`,
  );
  li.dataset.id = m.id;
  li.append(
    button(
      'inspect',
      () => ctx.select(m).then(() => openPanel(open === 'scopes' ? 'timeline' : open)),
      showError,
    ),
    button('history', () => ctx.select(m).then(() => openPanel('versions')), showError),
    button(
      'reinforce',
      async () => {
        await mem.reinforce(m.id);
        await ctx.refresh();
      },
      showError,
    ),
    button(
      'delete',
      async () => {
        await mem.delete(m.id);
        await ctx.refresh();
      },
      showError,
    ),
  );
}

$('add-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  errorBox.textContent = '';
  const text = $<HTMLTextAreaElement>('add-text');
  const userId = $<HTMLInputElement>('add-user').value.trim();
  void mem
    .add(text.value, userId ? { userId } : {})
    .then(async () => {
      text.value = '';
      await ctx.refresh();
    })
    .catch(showError);
});

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  errorBox.textContent = '';
  const limit = Number($<HTMLInputElement>('search-limit').value) || 5;
  const query = $<HTMLInputElement>('search-text').value;
  void mem
    .search(query, { ...ctx.scope, limit, explain: true })
    .then(async ({ results }) => {
      ctx.lastSearch = { query, results };
      const list = $('results');
      list.replaceChildren();
      for (const r of results)
        item(
          list,
          `<span class="score">${r.score.toFixed(3)}</span>${escape(r.memory)} <span class="meta">${escape(r.userId ?? '')}</span>`,
        ).dataset.id = r.id;
      if (results.length === 0) item(list, '<span class="meta">no memories yet</span>');
      if (open === 'explain') await draw();
    })
    .catch(showError);
});

for (const b of document.querySelectorAll<HTMLButtonElement>('#tabs button'))
  b.onclick = () => void openPanel(b.dataset.panel!).catch(showError);

await refreshList();
await openPanel(open);
// Ready (and the buttons on) once the list and the first panel are drawn.
const info = await mem.info();
status.dataset.state = 'ready';
statusText.textContent = `Ready · ${info.embedderId} (${info.dim}-d) · search on ${info.backend === 'webgpu' ? 'WebGPU' : 'CPU'} (${info.backendReason}) · ${mem.inWorker ? 'in a Worker' : 'in the page'}`;
for (const b of document.querySelectorAll('button')) b.disabled = false;
Object.assign(window, { engram: mem, engramLog: logLines, inspector: ctx });
