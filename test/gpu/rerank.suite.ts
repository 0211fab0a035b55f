// The fused rerank kernel (pool, pairwise similarities, MMR) against its CPU twin.
import { beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { callInPage, gpuPage } from './page';
import type { RerankCase } from './rerank-twin';

type Twin = typeof import('./rerank-twin');

let page: Page;
let gpu = false;

beforeAll(async () => {
  page = await gpuPage();
  gpu = await hasWebGPU(page);
});

const run = (cases: RerankCase[]) =>
  callInPage<Twin, 'runRerankTwin'>(page, '/test/gpu/rerank-twin.ts', 'runRerankTwin', cases);

test('exact data: the kernel picks the same candidates in the same order as the twin', async (ctx) => {
  if (!gpu) return ctx.skip();
  const r = await run([
    { c: 300, dim: 48, seed: 1, exact: true, lambda: 0.5, pool: 60, limit: 10 },
    { c: 700, dim: 37, seed: 2, exact: true, lambda: 0.75, pool: 300, limit: 40 },
    { c: 2048, dim: 64, seed: 3, exact: true, lambda: 0.25, pool: 1024, limit: 20 },
    { c: 50, dim: 16, seed: 4, exact: true, lambda: 1, pool: 100, limit: 30, noFeatures: true },
    { c: 90, dim: 16, seed: 5, exact: true, lambda: 0, pool: 90, limit: 90 },
  ]);
  expect(r.errors).toEqual([]);
  expect(r.gpu).toEqual(r.cpu);
  expect(r.gpu[2]!.length).toBe(20);
  expect(r.gpu[4]!.length).toBe(90);
});

test('clustered floats at 384 dims: same order (no near-ties in this data)', async (ctx) => {
  if (!gpu) return ctx.skip();
  const r = await run([
    { c: 400, dim: 384, seed: 6, exact: false, lambda: 0.7, pool: 100, limit: 20 },
  ]);
  expect(r.errors).toEqual([]);
  expect(r.gpu).toEqual(r.cpu);
});
