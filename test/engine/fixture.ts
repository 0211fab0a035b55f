// Loaded inside test pages (served by Vite): opens engines on the page's real IndexedDB.
import { Engine, type EngineOptions } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import type { Embedder } from '../../src/embed/embedder';

export { Engine };
export { Engram } from '../../src/engram';
export { MemoryStore } from '../../src/store/memory-store';

/** A unique store name per call, so tests never share a database. */
export function uniqueName(prefix = 'test'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Opens an engine with the hash embedder (64-d) on the CPU backend unless told otherwise. */
export function openEngine(name: string, extra: Partial<EngineOptions> = {}): Promise<Engine> {
  return Engine.open({ name, embedder: new HashEmbedder({ dim: 64 }), backend: 'cpu', ...extra });
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
