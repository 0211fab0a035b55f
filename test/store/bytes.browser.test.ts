// toBase64 takes the runtime's native Uint8Array.prototype.toBase64 when there is one: its
// text must be exactly btoa's, or every payload hash written before would stop verifying.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

test('native and btoa base64 agree byte for byte (all lengths 0..64, and 2,000 vectors)', async () => {
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const { toBase64, fromBase64 } =
      await importSrc<typeof import('../../src/store/bytes')>('/src/store/bytes.ts');
    const viaBtoa = (b: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(b)));
    const bufs: ArrayBuffer[] = [];
    for (let n = 0; n <= 64; n++) bufs.push(crypto.getRandomValues(new Uint8Array(n)).buffer);
    for (let i = 0; i < 2000; i++)
      bufs.push(new Float32Array(384).map(() => Math.random() * 2 - 1).buffer);
    const native = 'toBase64' in Uint8Array.prototype;
    const differ = bufs.filter((b) => toBase64(b) !== viaBtoa(b)).length;
    const roundTrip = bufs.every((b) => toBase64(fromBase64(toBase64(b))) === toBase64(b));
    return { native, differ, roundTrip, n: bufs.length };
  });
  expect(r.native).toBe(true); // the fast path is the one under test
  expect(r.differ).toBe(0);
  expect(r.roundTrip).toBe(true);
  expect(r.n).toBe(2065);
});
