// Small helpers shared by the embedders: argument checks, abort, normalisation, batching.
import { EngramError, shown } from '../errors';

/**
 * Checks the argument of `embed`: an array of strings, none empty or only whitespace.
 * @param texts - what the caller passed
 * @throws EngramError `InvalidArgument` (not an array of strings) or `EmptyText` (with `details.index`)
 * @example
 * checkTexts(['a', ' ']); // throws EmptyText, details { index: 1 }
 */
export function checkTexts(texts: unknown): asserts texts is string[] {
  if (!Array.isArray(texts)) {
    throw new EngramError('InvalidArgument', 'embed() takes an array of strings.');
  }
  texts.forEach((t: unknown, index) => {
    if (typeof t !== 'string') {
      throw new EngramError('InvalidArgument', `Text ${index} is not a string.`, {
        details: { index },
      });
    }
    if (t.trim() === '') throw new EngramError('EmptyText', undefined, { details: { index } });
  });
}

/**
 * Throws an `Aborted` Engram error (keeping the signal's reason as `cause`) if `signal` is aborted.
 * @param signal - the caller's signal, if any
 * @example
 * for (const batch of batches) { throwIfAborted(options.signal); await run(batch); }
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngramError('Aborted', undefined, { cause: signal.reason });
}

/**
 * Scales `v` in place to unit length (a zero vector stays zero) and returns it.
 * @param v - the vector
 * @example
 * l2normalize(Float32Array.of(3, 4)); // [0.6, 0.8]
 */
export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s > 0) {
    const k = 1 / Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i]! *= k;
  }
  return v;
}

/**
 * Splits the indices of `items` into batches of items of similar length (sorted by
 * length, shortest first, ties in input order, so a batch pads little), each at most
 * `size` long and, past its first item, at most `maxPadded` long once padded (its count
 * times its longest length). Items are texts, or the token ids of texts.
 * @param items - the texts, or anything with a length
 * @param size - the largest batch
 * @param maxPadded - the most padded length a batch of two or more may have (default no limit)
 * @example
 * lengthBatches(['ccc', 'a', 'bb'], 2); // [[1, 2], [0]]
 * lengthBatches(['ccc', 'a', 'bb'], 3, 4); // [[1, 2], [0]]: a and bb pad to 2 × 2
 */
export function lengthBatches(
  items: ReadonlyArray<{ readonly length: number }>,
  size: number,
  maxPadded = Infinity,
): number[][] {
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.length - items[b]!.length);
  const batches: number[][] = [];
  let batch: number[] = [];
  for (const i of order) {
    // Sorted: item i is the longest of its batch.
    const padded = (batch.length + 1) * items[i]!.length;
    if (batch.length > 0 && (batch.length === size || padded > maxPadded)) {
      batches.push(batch);
      batch = [];
    }
    batch.push(i);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * The machine's cores as the browser (or Node) says (`navigator.hardwareConcurrency`), 1 where
 * it does not.
 * @example
 * hardwareCores(); // 2 on a 2-core machine
 */
export function hardwareCores(): number {
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency;
  return Number.isInteger(cores) && cores! > 0 ? cores! : 1;
}

/**
 * Checks that `n` is a positive integer.
 * @param name - the option's name, for the message
 * @param n - its value
 * @example
 * checkPositiveInt('dim', 0); // throws InvalidArgument
 */
export function checkPositiveInt(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new EngramError(
      'InvalidArgument',
      `${name} must be a positive integer, got ${shown(n)}.`,
      {
        details: { [name]: shown(n) },
      },
    );
  }
}

/**
 * True in Node (not in a page or a Web Worker, where `window` may also be undefined).
 * @example
 * const dir = isNode() ? '/abs/path/to/model/' : '/engram/use-lite/';
 */
export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; document?: unknown };
  return (
    typeof g.process?.versions?.node === 'string' &&
    typeof g.document === 'undefined' &&
    typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'undefined'
  );
}

/**
 * Resolves `url` against the page or Worker (a `blob:` Worker resolves against its origin).
 * @param url - absolute, or relative to the current location
 * @throws EngramError `InvalidArgument` when it cannot be resolved
 * @example
 * absoluteUrl('/engram/ort/'); // 'http://127.0.0.1:5173/engram/ort/'
 */
export function absoluteUrl(url: string): string {
  const loc = globalThis.location as Location | undefined;
  try {
    return new URL(url, loc?.protocol === 'blob:' ? loc.origin + '/' : loc?.href).href;
  } catch (e) {
    throw new EngramError('InvalidArgument', `Not an URL here: ${url}`, { cause: e });
  }
}

/**
 * Imports a Node built-in module at run time, out of sight of bundlers (so a
 * browser build does not try to resolve it).
 * @param name - e.g. `'node:fs/promises'`
 * @example
 * const fs = await importNode<typeof import('node:fs/promises')>('node:fs/promises');
 */
export function importNode<T>(name: string): Promise<T> {
  return import(/* @vite-ignore */ name) as Promise<T>;
}
