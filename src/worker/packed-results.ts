// Results that cross the Worker boundary as one JSON string instead of a structured clone of
// every field of every result, where JSON gives back exactly the same values.

/** Deepest nesting {@link packResults} sends as JSON (deeper values go as they are). */
const MAX_JSON_DEPTH = 64;

/** A value packed by {@link packResults}: its JSON text, or the value itself. */
export type Packed<T> = T | string;

/**
 * The value as JSON text when `JSON.parse` of it gives back an equal value — plain objects and
 * arrays, strings, booleans, null and finite numbers other than −0, no `undefined` field, no
 * `__proto__` key — else the value itself (for `postMessage` to clone). A search's results are
 * such values (metadata is JSON by construction): through the Worker one string is cloned
 * (a copy of its characters) instead of every field of every result, which is slower to write
 * and to read back than `JSON.stringify` and `JSON.parse` (bench/api-profile.mjs).
 * @param value - an object (a string would be taken for packed JSON)
 * @example
 * const wire = packResults({ results }); // in the Worker
 * const { results } = unpackResults(wire); // in the page
 */
export function packResults<T extends object>(value: T): Packed<T> {
  return jsonExact(value, 0) ? JSON.stringify(value) : value;
}

/**
 * The value {@link packResults} packed.
 * @param wire - what it returned
 */
export function unpackResults<T extends object>(wire: Packed<T>): T {
  return typeof wire === 'string' ? (JSON.parse(wire) as T) : wire;
}

/** True when `JSON.parse(JSON.stringify(v))` is a value equal to `v`, field for field. */
function jsonExact(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (v === null) return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonExact(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in v) {
    if (key === '__proto__' || !jsonExact((v as Record<string, unknown>)[key], depth + 1))
      return false;
  }
  return true;
}
