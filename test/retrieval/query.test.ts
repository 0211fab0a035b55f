import { expect, test } from 'vitest';
import { processQuery } from '../../src/retrieval/query';

test('question words dropped, names found, time read', () => {
  const q = processQuery(
    'When did Caroline go to the LGBTQ support group in May 2023?',
    Date.UTC(2023, 9, 1),
  );
  expect([...q.terms.keys()]).toEqual([
    'carolin',
    'go',
    'lgbtq',
    'support',
    'group',
    'may',
    '2023',
  ]);
  expect(q.names).toEqual(['Caroline', 'LGBTQ', 'May']);
  expect(q.timeIntent).toBe(true);
  expect(q.windows).toHaveLength(1);
  expect(processQuery('What kind of art does Caroline make?', 0, { nameWeight: 2 }).terms).toEqual(
    new Map([
      ['art', 1],
      ['carolin', 2],
    ]),
  );
});
