// The messages between the extension's parts. The popup and the service worker's handlers send
// `to: 'router'` requests; the service worker (which keeps no engine state) makes sure the
// offscreen document exists and passes each on as `to: 'engine'`; the offscreen document answers.
/// <reference types="chrome" />

/** Where a memory came from. */
export type MemoryKind = 'selection' | 'page';

/** A memory as the popup shows it. */
export interface MemoryView {
  id: string;
  text: string;
  kind: MemoryKind;
  url: string;
  title: string;
  createdAt: number;
  /** The search score (search results only). */
  score?: number;
}

/** What the engine in the offscreen document runs on. */
export interface EngineStatus {
  embedderId: string;
  dim: number;
  backend: 'webgpu' | 'cpu';
  backendReason: string;
  /** True when the engine runs in its own Worker inside the offscreen document. */
  inWorker: boolean;
  /** True when the offscreen document is offered a WebGPU adapter (`backend` says whether it is used). */
  gpuAdapter: boolean;
  /** Why the Worker was not used, when it was not. */
  workerError?: string;
  /** Memories stored. */
  count: number;
  /** Milliseconds from the offscreen document's start to an open engine. */
  openMs: number;
}

/** The engine's operations, each with its request fields and its result. */
export interface EngineOps {
  remember: {
    request: { text: string; kind: MemoryKind; url: string; title: string };
    /** The stored memory, or null when there was nothing to store (empty, or a page already kept). */
    result: MemoryView | null;
  };
  search: { request: { query: string; limit?: number }; result: MemoryView[] };
  recent: { request: { limit?: number }; result: MemoryView[] };
  erase: { request: { id: string }; result: { erased: number } };
  eraseAll: { request: Record<never, never>; result: { erased: number } };
  status: { request: Record<never, never>; result: EngineStatus };
}

/** Name of an engine operation. */
export type EngineOp = keyof EngineOps;

/** One request to the engine. */
export type EngineRequest = {
  [K in EngineOp]: { op: K } & EngineOps[K]['request'];
}[EngineOp];

/** A request on its way to the service worker (`router`) or the offscreen document (`engine`). */
export interface Envelope {
  to: 'router' | 'engine';
  request: EngineRequest;
}

/** The answer to a request: its result, or the error (an `EngramError`'s code where it was one). */
export type Reply<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

/** True when `msg` is an envelope addressed to `to`. */
export function isEnvelope(msg: unknown, to: Envelope['to']): msg is Envelope {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as Partial<Envelope>).to === to &&
    typeof (msg as Partial<Envelope>).request === 'object'
  );
}

/** The reply for a failure. */
export function failure(e: unknown): Reply<never> {
  const code = (e as { code?: unknown })?.code;
  return {
    ok: false,
    code: typeof code === 'string' ? code : 'Error',
    message: e instanceof Error ? e.message : String(e),
  };
}

/**
 * Sends a request to the engine through the service worker (from the popup or options page).
 * @throws an Error with the engine's code and message when it failed
 */
export async function callEngine<K extends EngineOp>(
  request: { op: K } & EngineOps[K]['request'],
): Promise<EngineOps[K]['result']> {
  const envelope: Envelope = { to: 'router', request: request as EngineRequest };
  const reply = (await chrome.runtime.sendMessage(envelope)) as
    Reply<EngineOps[K]['result']> | undefined;
  if (!reply) throw new Error('no answer from the extension service worker');
  if (!reply.ok) throw Object.assign(new Error(reply.message), { code: reply.code });
  return reply.value;
}
