// The offscreen document: hosts the engine (its Worker, the IndexedDB store, the model, WebGPU
// where the browser offers it) and answers the requests the service worker routes here.
/// <reference types="chrome" />
import { Engram, isEngramError, type Memory, type SearchResult } from '../../../src/index';
import { EMBEDDER, SCOPE, STORE_NAME } from './config';
import {
  failure,
  isEnvelope,
  type EngineOps,
  type EngineRequest,
  type EngineStatus,
  type MemoryKind,
  type MemoryView,
  type Reply,
} from './messages';

/** The longest text kept from one selection (the engine takes up to 20 000 characters). */
const MAX_TEXT = 5000;

const started = performance.now();
const engine = openEngine();

/** Opens the store in the engine's Worker; where a Worker cannot start, in this document. */
async function openEngine(): Promise<{ mem: Engram; workerError?: string; openMs: number }> {
  const options = { name: STORE_NAME, embedder: EMBEDDER };
  let workerError: string | undefined;
  let mem: Engram;
  try {
    mem = await Engram.open({ ...options, worker: true });
  } catch (e) {
    if (!isEngramError(e) || e.code !== 'WorkerFailed') throw e;
    workerError = e.message;
    mem = await Engram.open({ ...options, worker: false });
  }
  return { mem, workerError, openMs: Math.round(performance.now() - started) };
}

function view(m: Memory | SearchResult): MemoryView {
  const meta = m.metadata;
  return {
    id: m.id,
    text: m.memory,
    kind: (meta.kind === 'page' ? 'page' : 'selection') satisfies MemoryKind,
    url: typeof meta.url === 'string' ? meta.url : '',
    title: typeof meta.title === 'string' ? meta.title : '',
    createdAt: m.createdAt,
    ...('score' in m && { score: m.score }),
  };
}

type Result<K extends keyof EngineOps> = Promise<EngineOps[K]['result']>;

async function remember(r: EngineOps['remember']['request']): Result<'remember'> {
  const { mem } = await engine;
  const text = r.text
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ ?\n[\s]*/g, '\n')
    .trim()
    .slice(0, MAX_TEXT);
  if (!text) return null;
  if (r.kind === 'page') {
    const kept = await mem.getAll({ ...SCOPE, filters: { kind: 'page', url: r.url }, limit: 1 });
    if (kept.results.length > 0) return null;
  }
  // Stored as selected (infer: false): a selection is not a chat turn to extract facts from.
  const added = await mem.add(text, {
    ...SCOPE,
    infer: false,
    source: `extension:${r.kind}`,
    metadata: { kind: r.kind, url: r.url, title: r.title },
  });
  const id = added.results[0]?.id;
  return id ? view(await mem.get(id)) : null;
}

async function recent(limit = 20): Result<'recent'> {
  const { mem } = await engine;
  const all = (await mem.getAll(SCOPE)).results;
  return all.slice(-limit).reverse().map(view);
}

async function status(): Result<'status'> {
  const { mem, workerError, openMs } = await engine;
  const info = await mem.info();
  const count = (await mem.getAll(SCOPE)).results.length;
  const s: EngineStatus = {
    embedderId: info.embedderId,
    dim: info.dim,
    backend: info.backend,
    backendReason: info.backendReason,
    inWorker: mem.inWorker,
    gpuAdapter: !!(await navigator.gpu?.requestAdapter().catch(() => null)),
    count,
    openMs,
  };
  if (workerError) s.workerError = workerError;
  return s;
}

async function handle(request: EngineRequest): Promise<unknown> {
  const { mem } = await engine;
  switch (request.op) {
    case 'remember':
      return remember(request);
    case 'search':
      return request.query.trim()
        ? (await mem.search(request.query, { ...SCOPE, limit: request.limit ?? 10 })).results.map(
            view,
          )
        : [];
    case 'recent':
      return recent(request.limit);
    case 'erase':
      return { erased: (await mem.erase(request.id)).ids.length };
    case 'eraseAll':
      return { erased: (await mem.erase(SCOPE)).ids.length };
    case 'status':
      return status();
  }
}

chrome.runtime.onMessage.addListener((msg: unknown, _sender, sendResponse) => {
  if (!isEnvelope(msg, 'engine')) return false;
  handle(msg.request).then(
    (value) => sendResponse({ ok: true, value } satisfies Reply<unknown>),
    (e: unknown) => sendResponse(failure(e)),
  );
  return true; // answers asynchronously
});
