// Hostile values for the API fuzz: what a careless or malicious caller may pass.
// Pure fast-check arbitraries, loaded both by Node tests and by the Chromium page.
import fc, { type Arbitrary } from 'fast-check';

/** A reference to the k-th memory id the store holds when the call runs (resolved by the runner). */
export class IdRef {
  constructor(readonly k: number) {}
}

/** Ten megabytes of text (a word repeated), built once. */
export const TEN_MB = 'lorem '.repeat(Math.ceil(10_000_000 / 6)).slice(0, 10_000_000);

/** Keys that touch the prototype chain when used carelessly. */
export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

const LONG_ID = 'i'.repeat(100_000);

/** An object whose own property is `__proto__` (JSON.parse makes one; a literal would set the prototype). */
function ownProto(value: unknown): Record<string, unknown> {
  return JSON.parse(`{"__proto__": ${JSON.stringify(value) ?? 'null'}, "a": 1}`) as Record<
    string,
    unknown
  >;
}

/** A cyclic object. */
function cyclic(): Record<string, unknown> {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
}

/** Deeply nested arrays (deeper than JSON.stringify's stack tolerates in some engines). */
function deep(n: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** A lone UTF-16 surrogate. */
export const loneSurrogate: Arbitrary<string> = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((c) => String.fromCharCode(c));

/**
 * Values of the wrong type for almost anything. `cloneable: false` adds functions and symbols,
 * which cannot cross a Worker (the facade must still answer with a typed error).
 */
export function junk(opts: { cloneable?: boolean } = {}): Arbitrary<unknown> {
  const values: unknown[] = [
    undefined,
    null,
    NaN,
    Infinity,
    -Infinity,
    0,
    -0,
    -1,
    1.5,
    1e308,
    2 ** 53 + 2,
    '',
    ' ',
    'x',
    '__proto__',
    true,
    false,
    [],
    [1, 'a'],
    {},
    { a: 1 },
    new Date(NaN),
    new Date(0),
    10n,
    new Map([['a', 1]]),
    new Set([1]),
    new Uint8Array(3),
    new ArrayBuffer(4),
    /re/g,
  ];
  const made: Arbitrary<unknown>[] = [
    fc.constantFrom(...values),
    fc.constant(null).map(() => ownProto({ x: 1 })),
    fc.constant(null).map(() => Object.create(null) as unknown),
    fc.constant(null).map(cyclic),
    fc.constant(null).map(() => deep(5000)),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 8 }),
  ];
  if (opts.cloneable === false)
    made.push(
      fc.constantFrom<unknown>(
        () => 1,
        Symbol('s'),
        async () => {},
      ),
    );
  return fc.oneof(...made);
}

/** Texts: ordinary, odd unicode, lone surrogates, whitespace, at and past the limits, 10 MB. */
export function hostileText(maxTextLength: number): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.string({ maxLength: 10 }), loneSurrogate, fc.string({ maxLength: 10 }))
        .map(([a, s, b]) => a + s + b),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'I live in Berlin',
        'I live in Paris now.',
        'The meeting is at 3pm',
        'The meeting is at 5pm',
        'I no longer have a cat named Tom.',
        'forget that I like tea',
        'Do I like tea?',
        'My phone number is +49 30 1234567',
        'Ada said: "hello"\n\nBob: no.',
        'Yesterday I flew to Rome. Last year I lived in Oslo.',
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('', ' ', '\n\t ', '\u00a0', '\u3000\u2003', '\ufeff', '\u200b'),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'x'.repeat(maxTextLength),
        'y'.repeat(maxTextLength + 1),
        ` ${'z'.repeat(maxTextLength)} `,
        TEN_MB,
      ),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Memory ids: existing ones (most often), odd strings and non-strings. */
export function hostileId(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.nat({ max: 7 }).map((k) => new IdRef(k)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom('', ' ', 'nope', LONG_ID, ...PROTO_KEYS, '\ud800', '0'),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 2, arbitrary: junk() },
  );
}

/** Points in time: valid ones, invalid dates, out-of-range numbers, wrong types. */
export function hostileTime(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 4_000_000_000_000 }) },
    { weight: 1, arbitrary: fc.date({ noInvalidDate: true }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '2021-06-01',
        '2023-07-15T10:00:00Z',
        'yesterday',
        '',
        '2020-13-45',
        '2020-02-30',
        '+275760-09-13T00:00:00.001Z',
        '-271821-04-20T00:00:00.000Z',
        new Date(NaN),
        NaN,
        Infinity,
        -Infinity,
        8.64e15,
        8.64e15 + 1,
        -8.64e15 - 1,
        1e300,
        -1e300,
        1.5,
      ),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Limits and counts: small, zero, negative, fractional, huge, wrong types. */
export function hostileCount(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: -3, max: 30 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        0,
        -1,
        1.5,
        NaN,
        Infinity,
        -Infinity,
        10_000,
        10_001,
        1e9,
        2 ** 31,
        2 ** 32 + 1,
        Number.MAX_SAFE_INTEGER,
        2 ** 53 + 2,
        1e308,
        '5',
      ),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Weights and thresholds: in and out of range, NaN, infinite, wrong types. */
export function hostileNumber(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(0, 1, -0, Number.MIN_VALUE, NaN, Infinity, -Infinity, 1e9, '0.5'),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Booleans and what is mistaken for them. */
export function hostileBool(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constantFrom('true', 'false', 0, 1, null) },
  );
}

