// The code-scan kernels (int8, binary, fp16) against
// their CPU twins on the same data (SwiftShader here: correctness only).
import { beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hasWebGPU } from '../helpers/browser';
import { callInPage, gpuPage } from './page';
import type { QuantScenario } from './quant-twin';

type Twin = typeof import('./quant-twin');
const TWIN = '/test/gpu/quant-twin.ts';

let page: Page;
let gpu = false;
let offered = false; // the adapter has the subgroups feature

beforeAll(async () => {
  page = await gpuPage();
  gpu = await hasWebGPU(page);
  offered = await page.evaluate(
    async () => (await navigator.gpu?.requestAdapter())?.features.has('subgroups') ?? false,
  );
});

const run = (s: QuantScenario) => callInPage<Twin, 'runQuantTwin'>(page, TWIN, 'runQuantTwin', s);

const base = {
  rows: 5000,
  dim: 384,
  seed: 11,
  batches: 3,
  shardRows: 1800,
  removeFraction: 0.03,
  nq: 6,
} as const;

describe('code-scan kernels vs CPU twin', () => {
  test('int8: identical coarse slots and scores (integer dot products), then identical rescored hits', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const rescore of [false, true]) {
      const r = await run({ ...base, mode: 'int8', data: 'clustered', rescore, ks: [1, 10, 100] });
      expect(r.errors).toEqual([]);
      expect(r.gpu).toEqual(r.cpu);
      expect(r.residentBytesPerVector).toBe(384); // 1 byte per dim: 4× below fp32
    }
  });

  test('binary: identical asymmetric (bit-plane) top-k and rescored hits, with an allow mask', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const rescore of [false, true]) {
      const r = await run({
        ...base,
        mode: 'binary',
        data: 'clustered',
        rescore,
        allowFraction: 0.5,
        ks: [1, 10, 256],
      });
      expect(r.errors).toEqual([]);
      expect(r.gpu).toEqual(r.cpu);
      expect(r.residentBytesPerVector).toBe(48);
    }
  });

  test('fp16 (unpack2x16float, or shader-f16 where offered): identical on exactly representable data', async (ctx) => {
    if (!gpu) return ctx.skip();
    const r = await run({
      ...base,
      mode: 'fp16',
      data: 'sixteenths',
      rescore: false,
      ks: [10, 64],
    });
    expect(r.errors).toEqual([]);
    expect(r.gpu).toEqual(r.cpu);
    expect(r.residentBytesPerVector).toBe(768);
  });

  test('odd dim, k above the live count, removals and padding words; both sorts', async (ctx) => {
    if (!gpu) return ctx.skip();
    // The barrier-only sort once (binary): its pipelines cost seconds to build on SwiftShader
    // (int8 21 s, binary 8 s, fp16 8 s under load, against < 0.5 s for a run whose pipelines
    // exist), and its WGSL is the same in every mode: sort.suite.ts checks it against the
    // CPU sort, and the last test here compiles it into every mode's scan.
    for (const [mode, subgroups] of [
      ['int8', true],
      ['binary', true],
      ['fp16', true],
      ['binary', false],
    ] as const) {
      const r = await run({
        mode,
        subgroups,
        rows: 200,
        dim: 37,
        data: 'sixteenths',
        seed: 5,
        batches: 2,
        rescore: false,
        removeFraction: 0.5,
        nq: 5,
        ks: [256],
      });
      expect(r.errors).toEqual([]);
      expect(r.gpu).toEqual(r.cpu);
      expect(r.gpu[0]!.slots[0]!.length).toBeLessThan(200);
      expect(r.subgroups).toBe(subgroups && offered);
    }
  });

  test('coarse passes past 256 candidates (every-row scores + host top-m): identical raw hits, several shards, removals, allow mask', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const mode of ['binary', 'int8', 'fp16'] as const) {
      const r = await callInPage<Twin, 'runWideCoarse'>(
        page,
        TWIN,
        'runWideCoarse',
        mode,
        3000,
        700,
        1100,
      );
      expect(r.errors, mode).toEqual([]);
      expect(r.gpu, mode).toEqual(r.cpu);
      expect(r.gpu[0]!.slots[0]!.length).toBe(700);
    }
  });

  test('every variant compiles (int8 with and without dot4I8Packed; fp16 with f16 where offered; with the subgroup sort where offered)', async (ctx) => {
    if (!gpu) return ctx.skip();
    for (const m of ['int8', 'binary', 'fp16'] as const) {
      for (const entry of ['scan', 'scores'] as const) {
        expect(
          await callInPage<Twin, 'compileErrors'>(
            page,
            TWIN,
            'compileErrors',
            m,
            false,
            false,
            entry,
            true,
          ),
        ).toEqual([]);
      }
    }
    const c = (m: 'int8' | 'binary' | 'fp16', f16: boolean, dot: boolean) =>
      callInPage<Twin, 'compileErrors'>(page, TWIN, 'compileErrors', m, f16, dot);
    expect(await c('int8', false, false)).toEqual([]);
    expect(await c('binary', false, false)).toEqual([]);
    expect(await c('fp16', false, false)).toEqual([]);
    for (const m of ['int8', 'binary', 'fp16'] as const) {
      expect(
        await callInPage<Twin, 'compileErrors'>(
          page,
          TWIN,
          'compileErrors',
          m,
          false,
          false,
          'scores',
        ),
      ).toEqual([]);
    }
    const r = await run({
      ...base,
      rows: 10,
      mode: 'int8',
      data: 'sixteenths',
      rescore: false,
      ks: [1],
    });
    if (r.packedDot) expect(await c('int8', false, true)).toEqual([]);
    if (r.f16) expect(await c('fp16', true, false)).toEqual([]);
  });
});
