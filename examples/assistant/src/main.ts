// The offline assistant: a chat whose every statement goes through Engram's add() (the
// consolidation event is shown), whose questions are answered from search(), with the memories,
// a memory's history and a timeline beside it. Runs on the offline default embedder (USE-lite)
// in the engine's Worker; a service worker makes it all work with the network off.
// An app that installed the package writes `from 'engram'`; this example uses the source.
import { Engram, type AddResult, type SearchResult } from '../../../src/index';
import { intentOf } from './intent';
import { llmAnswer, relevant, templateAnswer } from './answer';
import { loadLlm, type ChatLlm } from './llm';
import { memoryHook } from './memory-hook';
import { setUpOffline } from './offline';
import type { PrecacheMessage } from './precache-types';

/** The one user of this single-user app (Engram scopes every memory by user). */
const USER = 'me';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const when = (t: number) => new Date(t).toLocaleString();
const mb = (n: number) => (n / 1e6).toFixed(1);

function setStatus(text: string, state?: string): void {
  $('status-text').textContent = text;
  if (state) document.body.dataset.engine = state;
}

// The connection badge follows the browser's view of the network.
const showNetwork = () => {
  $('network').textContent = navigator.onLine ? 'online' : 'offline';
  $('network').dataset.online = String(navigator.onLine);
};
addEventListener('online', showNetwork);
addEventListener('offline', showNetwork);
showNetwork();

function onPrecache(m: PrecacheMessage): void {
  if (m.type === 'precache')
    setStatus(
      `Saving the app for offline use… ${m.files}/${m.totalFiles} files, ${mb(m.bytes)} / ${mb(m.totalBytes)} MB`,
    );
}

const offline = await setUpOffline(onPrecache);
document.body.dataset.offline = offline;
$('offline-state').textContent =
  offline === 'controlled' ? 'works offline' : 'online only (no service worker)';

const engramFiles = new URL('./engram/', document.baseURI).href;
const mem = await Engram.open({
  name: 'engram-assistant',
  embedder: {
    type: 'use-lite',
    modelUrl: engramFiles + 'use-lite/',
    wasmPaths: engramFiles + 'tfjs-wasm/',
    // Under the service worker the model already sits in its precache: no second copy.
    cache: offline !== 'controlled',
  },
  onLoadProgress(p) {
    if (p.stage === 'download' && p.total) setStatus(`Loading the model… ${p.file ?? ''}`);
    if (p.stage === 'init') setStatus('Starting the model…');
  },
}).catch((e: unknown) => {
  setStatus(`Could not open the memory: ${describe(e)}`, 'error');
  throw e;
});

let llm: ChatLlm | undefined = await loadLlm().catch(() => undefined);
const showLlm = () => {
  $('llm').textContent = llm ? 'local model' : 'no model: template answers';
};
showLlm();

const info = await mem.info();
setStatus(`Ready · ${info.embedderId} · ${mem.inWorker ? 'in a Worker' : 'in the page'}`, 'ready');
for (const el of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('[disabled]'))
  el.disabled = false;

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `${err.code}: ${err.message}` : String(e);
}

function bubble(who: 'user' | 'assistant', html: string): HTMLLIElement {
  const li = document.createElement('li');
  li.className = who;
  li.innerHTML = html;
  $('messages').append(li);
  li.scrollIntoView({ block: 'end' });
  return li;
}

const eventLine = (r: AddResult['results'][number]) =>
  `<li><span class="event" data-event="${r.event}">${r.event}</span> ` +
  (r.previousMemory ? `<s>${escape(r.previousMemory)}</s> → ` : '') +
  `${escape(r.memory)} <button class="link" data-history="${r.id}">history</button></li>`;

/** What the assistant says about what add() did. */
function rememberedHtml(r: AddResult): string {
  const lines = r.results.map(eventLine);
  const skipped = r.skipped.map(
    (s) =>
      `<li><span class="event" data-event="SKIP">SKIP</span> ${escape(s.text)} (${s.reason})</li>`,
  );
  const head = r.results.length ? 'Noted.' : 'Nothing new to remember.';
  return `${head}<ul class="events">${[...lines, ...skipped].join('')}</ul>`;
}

