import { EngramError } from '../errors';
import type { Metadata, Scope } from '../types';

/** Default longest text accepted by `add`/`update`/`search` (characters). */
export const DEFAULT_MAX_TEXT_LENGTH = 20_000;

/** Checks a memory or query text; returns it trimmed. */
export function checkText(text: unknown, maxLength: number, what = 'text'): string {
  if (typeof text !== 'string')
    throw new EngramError('InvalidArgument', `${what} must be a string, got ${typeof text}`);
  const t = text.trim();
  if (t.length === 0) throw new EngramError('EmptyText', `${what} is empty`);
  if (t.length > maxLength) {
    throw new EngramError(
      'TextTooLarge',
      `${what} has ${t.length} characters; the limit is ${maxLength}`,
      {
        details: { length: t.length, limit: maxLength },
      },
    );
  }
  return t;
}

/** Checks a vector's length and values. */
export function checkVector(v: Float32Array, dim: number): void {
  if (v.length !== dim) {
    throw new EngramError(
      'DimensionMismatch',
      `vector has ${v.length} dimensions, the store ${dim}`,
      {
        details: { expected: dim, actual: v.length },
      },
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]))
      throw new EngramError('InvalidVector', `vector[${i}] is ${v[i]}`, { details: { index: i } });
  }
}

/** Checks the scope fields of an options object and returns only them. */
export function checkScope(opts: Scope | undefined): Scope {
  const scope: Scope = {};
  for (const key of ['userId', 'agentId', 'runId'] as const) {
    const v = opts?.[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0)
      throw new EngramError('InvalidArgument', `${key} must be a non-empty string`);
    scope[key] = v;
  }
  return scope;
}

/** True when a record lies inside a scope (fields the scope leaves out match anything). */
export function inScope(record: Scope, scope: Scope): boolean {
  return (
    (scope.userId === undefined || record.userId === scope.userId) &&
    (scope.agentId === undefined || record.agentId === scope.agentId) &&
    (scope.runId === undefined || record.runId === scope.runId)
  );
}

/** Deepest nesting of objects and arrays accepted in metadata (deeper is `InvalidArgument`). */
export const MAX_METADATA_DEPTH = 32;

/**
 * Throws `InvalidArgument` unless `v` is JSON that keeps what it holds: plain objects, arrays,
 * strings, booleans, null, finite numbers, and Dates (stored as ISO strings); `undefined`
 * object fields are left out. Maps, Sets, typed arrays, functions, symbols, BigInts, NaN and
 * infinities would be lost or changed by the round trip, so they are refused, as are cycles
 * and nesting deeper than {@link MAX_METADATA_DEPTH} (the event log hashes metadata recursively).
 */
function checkJsonValue(v: unknown, path: string, depth: number): void {
  const bad = (why: string) =>
    new EngramError('InvalidArgument', `metadata${path} ${why}`, { details: { path } });
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(v)) throw bad(`is ${v}: only finite numbers are kept`);
      return;
    case 'object':
      break;
    case 'undefined':
      if (depth > 0 && !path.endsWith(']')) return; // an absent field
      throw bad('is undefined');
    default:
      throw bad(`is a ${typeof v}, not JSON`);
  }
  if (v === null || v instanceof Date) {
    if (v instanceof Date && !Number.isFinite(v.getTime())) throw bad('is an invalid Date');
    return;
  }
  if (depth >= MAX_METADATA_DEPTH)
    throw bad(`nests deeper than ${MAX_METADATA_DEPTH} levels (or is cyclic)`);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) checkJsonValue(v[i], `${path}[${i}]`, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null)
    throw bad(`is a ${(v as object).constructor?.name ?? 'non-plain object'}, not a plain object`);
  for (const key of Object.keys(v)) {
    checkJsonValue((v as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
  }
}

/** Checks metadata is a plain JSON object (see `checkJsonValue`); returns a deep copy. */
export function checkMetadata(metadata: unknown): Metadata {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new EngramError('InvalidArgument', 'metadata must be a plain object');
  }
  checkJsonValue(metadata, '', 0);
  return JSON.parse(JSON.stringify(metadata)) as Metadata;
}

