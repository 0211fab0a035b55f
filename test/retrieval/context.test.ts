import { expect, test } from 'vitest';
import { expandContext } from '../../src/retrieval/context';

const episode = ['t0', 't1', 't2', 't3', 't4'];
const neighbours = (id: string, radius: number) => {
  const i = episode.indexOf(id);
  const out: { id: string; distance: number }[] = [];
  for (let d = 1; d <= radius; d++) {
    if (episode[i - d]) out.push({ id: episode[i - d]!, distance: -d });
    if (episode[i + d]) out.push({ id: episode[i + d]!, distance: d });
  }
  return out;
};

test('a hit lends a decayed score to its neighbours in the episode', () => {
  const s = expandContext(new Map([['t2', 1]]), neighbours, { radius: 2, weight: 0.5, decay: 0.5 });
  expect(Object.fromEntries(s)).toEqual({ t2: 1, t1: 0.5, t3: 0.5, t0: 0.25, t4: 0.25 });
});

test('backward weight differs from forward; a neighbour keeps its own score plus the best loan', () => {
  const s = expandContext(
    new Map([
      ['t2', 1],
      ['t3', 0.2],
    ]),
    neighbours,
    { radius: 1, weight: 0.6, backward: 0.2 },
  );
  expect(s.get('t3')).toBeCloseTo(0.2 + 0.6, 9);
  expect(s.get('t1')).toBeCloseTo(0.2, 9);
  expect(s.get('t4')).toBeCloseTo(0.12, 9);
});
