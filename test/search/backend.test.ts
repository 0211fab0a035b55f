// createVectorIndex in Node: no navigator.gpu, so CPU.
import { expect, test } from 'vitest';
import { createVectorIndex } from '../../src/engine/vector-index-factory';
import { unitRows } from './fixtures';

test("'auto' in Node picks the CPU index and says why", async () => {
  const log: string[] = [];
  const c = await createVectorIndex({ dim: 8, log: (m) => log.push(m) });
  expect(c.backend).toBe('cpu');
  expect(c.index.kind).toBe('cpu');
  expect(c.reason).toMatch(/no WebGPU/);
  expect(log).toHaveLength(1);
  await c.index.write(0, unitRows(3, 8, 1));
  expect((await c.index.search(unitRows(1, 8, 2), 2))[0]!.slots).toHaveLength(2);
});

test("'cpu' is honoured; 'webgpu' without a device and bad options throw coded errors", async () => {
  expect((await createVectorIndex({ dim: 8, backend: 'cpu' })).backend).toBe('cpu');
  await expect(createVectorIndex({ dim: 8, backend: 'webgpu' })).rejects.toMatchObject({
    code: 'GpuUnavailable',
  });
  await expect(
    createVectorIndex({ dim: 8, backend: 'gpu' as unknown as 'auto' }),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
  await expect(createVectorIndex({ dim: 0 })).rejects.toMatchObject({ code: 'InvalidArgument' });
});
