// The WASM SIMD index against the JS twin in Chromium (the engine most users
// run): same slots, same scores, and createVectorIndex({ backend: 'cpu', mode: 'fp32' }) uses it
// (the default mode, 'auto', is the IVF index: exact below 20 000 vectors).
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

test('WasmFlatIndex = CpuFlatIndex in Chromium (batches 1/4/16, removals, allow)', async () => {
  const page = await openPage();
  const r = await page.evaluate(async () => {
    type Wasm = typeof import('../../src/search/wasm/wasm-index');
    type Cpu = typeof import('../../src/search/cpu-index');
    type Fix = typeof import('./fixtures');
    type Backend = typeof import('../../src/engine/vector-index-factory');
    const { WasmFlatIndex } = await importSrc<Wasm>('/src/search/wasm/wasm-index.ts');
    const { CpuFlatIndex } = await importSrc<Cpu>('/src/search/cpu-index.ts');
    const { unitRows } = await importSrc<Fix>('/test/search/fixtures.ts');
    const { createVectorIndex } = await importSrc<Backend>('/src/engine/vector-index-factory.ts');
    const dim = 384;
    const data = unitRows(6000, dim, 3);
    const wasm = new WasmFlatIndex({ dim });
    const cpu = new CpuFlatIndex({ dim });
    await wasm.write(0, data);
    await cpu.write(0, data);
    wasm.remove([5, 77, 1234]);
    cpu.remove([5, 77, 1234]);
    const allow = new Uint8Array(6000).map((_, i) => (i % 5 === 0 ? 0 : 1));
    const mismatches: string[] = [];
    for (const nq of [1, 4, 16]) {
      const queries = unitRows(nq, dim, 50 + nq);
      for (const a of [undefined, allow]) {
        const got = await wasm.search(queries, 10, a);
        const want = await cpu.search(queries, 10, a);
        got.forEach((h, q) => {
          if (String(h.slots) !== String(want[q]!.slots)) mismatches.push(`slots nq=${nq} q=${q}`);
          if (String(h.scores) !== String(want[q]!.scores))
            mismatches.push(`scores nq=${nq} q=${q}`);
        });
      }
    }
    const chosen = await createVectorIndex({ dim, backend: 'cpu', mode: 'fp32' });
    return { mismatches, cpuIndex: chosen.index.constructor.name };
  });
  expect(r.mismatches).toEqual([]);
  expect(r.cpuIndex).toBe('WasmFlatIndex');
});
