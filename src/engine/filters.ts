import { EngramError } from '../errors';
import type { Metadata, MetadataValue } from '../types';

/** Comparison operators on one metadata field. */
export interface FieldOps {
  eq?: MetadataValue;
  ne?: MetadataValue;
  in?: MetadataValue[];
  nin?: MetadataValue[];
  /** Numbers compare as numbers; ISO date strings (or Dates) compare as instants. */
  gt?: number | string | Date;
  gte?: number | string | Date;
  lt?: number | string | Date;
  lte?: number | string | Date;
}

/**
 * A metadata filter. Keys name metadata fields (dotted paths reach into
 * nested objects); a plain value means `eq`. `and`, `or` and `not` combine
 * filters. Applied before top-k, so `limit` counts only matching memories.
 * @example
 * { and: [{ topic: 'travel' }, { priority: { gte: 2 } }, { not: { status: { in: ['done', 'dropped'] } } }] }
 */
export interface MetadataFilter {
  and?: MetadataFilter[];
  or?: MetadataFilter[];
  not?: MetadataFilter;
  [field: string]: MetadataValue | FieldOps | MetadataFilter | MetadataFilter[] | undefined;
}

const OPS = new Set(['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte']);

function getPath(m: Metadata, path: string): MetadataValue | undefined {
  let cur: MetadataValue | undefined = m;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));
}

function orderable(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

function isOps(v: unknown): v is FieldOps {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    Object.keys(v).length > 0 &&
    Object.keys(v).every((k) => OPS.has(k))
  );
}

function compare(op: string, value: MetadataValue | undefined, arg: unknown): boolean {
  switch (op) {
    case 'eq':
      return equal(value, arg);
    case 'ne':
      return !equal(value, arg);
    case 'in':
    case 'nin': {
      if (!Array.isArray(arg))
        throw new EngramError('InvalidArgument', `filter "${op}" needs an array`);
      const hit = arg.some((a) => equal(value, a));
      return op === 'in' ? hit : !hit;
    }
    default: {
      const a = orderable(value);
      const b = orderable(arg);
      if (b === undefined)
        throw new EngramError('InvalidArgument', `filter "${op}" needs a number or a date`);
      if (a === undefined) return false;
      return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
    }
  }
}

/**
 * Compiles a filter into a predicate over metadata. Throws `InvalidArgument`
 * for a malformed filter at compile time, so a bad filter fails before any work.
 */
export function compileFilter(filter: MetadataFilter | undefined): (m: Metadata) => boolean {
  if (filter === undefined) return () => true;
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw new EngramError('InvalidArgument', 'filters must be an object');
  }
  const parts: ((m: Metadata) => boolean)[] = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (cond === undefined) continue;
    if (key === 'and' || key === 'or') {
      if (!Array.isArray(cond))
        throw new EngramError('InvalidArgument', `filter "${key}" needs an array`);
      const subs = (cond as MetadataFilter[]).map(compileFilter);
      parts.push(key === 'and' ? (m) => subs.every((f) => f(m)) : (m) => subs.some((f) => f(m)));
    } else if (key === 'not') {
      const sub = compileFilter(cond as MetadataFilter);
      parts.push((m) => !sub(m));
    } else if (isOps(cond)) {
      const ops = Object.entries(cond);
      // Validate arguments now (compare throws on malformed ones).
      for (const [op, arg] of ops) compare(op, undefined, arg);
      parts.push((m) => {
        const v = getPath(m, key);
        return ops.every(([op, arg]) => compare(op, v, arg));
      });
    } else {
      parts.push((m) => equal(getPath(m, key), cond));
    }
  }
  return (m) => parts.every((p) => p(m));
}
