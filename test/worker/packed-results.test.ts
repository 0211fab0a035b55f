// Search results cross the Worker as JSON text only where JSON gives back the same values.
import { expect, test } from 'vitest';
import { packResults, unpackResults } from '../../src/worker/packed-results';

const result = {
  id: 'a1',
  memory: 'Ada lives in Berlin \ud800 ✓',
  metadata: { tags: ['x', { deep: [1, 2.5, null, true] }], n: -3.25e-300 },
  createdAt: 1_700_000_000_000,
  version: 2,
  state: 'active',
  score: 0.987654321,
  similarity: 0.5,
  retention: 1,
  superseded: true,
};

test('JSON-exact results travel as one string and come back equal, keys in order', () => {
  const value = { results: [result, { ...result, id: 'b2', metadata: {} }] };
  const wire = packResults(value);
  expect(typeof wire).toBe('string');
  const back = unpackResults(wire);
  expect(back).toStrictEqual(value);
  expect(Object.keys(back.results[0]!)).toEqual(Object.keys(result));
  expect(unpackResults(packResults({ results: [] }))).toStrictEqual({ results: [] });
});

test('values JSON would change travel as they are', () => {
  const changed: unknown[] = [
    -0,
    NaN,
    Infinity,
    undefined,
    new Date(0),
    new Float32Array(2),
    [1, , 3], // a hole
    Object.defineProperty({}, '__proto__', { value: 1, enumerable: true }),
    JSON.parse('{"__proto__": 1}'),
  ];
  for (const v of changed) {
    const value = { results: [{ ...result, metadata: { v } }] };
    expect(packResults(value)).toBe(value);
    expect(unpackResults(packResults(value))).toBe(value);
  }
  let deep: unknown = 'leaf';
  for (let i = 0; i < 70; i++) deep = [deep];
  const nested = { results: [deep] };
  expect(packResults(nested)).toBe(nested);
  // A null-prototype object comes back plain from JSON as from a structured clone.
  const bare = Object.assign(Object.create(null) as object, { a: 1 });
  expect(typeof packResults({ results: [bare] })).toBe('string');
});
