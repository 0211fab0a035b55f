// The real-GPU bench script (bench/gpu-device.mjs, bench/device-bench.ts): its flags and figures in Node, and the
// bundle it builds run end to end through Dawn's Node binding (`webgpu`) on the SwiftShader
// Vulkan driver Chromium ships — the same WGSL and host code as the page, checked against
// the CPU twin of each mode.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { swiftShaderVulkanEnv } from '../../bench/gpu-device.mjs';
import {
  DEVICE_DEFAULTS,
  effectiveGbs,
  type DeviceBenchOptions,
  parseDeviceFlags,
  type DeviceBenchResult,
  type SortRatio,
} from '../../bench/device-bench';

describe('gpu-device flags and figures', () => {
  test('defaults are 1M × 384, batches 1 and 16, every mode; flags override them', () => {
    expect(parseDeviceFlags([])).toEqual(DEVICE_DEFAULTS);
    expect(DEVICE_DEFAULTS.sorts).toEqual(['barrier', 'subgroups']);
    expect(DEVICE_DEFAULTS).toMatchObject({ n: 1_000_000, dim: 384, batches: [1, 16] });
    const o = parseDeviceFlags([
      '--bandwidth-gbs',
      '4800',
      '--n=2000',
      '--batches=1,9',
      '--modes=int8',
      '--sorts=subgroups',
      '--warmup-ms=250',
      '--check',
    ]);
    expect(o).toMatchObject({
      bandwidthGbs: 4800,
      n: 2000,
      batches: [1, 9],
      modes: ['int8'],
      sorts: ['subgroups'],
      warmupMs: 250,
    });
    expect(o.check).toBe(true);
  });

  test('unknown flags, modes and bad numbers are refused', () => {
    expect(() => parseDeviceFlags(['--bandwidth=1'])).toThrow(/unknown flag --bandwidth/);
    expect(() => parseDeviceFlags(['--modes=fp32,binary'])).toThrow(/unknown mode 'binary'/);
    expect(() => parseDeviceFlags(['--sorts=radix'])).toThrow(/unknown sort 'radix'/);
    expect(() => parseDeviceFlags(['--n=many'])).toThrow(/--n needs a number/);
    expect(() => parseDeviceFlags(['--k'])).toThrow(/--k needs a value/);
  });

  test('effective bandwidth: 1.536 GB (1M × 384 fp32) in 0.32 ms is 4800 GB/s', () => {
    expect(effectiveGbs(1_000_000 * 384 * 4, 0.32)).toBeCloseTo(4800, 6);
    expect(effectiveGbs(1e9, 0)).toBe(0);
  });
});

describe('the device bundle on SwiftShader through Dawn', () => {
  const env = swiftShaderVulkanEnv() as Record<string, string> | null;
  // A node_modules copied before `webgpu` became a devDependency lacks it (`npm install`).
  const dawn = existsSync('node_modules/webgpu/package.json');
  const dir = mkdtempSync(join(tmpdir(), 'engram-device-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.skipIf(!env || !dawn)(
    'fp32, int8 and fp16 searches match the CPU twins with both sorts side by side, timed on the GPU',
    { timeout: 300_000 },
    () => {
      // As on the device machine: the bundle outside the repo, `webgpu` linked beside it.
      // Built by the command bench/RESULTS.md names (`node bench/gpu-device.mjs`), --out elsewhere.
      const bundle = join(dir, 'engram-device.mjs');
      const built = spawnSync(process.execPath, ['bench/gpu-device.mjs', `--out=${bundle}`], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);
      expect(built.stdout).toContain(`wrote ${bundle}`);
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(resolve('node_modules/webgpu'), join(dir, 'node_modules/webgpu'));
      const n = 2500;
      const dim = 48;
      const r = spawnSync(
        process.execPath,
        [
          bundle,
          `--n=${n}`,
          `--dim=${dim}`,
          '--batches=1,9',
          '--reps=1',
          '--warmup-ms=1',
          '--k=20',
          '--check',
          '--bandwidth-gbs=100',
        ],
        { encoding: 'utf8', timeout: 280_000, env: { ...process.env, ...env } },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const out = JSON.parse(lines[lines.length - 1]!) as DeviceBenchResult & {
        sortRatios: SortRatio[];
        options: DeviceBenchOptions;
      };
      expect(out.adapter).toMatch(/swiftshader/i);
      expect(out.packedDot).toBe(true); // int8 scored with dot4I8Packed
      // SwiftShader's Vulkan driver offers subgroups (size 4): both sorts run.
      expect(out.features).toContain('subgroups');
      expect(out.subgroupSizes).toEqual({ min: 4, max: 4 });
      const keys = (m: string) =>
        ['1', '9'].flatMap((b) => [`${m}:barrier:${b}`, `${m}:subgroups:${b}`]);
      expect(out.rows.map((x) => `${x.mode}:${x.sort}:${x.batch}`)).toEqual(
        ['fp32', 'int8', 'fp16'].flatMap(keys),
      );
      expect(out.sortRatios.map((x) => `${x.mode}:${x.batch}`)).toEqual(
        ['fp32', 'int8', 'fp16'].flatMap((m) => [`${m}:1`, `${m}:9`]),
      );
      const bytesPerRow = { fp32: dim * 4, int8: dim, fp16: dim * 2 };
      for (const row of out.rows) {
        expect(row.matchesCpu, `${row.mode} ${row.sort} batch ${row.batch}`).toBe(true);
        expect(row.sameAsFirstSort, `${row.mode} ${row.sort} batch ${row.batch}`).toBe(true);
        expect(row.rowBytes).toBe(n * bytesPerRow[row.mode]);
        // SwiftShader offers timestamp-query: the per-query time is the GPU's.
        expect(row.gpuMs).toBeGreaterThan(0);
        expect(row.msPerQuery).toBeCloseTo(row.gpuMs! / row.batch, 9);
        expect(row.effectiveGbs).toBeCloseTo(row.rowBytes / (row.gpuMs! * 1e6), 9);
        expect(row.ofBandwidth).toBeCloseTo(row.effectiveGbs / 100, 9);
      }
      // Dawn's timestamps unrounded (it steps them by 65.536 µs unless the bundle turns that off).
      const steps = out.rows.map((x) => Math.round(x.gpuMs! * 1e6) % 65_536);
      expect(steps.some((x) => x !== 0)).toBe(true);
      expect(out.options.warmupMs).toBe(1);
      expect(lines.some((l) => l.startsWith('mode  sort       batch'))).toBe(true);
    },
  );
});