/** Checks a result limit (or another count): an integer in [1, max]. */
export function checkLimit(limit: unknown, fallback: number, max = 10_000, what = 'limit'): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new EngramError('InvalidArgument', `${what} must be an integer from 1 to ${max}`);
  }
  return limit;
}

/**
 * Checks a point in time: ms since epoch, a Date or an ISO date string; returns ms.
 * @param value - the time
 * @param what - the option's name, for the message
 */
export function checkTime(value: unknown, what: string): number {
  let t: number | undefined;
  if (typeof value === 'number') t = value;
  else if (value instanceof Date) t = value.getTime();
  else if (typeof value === 'string') t = Date.parse(value);
  if (t === undefined || !Number.isFinite(t))
    throw new EngramError(
      'InvalidArgument',
      `${what} must be ms since epoch, a Date or an ISO date`,
    );
  return t;
}

/**
 * Checks an optional number in a range.
 * @param value - the value (undefined → fallback)
 * @param what - its name, for the message
 */
export function checkNumber(
  value: unknown,
  what: string,
  fallback: number,
  min = -Infinity,
  max = Infinity,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new EngramError('InvalidArgument', `${what} must be a number from ${min} to ${max}`);
  return value;
}

/** Checks an optional boolean. */
export function checkBoolean(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new EngramError('InvalidArgument', `${what} must be a boolean`);
  return value;
}

/** Checks a memory id argument. */
export function checkId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0)
    throw new EngramError('InvalidArgument', 'id must be a non-empty string');
  return id;
}

/** The accepted names of an options object, and the shapes of the options objects nested in it. */
export interface OptionShape {
  /** Every accepted name, in the order the message lists them. */
  readonly names: readonly string[];
  /** Options objects under some names (checked when the value there is an object). */
  readonly nested?: Readonly<Record<string, OptionShape>>;
}

/**
 * The shape of an options type, its names listed once: the compiler checks the list against
 * the type (a missing or an unknown name is a type error), so a new option cannot be forgotten.
 * @param names - every property of `T`, each `true`
 * @param nested - shapes of the options objects nested under some of them
 * @example
 * const UPDATE = optionShape<UpdateOptions>({ metadata: true, eventTime: true });
 */
export function optionShape<T extends object>(
  names: Record<keyof T, true>,
  nested?: Partial<Record<keyof T, OptionShape>>,
): OptionShape {
  return nested
    ? { names: Object.keys(names), nested: nested as Record<string, OptionShape> }
    : { names: Object.keys(names) };
}

/**
 * Rejects an options object with a name its call does not know (JavaScript callers get no
 * compile-time check, and a misspelt option would otherwise do nothing), here and in the
 * options objects nested in it. `undefined` means no options; anything else but a plain
 * object (`null` counts as no options) is rejected too.
 * @param options - what the caller passed
 * @param shape - the accepted names
 * @param what - the call, for the message, e.g. `'add'`
 * @param path - where `options` sits in the call's options (`'retrieval.lexical.'`), if nested
 * @throws `InvalidArgument` naming the unknown key and the accepted ones
 *   (`details: { option, accepted }`)
 * @example
 * checkOptionNames({ validFrom: 1 }, ADD_OPTIONS, 'add');
 * // InvalidArgument: add: unknown option 'validFrom'; accepted: userId, agentId, …
 */
export function checkOptionNames(
  options: unknown,
  shape: OptionShape,
  what: string,
  path = '',
): void {
  if (options === undefined || options === null) return;
  if (typeof options !== 'object' || Array.isArray(options))
    throw new EngramError('InvalidArgument', `${what}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!shape.names.includes(key))
      throw new EngramError(
        'InvalidArgument',
        `${what}: unknown option '${path}${key}'; accepted: ${shape.names.join(', ')}`,
        { details: { option: `${path}${key}`, accepted: [...shape.names] } },
      );
    const inner = shape.nested?.[key];
    const value: unknown = (options as Record<string, unknown>)[key];
    // Nested values that are not objects (`false` for a stage, a wrong type) are left to the
    // checks of their own values.
    if (inner && typeof value === 'object' && value !== null && !Array.isArray(value))
      checkOptionNames(value, inner, what, `${path}${key}.`);
  }
}
