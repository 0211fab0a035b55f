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

/** Checks metadata is a plain JSON object; returns a deep copy. */
export function checkMetadata(metadata: unknown): Metadata {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new EngramError('InvalidArgument', 'metadata must be a plain object');
  }
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch (e) {
    throw new EngramError('InvalidArgument', 'metadata must be JSON-serialisable', { cause: e });
  }
  return JSON.parse(json) as Metadata;
}

/** Checks a result limit: an integer in [1, max]. */
export function checkLimit(limit: unknown, fallback: number, max = 10_000): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new EngramError('InvalidArgument', `limit must be an integer from 1 to ${max}`);
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
