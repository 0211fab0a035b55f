// Loaded inside test pages (served by Vite): opens engines on the page's real IndexedDB.
import { Engine, type EngineOptions } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { Embedder } from '../../src/embed/embedder';

export { Engine };
import { Engram, type EngramOptions } from '../../src/engram';
export { Engram };
export { MemoryStore } from '../../src/store/memory-store';

/** A unique store name per call, so tests never share a database. */
export function uniqueName(prefix = 'test'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Opens an engine with the hash embedder (64-d) on the CPU backend unless told otherwise. */
export function openEngine(name: string, extra: Partial<EngineOptions> = {}): Promise<Engine> {
  return Engine.open({ name, embedder: new HashEmbedder({ dim: 64 }), backend: 'cpu', ...extra });
}

/** Opens `count` engines on one store, one after another, as tabs of one origin would. */
export async function openEngines(
  name: string,
  count: number,
  extra: Partial<EngineOptions> = {},
): Promise<Engine[]> {
  const engines: Engine[] = [];
  for (let i = 0; i < count; i++) engines.push(await openEngine(name, extra));
  return engines;
}

/**
 * Opens the public `Engram` (in its Worker unless told otherwise) on a fresh store, with the
 * hash embedder (64-d) on the CPU backend.
 */
export function openEngram(extra: Partial<EngramOptions> = {}): Promise<Engram> {
  return Engram.open({
    name: uniqueName(),
    embedder: { type: 'hash', dim: 64 },
    backend: 'cpu',
    ...extra,
  });
}

/** An embedder that returns given vectors for given texts (and hashes the rest). */
export function fixedEmbedder(dim: number, table: Record<string, number[]>): Embedder {
  const fallback = new HashEmbedder({ dim });
  return {
    id: `fixed-${dim}`,
    dim,
    async embed(texts) {
      const out = await fallback.embed(texts);
      return texts.map((t, i) => (table[t] ? Float32Array.from(table[t]!) : out[i]!));
    },
  };
}

/** JSON of a raw dump with ArrayBuffers spelled out, for byte-for-byte comparison. */
export function dumpJson(dump: Record<string, unknown[]>): string {
  return JSON.stringify(dump, (_k, v: unknown) =>
    v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v,
  );
}

/**
 * Gives a store a varied history: consolidation (ADD, NOOP, UPDATE, DELETE),
 * links, an API update and delete, recalls by search, forget and restore,
 * an erasure and a batch. Advances `tick` between steps. Returns ids by name.
 */
export async function buildHistory(e: Engine, tick: () => void): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const ada = { userId: 'ada' };
  tick();
  const first = await e.add(
    [{ role: 'user', content: 'I live in Berlin. I have a cat named Tom. I like green tea.' }],
    ada,
  );
  ids.home = first.results[0]!.id;
  ids.cat = first.results[1]!.id;
  ids.tea = first.results[2]!.id;
  tick();
  await e.add('I live in Berlin.', ada);
  tick();
  await e.add('I live in Paris.', ada);
  tick();
  await e.add('I no longer have a cat named Tom.', ada);
  tick();
  ids.secret = (await e.add('My secret code is 4242', ada)).results[0]!.id;
  tick();
  ids.job = (
    await e.add('I work as a nurse', { ...ada, metadata: { topic: 'work' } })
  ).results[0]!.id;
  await e.update(ids.job, 'I work as a doctor', { metadata: { topic: 'work' } });
  tick();
  await e.search('what do I drink', { ...ada, limit: 2 });
  await e.flush(); // the recalls, written at once
  ids.bob = (await e.add('Bob sails on Sundays', { userId: 'bob' })).results[0]!.id;
  await e.delete(ids.bob);
  tick();
  const notes = await e.addMany(
    Array.from({ length: 7 }, (_, i) => ({
      text: `note ${i} about the garden`,
      userId: 'ada',
      runId: 'garden',
    })),
  );
  ids.note3 = notes.results[3]!.id;
  tick();
  await e.forget({ belowRetention: 1, runId: 'garden' });
  await e.restore(ids.note3);
  await e.reinforce(ids.tea);
  await e.erase(ids.secret);
  return ids;
}

/** Memories holding the vectors `vec(from..to)` as they are (no inference, no links). */
export function vectorItems(vec: (i: number) => Float32Array, from: number, to: number) {
  return Array.from({ length: to - from }, (_, j) => ({
    text: `memory ${from + j}`,
    vector: vec(from + j),
    infer: false,
    link: false,
  }));
}

/**
 * Dense searches for the query vectors `vec(first..first + count)`: each one's top 10 as
 * `[memory, score]`, nothing reinforced (so searching changes nothing).
 */
export async function denseTop(
  e: Engine,
  vec: (i: number) => Float32Array,
  first: number,
  count: number,
): Promise<[string, number][][]> {
  const out: [string, number][][] = [];
  for (let q = 0; q < count; q++) {
    const { results } = await e.search(`query ${q}`, {
      vector: vec(first + q),
      limit: 10,
      reinforce: false,
      retrieval: false,
    });
    out.push(results.map((x) => [x.memory, x.score]));
  }
  return out;
}
