// A deterministic, model-free embedder for unit tests.
import type { EmbedOptions, Embedder } from './embedder';
import { checkPositiveInt, checkTexts, l2normalize, throwIfAborted } from './util';

/**
 * Options of {@link HashEmbedder}.
 * @example
 * new HashEmbedder({ dim: 32 });
 */
export interface HashEmbedderOptions {
  /** Length of the vectors (default 64). */
  dim?: number;
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * **For unit tests only**: embeds by feature hashing, with no model and no
 * meaning. Each lowercase word (weight 1) and each character trigram of the
 * lowercase, space-padded text (weight 0.5) adds to one of `dim` buckets; the
 * vector is then L2-normalised. Same text → same vector on every machine;
 * texts sharing words or spelling get a higher cosine. Synonyms do not.
 *
 * @example
 * const embedder = new HashEmbedder({ dim: 32 });
 * const [v] = await embedder.embed(['hello world']); // v.length === 32
 */
export class HashEmbedder implements Embedder {
  /** `hash-${dim}`. */
  readonly id: string;
  /** Length of every vector. */
  readonly dim: number;

  /**
   * @param options - `dim`, default 64
   * @throws EngramError `InvalidArgument` when `dim` is not a positive integer
   */
  constructor(options: HashEmbedderOptions = {}) {
    const dim = options.dim ?? 64;
    checkPositiveInt('dim', dim);
    this.dim = dim;
    this.id = `hash-${dim}`;
  }

  /**
   * Embeds `texts`, one unit-length vector per text, in order.
   * @param texts - non-empty texts
   * @param options - `signal` (checked before the work) and `onProgress` (once, at the end)
   * @throws EngramError `EmptyText`, `InvalidArgument`, `Aborted`
   * @example
   * const [a, b] = await new HashEmbedder().embed(['red apple', 'red apples']);
   */
  async embed(texts: string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    checkTexts(texts);
    throwIfAborted(options.signal);
    const out = texts.map((t) => this.vector(t));
    options.onProgress?.({ done: texts.length, total: texts.length });
    return out;
  }

  private vector(text: string): Float32Array {
    const v = new Float32Array(this.dim);
    const lower = text.toLowerCase();
    for (const word of lower.match(/[\p{L}\p{N}]+/gu) ?? []) v[fnv1a('w:' + word) % this.dim]! += 1;
    const padded = ` ${lower.trim().replace(/\s+/g, ' ')} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      v[fnv1a('t:' + padded.slice(i, i + 3)) % this.dim]! += 0.5;
    }
    return l2normalize(v);
  }
}
