// The memory playground: Engram with its offline default embedder, in a Worker.
import { Engram, type Memory } from '../src/index';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLDivElement>('status');
const statusText = $<HTMLSpanElement>('status-text');
const bar = $<HTMLProgressElement>('load-progress');
const errorBox = $<HTMLParagraphElement>('error');
const logLines: string[] = [];

function showError(e: unknown): void {
  const err = e as { code?: string; message?: string };
  errorBox.textContent = err.code ? `${err.code}: ${err.message}` : String(e);
}

function item(parent: HTMLElement, html: string): HTMLLIElement {
  const li = document.createElement('li');
  li.innerHTML = html;
  parent.append(li);
  return li;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const when = (t: number) => new Date(t).toLocaleString();

const bytes = new Map<string, [number, number]>();
const mem = await Engram.open({
  name: 'engram-playground',
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

const info = await mem.info();
status.dataset.state = 'ready';
statusText.textContent = `Ready · ${info.embedderId} (${info.dim}-d) · search on ${info.backend === 'webgpu' ? 'WebGPU' : 'CPU'} (${info.backendReason}) · ${mem.inWorker ? 'in a Worker' : 'in the page'}`;
for (const b of document.querySelectorAll('button')) b.disabled = false;

async function showHistory(m: Memory): Promise<void> {
  $('history-of').textContent = `of “${m.memory.slice(0, 40)}”`;
  const list = $('history');
  list.replaceChildren();
  for (const h of await mem.history(m.id)) {
    item(
      list,
      `<b>${h.event}</b> v${h.version} <span class="meta">${when(h.createdAt)}</span><br>` +
        (h.previousMemory ? `<s>${escape(h.previousMemory)}</s> → ` : '') +
        escape(h.newMemory ?? '(deleted)'),
    );
  }
}

async function refreshList(): Promise<void> {
  const { results } = await mem.getAll();
  $('count').textContent = `(${results.length})`;
  const list = $('memories');
  list.replaceChildren();
  for (const m of results.reverse()) {
    const li = item(
      list,
      `${escape(m.memory)} <span class="meta">${m.userId ?? ''} · v${m.version}</span>`,
    );
    for (const [label, action] of [
      ['history', () => showHistory(m)],
      [
        'delete',
        async () => {
          await mem.delete(m.id);
          await refreshList();
        },
      ],
    ] as const) {
      const b = document.createElement('button');
      b.textContent = label;
      b.onclick = () => void action().catch(showError);
      li.append(b);
    }
  }
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
      await refreshList();
    })
    .catch(showError);
});

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  errorBox.textContent = '';
  const limit = Number($<HTMLInputElement>('search-limit').value) || 5;
  void mem
    .search($<HTMLInputElement>('search-text').value, { limit })
    .then(({ results }) => {
      const list = $('results');
      list.replaceChildren();
      for (const r of results)
        item(
          list,
          `<span class="score">${r.score.toFixed(3)}</span>${escape(r.memory)} <span class="meta">${r.userId ?? ''}</span>`,
        );
      if (results.length === 0) item(list, '<span class="meta">no memories yet</span>');
    })
    .catch(showError);
});

await refreshList();
Object.assign(window, { engram: mem, engramLog: logLines });
