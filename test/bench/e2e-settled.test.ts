// The end-to-end bench's fill searches until `settled` (bench/e2e-page.ts): nothing building
// and, past the size where 'auto' trains IVF lists, the lists trained, so that its close stores
// them and the cold open is staged from them.
import { expect, test } from 'vitest';
import { settled } from '../../bench/e2e-page';
import { AUTO_IVF_FROM } from '../../src/search/index-mode';

test('settled: nothing building, and trained lists once the store is past IVF size', () => {
  expect(settled({ count: 500, indexMode: 'fp32' })).toBe(true);
  expect(settled({ count: AUTO_IVF_FROM - 1, indexMode: 'fp32' })).toBe(true);
  expect(settled({ count: AUTO_IVF_FROM, indexMode: 'fp32' })).toBe(false); // not trained yet
  expect(settled({ count: 100_000, indexMode: 'ivf' })).toBe(true);
  expect(settled({ count: 100_000, indexMode: 'ivf', indexBuilding: true })).toBe(false);
  expect(settled({ count: 500, indexMode: 'fp32', indexBuilding: true })).toBe(false);
});
