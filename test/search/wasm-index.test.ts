import { describe, expect, test } from 'vitest';
import { CpuFlatIndex } from '../../src/search/cpu-index';
import { wasmSimdSupported } from '../../src/search/wasm/kernel';
import { WasmFlatIndex } from '../../src/search/wasm/wasm-index';
import { bruteForce, rng, sixteenths, slotLists, unitRows } from './fixtures';

async function pair(data: Float32Array, dim: number, batches = 3) {
  const wasm = new WasmFlatIndex({ dim, initialCapacity: 5 });
  const cpu = new CpuFlatIndex({ dim, initialCapacity: 5 });
  const rows = data.length / dim;
  const step = Math.ceil(rows / batches);
  for (let first = 0; first < rows; first += step) {
    const part = data.subarray(first * dim, Math.min(rows, first + step) * dim);
    await wasm.write(first, part);
    await cpu.write(first, part);
  }
  return { wasm, cpu };
}

describe('WasmFlatIndex', () => {
  test('Node has WASM SIMD', () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  test('same slots and scores as CpuFlatIndex and brute force, batches of 1..17, dims 384/37/1', async () => {
    for (const dim of [384, 37, 1]) {
      const data = unitRows(2500, dim, dim);
      const { wasm, cpu } = await pair(data, dim);
      for (const nq of [1, 3, 4, 5, 16, 17]) {
        const queries = unitRows(nq, dim, 1000 + nq);
        const got = await wasm.search(queries, 10);
        const twin = await cpu.search(queries, 10);
        expect(slotLists(got)).toEqual(slotLists(twin));
        expect(got.map((h) => [...h.scores])).toEqual(twin.map((h) => [...h.scores]));
        expect(slotLists(got)).toEqual(slotLists(bruteForce(data, dim, queries, 10)));
      }
    }
  });

  test('ties → lower slot, on rows with many exactly equal scores', async () => {
    const dim = 48;
    const base = sixteenths(40, dim, 2);
    const data = new Float32Array(400 * dim);
    for (let i = 0; i < 400; i++)
      data.set(base.subarray((i % 40) * dim, ((i % 40) + 1) * dim), i * dim);
    const { wasm, cpu } = await pair(data, dim);
    const queries = sixteenths(9, dim, 3);
    const got = await wasm.search(queries, 60);
    expect(slotLists(got)).toEqual(slotLists(await cpu.search(queries, 60)));
    expect(slotLists(got)).toEqual(slotLists(bruteForce(data, dim, queries, 60)));
  });

  test('near-duplicate rows (differences below the f32 scan error) still rank exactly', async () => {
    const dim = 256;
    const base = unitRows(1, dim, 9);
    const r = rng(4);
    const data = new Float32Array(3000 * dim);
    for (let i = 0; i < 3000; i++)
      for (let d = 0; d < dim; d++) data[i * dim + d] = base[d]! + (r() - 0.5) * 1e-6;
    const { wasm, cpu } = await pair(data, dim);
    const got = await wasm.search(base, 25);
    expect(slotLists(got)).toEqual(slotLists(await cpu.search(base, 25)));
    expect([...got[0]!.scores]).toEqual([...(await cpu.search(base, 25))[0]!.scores]);
  });

  test('removed slots, restore, allow filter and overwrite behave like the twin', async () => {
    const dim = 64;
    const data = unitRows(1000, dim, 5);
    const { wasm, cpu } = await pair(data, dim);
    const queries = unitRows(5, dim, 6);
    const first = await cpu.search(queries, 5);
    const drop = [...new Set(first.flatMap((h) => [...h.slots]))];
    wasm.remove(drop);
    cpu.remove(drop);
    const allow = new Uint8Array(900).map((_, i) => (i % 3 === 0 ? 0 : 1));
    expect(slotLists(await wasm.search(queries, 10, allow))).toEqual(
      slotLists(await cpu.search(queries, 10, allow)),
    );
    expect(slotLists(await wasm.search(queries, 10))).toEqual(
      slotLists(bruteForce(data, dim, queries, 10, new Set(drop))),
    );
    wasm.restore(drop);
    await wasm.write(10, unitRows(3, dim, 77));
    await cpu.write(10, unitRows(3, dim, 77));
    cpu.restore(drop);
    expect(slotLists(await wasm.search(queries, 10))).toEqual(
      slotLists(await cpu.search(queries, 10)),
    );
    // Fewer live rows than k → fewer hits.
    const small = new WasmFlatIndex({ dim });
    await small.write(0, data.subarray(0, 3 * dim));
    small.remove([1]);
    const [few] = await small.search(queries.subarray(0, dim), 10);
    expect([...few!.slots].sort()).toEqual([0, 2]);
  });

  test('rejects what the twin rejects, with the same codes', async () => {
    const index = new WasmFlatIndex({ dim: 4 });
    expect(() => new WasmFlatIndex({ dim: 0 })).toThrow(
      expect.objectContaining({ code: 'InvalidArgument' }),
    );
    await expect(index.write(0, new Float32Array(3))).rejects.toMatchObject({
      code: 'DimensionMismatch',
    });
    await expect(index.write(0, Float32Array.of(1, 2, NaN, 0))).rejects.toMatchObject({
      code: 'InvalidVector',
    });
    await expect(index.write(2, new Float32Array(4))).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    await expect(index.search(new Float32Array(4), 0)).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
    expect(() => index.remove([0])).toThrow(expect.objectContaining({ code: 'InvalidArgument' }));
  });
});

describe("createVectorIndex({ backend: 'cpu' })", () => {
  test("mode 'fp32' uses the WASM index by default and the JS twin with cpuKernel: 'js'; same hits", async () => {
    const { createVectorIndex } = await import('../../src/engine/vector-index-factory');
    const fp32 = { dim: 96, backend: 'cpu', mode: 'fp32' } as const;
    const wasm = (await createVectorIndex(fp32)).index;
    const js = (await createVectorIndex({ ...fp32, cpuKernel: 'js' })).index;
    expect(wasm).toBeInstanceOf(WasmFlatIndex);
    expect(js).toBeInstanceOf(CpuFlatIndex);
    const data = unitRows(700, 96, 8);
    await wasm.write(0, data);
    await js.write(0, data);
    const queries = unitRows(6, 96, 9);
    const a = await wasm.search(queries, 7);
    const b = await js.search(queries, 7);
    expect(slotLists(a)).toEqual(slotLists(b));
    expect(a.map((h) => [...h.scores])).toEqual(b.map((h) => [...h.scores]));
  });
});
