import { expect, test } from 'vitest';
import { hasWebGPU } from '../helpers/browser';
import { gpuPage } from './page';

test('the test browser offers WebGPU on a 127.0.0.1 page', async () => {
  const page = await gpuPage();
  const ok = await hasWebGPU(page);
  const info = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    return a
      ? {
          arch: a.info.architecture,
          vendor: a.info.vendor,
          fallback: (a.info as { isFallbackAdapter?: boolean }).isFallbackAdapter,
        }
      : null;
  });
  console.log('adapter', info);
  expect(ok).toBe(info !== null);
});