/** Vectors: right ones, NaN/Infinity inside, wrong dimension, wrong type, odd views. */
export function hostileVector(dim: number): Arbitrary<unknown> {
  const valid = fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: dim, maxLength: dim })
    .map((a) => Float32Array.from(a));
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    {
      weight: 2,
      arbitrary: fc
        .tuple(valid, fc.nat({ max: dim - 1 }), fc.constantFrom(NaN, Infinity, -Infinity))
        .map(([v, i, x]) => ((v[i] = x), v)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(dim - 1, dim + 1, 0, 1, dim * 2).map((n) => new Float32Array(n)),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<unknown>(
        new Float32Array(dim), // all zeros: no direction
        new Float32Array(dim).fill(3e38), // finite, but its norm overflows
        new Float64Array(dim).fill(0.1),
        Array.from({ length: dim }, () => 0.1),
        new Int8Array(dim),
        new Uint8Array(dim * 4),
        new DataView(new ArrayBuffer(dim * 4)),
        { length: dim },
      ),
    },
    // A view into the middle of a larger buffer.
    {
      weight: 1,
      arbitrary: valid.map((v) => {
        const big = new Float32Array(dim * 3).fill(0.25);
        big.set(v, dim);
        return big.subarray(dim, dim * 2);
      }),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Scope fields. */
export function hostileScopeValue(): Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('ada', 'bob') },
    { weight: 2, arbitrary: fc.constantFrom('', ' ', ...PROTO_KEYS, '\udc00') },
    { weight: 1, arbitrary: junk() },
  );
}

/** Metadata keys: ordinary, dotted, empty, prototype-touching, lone surrogates. */
export const metadataKey: Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('topic', 'n', 'when', 'tags', 'nested') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(...PROTO_KEYS, '', 'a.b', '__proto__.x', 'constructor.name'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  { weight: 1, arbitrary: loneSurrogate },
);

/** Metadata: plain JSON objects (with prototype-touching keys), and what is not one. */
export function hostileMetadata(): Arbitrary<unknown> {
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        NaN,
        Infinity,
        new Date(0),
        new Date(NaN),
        -0,
        '2021-06-01',
      ),
    },
    { weight: 1, arbitrary: junk() },
  );
  const object = fc
    .array(fc.tuple(metadataKey, value), { maxLength: 5 })
    .map((entries) => Object.fromEntries(entries) as unknown);
  return fc.oneof(
    { weight: 5, arbitrary: object },
    { weight: 1, arbitrary: fc.constant(null).map(() => ownProto({ polluted: true })) },
    { weight: 1, arbitrary: fc.constant(null).map(() => ({ nested: ownProto([1, 2]) })) },
    { weight: 1, arbitrary: fc.constant(null).map(() => ({ list: deep(3000) })) },
    { weight: 2, arbitrary: junk() },
  );
}

/** A metadata filter with operators, combinators, prototype-touching keys and junk. */
export function hostileFilter(): Arbitrary<unknown> {
  const { filter } = fc.letrec<{ filter: unknown; ops: unknown; cond: unknown }>((tie) => ({
    ops: fc
      .array(
        fc.tuple(
          fc.constantFrom('eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'bogus', '__proto__'),
          fc.oneof(fc.jsonValue({ maxDepth: 1 }), hostileTime(), junk()),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((e) => Object.fromEntries(e) as unknown),
    cond: fc.oneof(
      { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
      { weight: 3, arbitrary: tie('ops') },
      { weight: 1, arbitrary: tie('filter') },
      { weight: 1, arbitrary: fc.array(tie('filter'), { maxLength: 2 }) },
      { weight: 1, arbitrary: junk() },
    ),
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .array(fc.tuple(fc.oneof(metadataKey, fc.constantFrom('and', 'or', 'not')), tie('cond')), {
          maxLength: 3,
        })
        .map((e) => Object.fromEntries(e) as unknown),
      junk(),
    ),
  }));
  return filter;
}

/**
 * An options object: each known key is left out or given a value from its arbitrary; sometimes an
 * unknown key is added; sometimes the whole object is replaced by junk.
 */
export function hostileOptions(
  keys: Record<string, Arbitrary<unknown>>,
  extra: { cloneable?: boolean } = {},
): Arbitrary<unknown> {
  const known = fc.oneof(
    // Mostly a few options, so that many calls pass validation and exercise what follows.
    {
      weight: 3,
      arbitrary: fc
        .subarray(Object.keys(keys), { maxLength: Math.min(2, Object.keys(keys).length) })
        .chain((ks) =>
          fc.record(
            Object.fromEntries(ks.map((k) => [k, keys[k]!])) as Record<string, Arbitrary<unknown>>,
          ),
        ),
    },
    { weight: 1, arbitrary: fc.record(keys, { requiredKeys: [] }) },
  );
  const unknownKey = fc.option(
    fc.tuple(fc.constantFrom('validFrom', 'limt', 'userid', 'filter', '__proto__'), junk()),
    { freq: 6 },
  );
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.tuple(known, unknownKey).map(([o, u]) => {
        if (!u) return o;
        return Object.fromEntries([...Object.entries(o as object), u]) as unknown;
      }),
    },
    { weight: 1, arbitrary: junk(extra) },
  );
}
