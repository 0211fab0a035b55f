import { expect, test } from 'vitest';
import xxhashWasm from 'xxhash-wasm';
import { xxh32 } from '../../src/store/checksum';

const utf8 = (s: string) => new TextEncoder().encode(s);

test('xxh32 gives the reference digests (xxHash spec vectors)', () => {
  expect(xxh32(utf8(''))).toBe(0x02cc5d05);
  expect(xxh32(utf8('a'))).toBe(0x550d7456);
  expect(xxh32(utf8('abc'))).toBe(0x32d153ff);
  // 39 bytes: two 16-byte stripes, a 4-byte word and three single bytes.
  expect(xxh32(utf8('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
});

test('xxh32 agrees with the reference implementation (xxhash-wasm) on every length, seed and alignment', async () => {
  const ref = await xxhashWasm();
  let x = 12345;
  const random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24) & 255;
  const buffer = new Uint8Array(70_003).map(random);
  for (let len = 0; len <= 80; len++)
    for (const at of [0, 1, 2, 3, 4, 7])
      for (const seed of [0, 1, 0x9e3779b1]) {
        const view = buffer.subarray(at, at + len);
        expect(xxh32(view, seed)).toBe(ref.h32Raw(view.slice(), seed));
      }
  // A longer run, aligned and not (the unaligned view is read through a DataView).
  for (const at of [0, 3]) {
    const view = buffer.subarray(at, at + 70_000);
    expect(xxh32(view)).toBe(ref.h32Raw(view.slice(), 0));
  }
});

test('xxh32 tells one flipped bit anywhere in the bytes', () => {
  const bytes = new Uint8Array(4099).map((_, i) => (i * 31) & 255);
  const whole = xxh32(bytes);
  for (const i of [0, 15, 16, 2047, 4095, 4096, 4098]) {
    const damaged = bytes.slice();
    damaged[i]! ^= 1 << (i % 8);
    expect(xxh32(damaged)).not.toBe(whole);
  }
});
