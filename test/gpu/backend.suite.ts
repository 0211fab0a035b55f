// createVectorIndex in Chromium (SwiftShader here) and GPU device-loss fallback.
import { expect, test } from 'vitest';
import { hasWebGPU } from '../helpers/browser';
import { callInPage, gpuPage } from './page';

type BackendPage = typeof import('./backend-page');
const PAGE = '/test/gpu/backend-page.ts';

test("'auto' skips a software adapter with a reason; 'webgpu' forces the GPU", async (ctx) => {
  const page = await gpuPage();
  if (!(await hasWebGPU(page))) return ctx.skip();
  const { auto, webgpu } = await callInPage<BackendPage, 'choices'>(page, PAGE, 'choices');
  if (auto.software) {
    expect(auto).toMatchObject({ backend: 'cpu', kind: 'cpu' });
    expect(auto.reason).toMatch(/software adapter/);
    expect(auto.log.join('\n')).toMatch(/software adapter/);
  } else {
    // A hardware adapter: the calibration decides and says so.
    expect(auto.reason).toMatch(/faster|slower/);
  }
  expect(webgpu).toMatchObject({ backend: 'webgpu', kind: 'webgpu' });
  expect(webgpu.reason).toMatch(/webgpu requested/);
});

test('after device loss the index answers from its CPU copy, then recovers', async (ctx) => {
  const page = await gpuPage();
  if (!(await hasWebGPU(page))) return ctx.skip();
  const r = await callInPage<BackendPage, 'deviceLoss'>(page, PAGE, 'deviceLoss');
  expect(r.kindBefore).toBe('webgpu');
  expect(r.kindDuring).toBe('cpu');
  expect(r.during).toEqual(r.before);
  expect(r.recovered).toBe(true);
  expect(r.kindAfter).toBe('webgpu');
  expect(r.sameDevice).toBe(false);
  expect(r.after).toEqual(r.cpuAfter); // the new device got the writes made while lost
  expect(r.after).not.toEqual(r.before);
  const log = (r.log as string[]).join('\n');
  expect(log).toMatch(/device lost/);
  expect(log).toMatch(/answering from the CPU copy/);
  expect(log).toMatch(/restored on a new device/);
});
