// Embedding cache on disk for the eval: one file per model, keyed by a hash of the text.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../src/embed/embedder';
import { UseLiteEmbedder } from '../src/embed/use-lite-embedder';
import { DEFAULT_CACHE_DIR } from './args';

export { DEFAULT_CACHE_DIR };

const key = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

/**
 * Wraps an embedder so that vectors already computed (this run or an earlier one) are
 * read from `dir/<model id>.json` instead; `save()` writes the new ones back.
 */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  private readonly file: string;
  private readonly map = new Map<string, Float32Array>();
  private dirty = false;
  /** Texts embedded by the model (not served from the cache). */
  misses = 0;

  constructor(
    private readonly inner: () => Promise<Embedder>,
    meta: { id: string; dim: number },
    private readonly dir = DEFAULT_CACHE_DIR,
  ) {
    this.id = meta.id;
    this.dim = meta.dim;
    this.file = join(dir, `${meta.id.replace(/[^\w.-]/g, '_')}.json`);
    if (existsSync(this.file)) {
      const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>;
      for (const [k, b64] of Object.entries(raw)) {
        const buf = Buffer.from(b64, 'base64');
        this.map.set(k, new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4).slice());
      }
    }
  }

  private model: Promise<Embedder> | undefined;

  async embed(texts: string[]): Promise<Float32Array[]> {
    const keys = texts.map(key);
    const todo = [...new Set(keys.map((k, i) => (this.map.has(k) ? -1 : i)).filter((i) => i >= 0))];
    const uniq = new Map<string, string>();
    for (const i of todo) uniq.set(keys[i]!, texts[i]!);
    if (uniq.size) {
      this.model ??= this.inner();
      const m = await this.model;
      const vs = await m.embed([...uniq.values()]);
      [...uniq.keys()].forEach((k, j) => this.map.set(k, vs[j]!));
      this.misses += uniq.size;
      this.dirty = true;
    }
    return keys.map((k) => this.map.get(k)!);
  }

  /** Writes the cache file if anything new was embedded. */
  save(): void {
    if (!this.dirty) return;
    mkdirSync(this.dir, { recursive: true });
    const out: Record<string, string> = {};
    for (const [k, v] of this.map)
      out[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
    writeFileSync(this.file, JSON.stringify(out));
    this.dirty = false;
  }
}

/** USE-lite (the engine's offline default, 512-d) behind the cache in `dir`. */
export function cachedUseLite(dir = DEFAULT_CACHE_DIR): CachedEmbedder {
  return new CachedEmbedder(() => UseLiteEmbedder.create(), { id: 'use-lite-512', dim: 512 }, dir);
}
