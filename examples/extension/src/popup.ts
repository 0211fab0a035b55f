// The popup: search, recent memories, erase (one, or all).
/// <reference types="chrome" />
import { callEngine, type MemoryView } from './messages';

const statusLine = document.querySelector<HTMLElement>('#status')!;
const form = document.querySelector<HTMLFormElement>('#search-form')!;
const query = document.querySelector<HTMLInputElement>('#query')!;
const resultsSection = document.querySelector<HTMLElement>('#results-section')!;
const results = document.querySelector<HTMLOListElement>('#results')!;
const recent = document.querySelector<HTMLOListElement>('#recent')!;
const eraseAll = document.querySelector<HTMLButtonElement>('#erase-all')!;

function item(m: MemoryView): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = m.id;
  li.className = `memory ${m.kind}`;
  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = m.text;
  const meta = document.createElement('p');
  meta.className = 'meta';
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = m.kind;
  meta.append(kind);
  if (m.url) {
    const link = document.createElement('a');
    link.href = m.url;
    link.target = '_blank';
    link.textContent = m.title || new URL(m.url).host;
    meta.append(' ', link);
  }
  meta.append(` · ${new Date(m.createdAt).toLocaleString()}`);
  if (m.score !== undefined) meta.append(` · score ${m.score.toFixed(2)}`);
  const erase = document.createElement('button');
  erase.className = 'erase';
  erase.title = 'Erase this memory';
  erase.textContent = 'Erase';
  erase.addEventListener('click', () => void eraseOne(m.id));
  li.append(text, meta, erase);
  return li;
}

function show(list: HTMLOListElement, memories: MemoryView[], empty: string): void {
  list.replaceChildren(...memories.map(item));
  if (memories.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = empty;
    list.append(li);
  }
}

async function refresh(): Promise<void> {
  const [s, memories] = await Promise.all([
    callEngine({ op: 'status' }),
    callEngine({ op: 'recent', limit: 20 }),
  ]);
  statusLine.textContent =
    `${s.count} memories · ${s.embedderId} on ${s.backend.toUpperCase()}` +
    (s.inWorker ? ' in a Worker' : '') +
    (s.gpuAdapter && s.backend === 'cpu' ? ' (WebGPU offered)' : '');
  statusLine.title = s.backendReason + (s.workerError ? ` — ${s.workerError}` : '');
  show(
    recent,
    memories,
    'Nothing remembered yet: select text on a page, then right-click → Remember selection.',
  );
  document.body.dataset.ready = 'true';
}

async function search(): Promise<void> {
  const q = query.value.trim();
  resultsSection.hidden = !q;
  if (!q) return;
  resultsSection.dataset.state = 'searching';
  show(results, await callEngine({ op: 'search', query: q, limit: 5 }), 'No memory matches.');
  resultsSection.dataset.state = 'done';
}

async function eraseOne(id: string): Promise<void> {
  await callEngine({ op: 'erase', id });
  await Promise.all([refresh(), search()]);
}

function report(e: unknown): void {
  statusLine.textContent = `Error: ${e instanceof Error ? e.message : String(e)}`;
  statusLine.classList.add('error');
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  search().catch(report);
});
eraseAll.addEventListener('click', () => {
  if (!confirm('Erase every memory? This cannot be undone.')) return;
  callEngine({ op: 'eraseAll' })
    .then(() => Promise.all([refresh(), search()]))
    .catch(report);
});
refresh().catch(report);
