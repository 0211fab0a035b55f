// The WebGPU kernel against its CPU twin on the same data (SwiftShader here:
// correctness only, no timings).
import { beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { nearTieDiff } from '../search/fixtures';
import { callInPage, gpuPage } from './page';
import type { PlainHits, TwinScenario } from './twin';

type Twin = typeof import('./twin');
const TWIN = '/test/gpu/twin.ts';

let page: Page;
let gpu = false;

beforeAll(async () => {
  page = await gpuPage();
  gpu = await hasWebGPU(page);
});

const run = (s: TwinScenario) => callInPage<Twin, 'runTwin'>(page, TWIN, 'runTwin', s);

function asHits(h: PlainHits) {
  return h.slots.map((slots, q) => ({
    slots: Int32Array.from(slots),
    scores: Float32Array.from(h.scores[q]!),
  }));
}

describe('GpuFlatIndex vs CpuFlatIndex', () => {
  test('exact data: identical slots and scores across shards, appends, duplicates, removals', async (ctx) => {
    if (!gpu) return ctx.skip();
    const r = await run({
      rows: 12_000,
      dim: 384,
      data: 'sixteenths',
      seed: 1,
      batches: 5,
      shardRows: 2500, // not a multiple of the 1024-row chunk: partial chunks at every shard end
      duplicateEvery: 3,
      removeFraction: 0.05,
      restoreCount: 40,
      nq: 16,
      ks: [1, 10, 256], // k = 256 needs two merge passes
    });
    expect(r.errors).toEqual([]);
    expect(r.subgroups).toBe(false); // the default: the barrier-only sort (faster on a real GPU)
    expect(r.shards).toBe(5);
    for (let i = 0; i < r.gpu.length; i++) {
      expect(r.gpu[i]!.slots).toEqual(r.cpu[i]!.slots);
      expect(r.gpu[i]!.scores).toEqual(r.cpu[i]!.scores);
    }
    // The data really has ties: some query's top-256 holds equal scores.
    const tied = r.cpu[2]!.scores.some((s) => s.some((x, j) => j > 0 && x === s[j - 1]));
    expect(tied).toBe(true);
    expect(r.cpu[2]!.slots.every((s) => s.length === 256)).toBe(true);
  });

  test('one query, and 9 (a full 8-query tile plus a tile of one): exact, dim spanning 3 staged tiles; both sorts', async (ctx) => {
    if (!gpu) return ctx.skip();
    // dim 300: 75 vec4 per row, staged 32 at a time (the last tile partial);
    // 2500-row shards end mid-chunk, so blocks clamp past-the-end rows.
    // nq 1 with the subgroup sort (where offered), nq 9 with the barrier-only one.
    for (const [nq, subgroups] of [
      [1, true],
      [9, false],
    ] as const) {
      const r = await run({
        subgroups,
        rows: 6000,
        dim: 300,
        data: 'sixteenths',
        seed: 11 + nq,
        batches: 2,
        shardRows: 2500,
        duplicateEvery: 13,
        removeFraction: 0.1,
        nq,
        ks: [1, 10, 256],
      });
      expect(r.errors).toEqual([]);
      expect(r.subgroups).toBe(subgroups && r.subgroupsOffered);
      expect(r.shards).toBe(3);
      expect(r.gpu).toEqual(r.cpu);
      expect(r.gpu[2]!.slots.every((s) => s.length === 256)).toBe(true);
      expect(r.gpu[0]!.slots.length).toBe(nq);
    }
  });

  test('random unit floats: same hits up to near-ties (1e-6)', async (ctx) => {
    if (!gpu) return ctx.skip();
    const r = await run({
      rows: 10_000,
      dim: 384,
      data: 'unit',
      seed: 2,
      batches: 3,
      shardRows: 4096,
      removeFraction: 0.01,
      nq: 8,
      ks: [10, 100],
    });
    expect(r.errors).toEqual([]);
    for (let i = 0; i < r.gpu.length; i++) {
      expect(nearTieDiff(asHits(r.gpu[i]!), asHits(r.cpu[i]!))).toBeNull();
    }
  });

  test('allow mask is applied before top-k, with removals, odd dim and shard size; both sorts', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const subgroups of [true, false]) {
      const r = await run({
        subgroups,
        rows: 5000,
        dim: 37, // padded to 40 floats per row on the GPU
        data: 'sixteenths',
        seed: 3,
        batches: 4,
        shardRows: 777,
        removeFraction: 0.2,
        allowFraction: 0.05,
        nq: 5,
        ks: [7, 50],
      });
      expect(r.errors).toEqual([]);
      expect(r.subgroups).toBe(subgroups && r.subgroupsOffered);
      expect(r.gpu).toEqual(r.cpu);
      // ~5% allowed of ~80% live: ~200 eligible; k = 50 fills up.
      expect(r.gpu[1]!.slots.every((s) => s.length === 50)).toBe(true);
    }
  });

  test('k above the live count returns every live slot, best first; both sorts', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const subgroups of [true, false]) {
      const r = await run({
        subgroups,
        rows: 300,
        dim: 16,
        data: 'sixteenths',
        seed: 4,
        batches: 2,
        removeFraction: 0.5,
        nq: 3,
        ks: [256],
      });
      expect(r.errors).toEqual([]);
      expect(r.gpu).toEqual(r.cpu);
      expect(r.gpu[0]!.slots.every((s) => s.length === r.live)).toBe(true);
      expect(r.live).toBeLessThan(256);
      expect(r.subgroups).toBe(subgroups && r.subgroupsOffered);
    }
  });

  test('bad input is rejected with the same codes as the CPU twin', async (ctx) => {
    if (!gpu) return ctx.skip();
    const codes = await callInPage<Twin, 'gpuErrorCodes'>(page, TWIN, 'gpuErrorCodes', 24);
    expect(codes).toEqual({
      kTooBig: 'InvalidArgument',
      kZero: 'InvalidArgument',
      kFraction: 'InvalidArgument',
      wrongDim: 'DimensionMismatch',
      nanQuery: 'InvalidVector',
      nanWrite: 'InvalidVector',
      gap: 'InvalidArgument',
      removeMissing: 'InvalidArgument',
      k256: 'no error',
    });
  });

  test('GPU work that records a validation error rejects with GpuUnavailable', async (ctx) => {
    if (!gpu) return ctx.skip();
    expect(await callInPage<Twin, 'checkedCode'>(page, TWIN, 'checkedCode')).toBe('GpuUnavailable');
  });
});
