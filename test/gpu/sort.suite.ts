// The top-k sort alone, barrier-only and with subgroup operations (at the
// adapter's subgroup size and with the span capped at 1 and 2, the split
// points of smaller subgroups), against the CPU sort of the same keys.
import { beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { callInPage, gpuPage } from './page';

type Twin = typeof import('./sort-twin');
const TWIN = '/test/gpu/sort-twin.ts';

let page: Page;
let gpu = false;

beforeAll(async () => {
  page = await gpuPage();
  gpu = await hasWebGPU(page);
});

describe('top-k sort (topk-keys.wgsl)', () => {
  test('barrier-only and subgroup sorts order every chunk as the CPU does', async (ctx) => {
    if (!gpu) return ctx.skip();
    const facts = await callInPage<Twin, 'subgroupFacts'>(page, TWIN, 'subgroupFacts');
    console.log('subgroups', facts);
    const variants = [
      { subgroups: false },
      { subgroups: true },
      { subgroups: true, maxSpan: 1 },
      { subgroups: true, maxSpan: 2 },
    ];
    for (const [i, sort] of variants.entries()) {
      const r = await callInPage<Twin, 'runSortTwin'>(page, TWIN, 'runSortTwin', sort, 24, 5 + i);
      expect(r.errors).toEqual([]);
      expect(r.subgroups).toBe(sort.subgroups && facts.feature);
      expect(r.wrongChunks).toEqual([]);
    }
  });
});
