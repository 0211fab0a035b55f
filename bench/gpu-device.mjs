// `node bench/gpu-device.mjs [--out=.gpu/engram-device.mjs]`: bundles bench/device-bench-main.ts
// (the search kernels and their host code from src/gpu, WGSL inlined) into one Node ESM file
// that runs on a machine with a real GPU through Dawn's Node binding (`webgpu`, left external).
// Run the bundle there: `node .gpu/engram-device.mjs --bandwidth-gbs=4800 [--n=1000000]
// [--dim=384] [--batches=1,16] [--k=10] [--reps=10] [--warmup-ms=1000] [--modes=fp32,int8,fp16]
// [--sorts=barrier,subgroups] [--check]` (each mode and batch with both top-k sorts side by side,
// the subgroup one where the device has the feature).
// See bench/RESULTS.md ("Real GPU") for the device tool's recipe.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { findChromium } from '../scripts/find-chromium.mjs';
import { parseFlags } from './launch.mjs';

/** esbuild plugin: `import src from './x.wgsl?raw'` gives the file's text, as Vite does. */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
      namespace: 'raw-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({
      contents: readFileSync(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/**
 * Writes the device bundle.
 * @param {string} outfile - where
 */
export async function buildDeviceBundle(outfile) {
  await build({
    entryPoints: [
      resolve(
        import.meta.dirname ?? new URL('.', import.meta.url).pathname,
        'device-bench-main.ts',
      ),
    ],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    external: ['webgpu'],
    plugins: [rawText],
    logLevel: 'warning',
  });
}

/**
 * The environment that lets Dawn's Node binding use the SwiftShader Vulkan driver Chromium
 * ships (its libvulkan.so.1 and vk_swiftshader_icd.json), for running the bundle on a machine
 * without a GPU; null when no such Chromium is found.
 * @returns {{ LD_LIBRARY_PATH: string, VK_ICD_FILENAMES: string } | null}
 */
export function swiftShaderVulkanEnv() {
  const dirs = ['/usr/lib/chromium'];
  try {
    dirs.unshift(dirname(realpathSync(findChromium())));
  } catch {
    // no Chromium found: only the system path
  }
  const dir = dirs.find(
    (d) => existsSync(join(d, 'vk_swiftshader_icd.json')) && existsSync(join(d, 'libvulkan.so.1')),
  );
  return dir
    ? { LD_LIBRARY_PATH: dir, VK_ICD_FILENAMES: join(dir, 'vk_swiftshader_icd.json') }
    : null;
}

if (process.argv[1] && resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const out = parseFlags(process.argv.slice(2), import.meta.url).text(
    'out',
    '.gpu/engram-device.mjs',
  );
  await buildDeviceBundle(out);
  console.log(`wrote ${out}`);
}