function recalledHtml(answer: string, hits: SearchResult[], byModel: boolean): string {
  // The memories the answer was made from.
  const sources = relevant(hits)
    .map((h) => `<li>${escape(h.memory)} <span class="meta">${h.score.toFixed(2)}</span></li>`)
    .join('');
  return (
    `<p class="answer" data-by="${byModel ? 'llm' : 'template'}">${escape(answer).replace(/\n/g, '<br>')}</p>` +
    (sources ? `<details><summary>from memory</summary><ul>${sources}</ul></details>` : '')
  );
}

/** Handles one chat message: recall (a question) or remember (anything else). */
async function send(text: string): Promise<void> {
  bubble('user', escape(text));
  const intent = intentOf(text);
  try {
    if (intent.kind === 'recall') {
      const { results } = await mem.search(intent.query, { userId: USER, limit: 5 });
      const answer = llm
        ? await llmAnswer(llm, text, results)
        : templateAnswer(text, intent.topic, results);
      bubble('assistant', recalledHtml(answer, results, !!llm));
    } else {
      const r = await mem.add(text, {
        userId: USER,
        source: 'chat',
        ...(llm && { llm: memoryHook(llm) }),
      });
      bubble('assistant', rememberedHtml(r));
      await refreshMemories();
    }
  } catch (e) {
    bubble('assistant', `<p class="error">${escape(describe(e))}</p>`);
    throw e;
  }
}

async function refreshMemories(): Promise<void> {
  const { results: all } = await mem.getAll({ userId: USER });
  $('memories').innerHTML = all
    .map(
      (m) =>
        `<li>${escape(m.memory)} <span class="meta">v${m.version}</span> ` +
        `<button class="link" data-history="${m.id}">history</button></li>`,
    )
    .join('');
  const log = (await mem.audit({})).results.slice(-40).reverse();
  $('timeline').innerHTML = log
    .map(
      (e) =>
        `<li><span class="meta">${when(e.at)}</span> <span class="event" data-event="${e.event}">${e.event}</span> ` +
        `${e.memory === null ? '<i>(removed)</i>' : escape(e.memory)}</li>`,
    )
    .join('');
}

async function showHistory(id: string): Promise<void> {
  const entries = await mem.history(id);
  const latest = entries.at(-1);
  $('history-of').textContent = latest?.newMemory ? `of “${latest.newMemory}”` : '';
  $('history').innerHTML = entries
    .map(
      (h) =>
        `<li><span class="event" data-event="${h.event}">${h.event}</span> v${h.version} ` +
        `<span class="meta">${when(h.createdAt)}</span><br>` +
        (h.previousMemory ? `<s>${escape(h.previousMemory)}</s> → ` : '') +
        escape(h.newMemory ?? '(deleted)') +
        '</li>',
    )
    .join('');
  $('history-panel').hidden = false;
}

document.addEventListener('click', (e) => {
  const id = (e.target as HTMLElement).closest<HTMLElement>('[data-history]')?.dataset.history;
  if (id) void showHistory(id);
});

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>('message');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  // On failure the text goes back into the box: what the user said is never lost.
  send(text).catch(() => {
    if (!input.value) input.value = text;
  });
});

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $<HTMLInputElement>('search-input').value.trim();
  if (!q) return;
  void mem.search(q, { userId: USER, limit: 10 }).then(({ results }) => {
    $('search-results').innerHTML =
      results
        .map(
          (r) =>
            `<li>${escape(r.memory)} <span class="meta">${r.score.toFixed(2)}</span> ` +
            `<button class="link" data-history="${r.id}">history</button></li>`,
        )
        .join('') || '<li class="meta">nothing found</li>';
  });
});

await refreshMemories();

/** For the browser's console and the tests: plug in a model (or `undefined` for none). */
declare global {
  interface Window {
    assistant: { setLlm(model: ChatLlm | undefined): void };
  }
}
window.assistant = {
  setLlm(model) {
    llm = model;
    showLlm();
  },
};
