// `node bench/ingest.mjs`, in the page: addMany of chat turns (bench/e2e-page.ts's `turn`)
// through the public API, the engine in its Worker, the offline model on `instances` instances.
// Driven by bench/ingest.mjs, which reads Chromium's CPU time and memory around each call.
import { Engram } from '../src/engram';
import { turn } from './e2e-page';

let mem: Engram | null = null;

/** Opens store `name` with USE-lite on `instances` model instances (the model loaded, one add). */
export async function ingestOpen(o: { name: string; instances: number }) {
  const t0 = performance.now();
  mem = await Engram.open({
    name: o.name,
    backend: 'cpu',
    embedder: { type: 'use-lite', instances: o.instances },
  });
  await mem.add(turn(1e6), { infer: false });
  return { openMs: performance.now() - t0, cores: navigator.hardwareConcurrency };
}

/** `addMany` of turns `from` … `from + n - 1`; its time and the progress reports. */
export async function ingestRun(o: { from: number; n: number }) {
  const texts = Array.from({ length: o.n }, (_, i) => ({ text: turn(o.from + i) }));
  let reports = 0;
  const t0 = performance.now();
  const r = await mem!.addMany(texts, () => reports++);
  const ms = performance.now() - t0;
  return { ms, stored: r.results.length, reports, turnsPerSec: o.n / (ms / 1000) };
}

/** `embed` of turns `from` … `from + n - 1` through the same Worker: the model alone. */
export async function ingestEmbed(o: { from: number; n: number }) {
  const texts = Array.from({ length: o.n }, (_, i) => turn(o.from + i));
  const t0 = performance.now();
  const vectors = await mem!.embed(texts);
  const ms = performance.now() - t0;
  return { ms, stored: vectors.length, reports: 0, turnsPerSec: o.n / (ms / 1000) };
}

/** Closes the store. */
export async function ingestClose() {
  await mem?.close();
  mem = null;
}
