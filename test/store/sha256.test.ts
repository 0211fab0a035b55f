// The synchronous SHA-256 used inside the schema migration agrees with WebCrypto.
import { expect, test } from 'vitest';
import { sha256Hex } from '../../src/store/event-log';
import { sha256HexSync } from '../../src/store/sha256';

test('sha256HexSync matches known vectors and WebCrypto on many lengths', async () => {
  expect(sha256HexSync('')).toBe(
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
  expect(sha256HexSync('abc')).toBe(
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  for (let n = 0; n < 200; n += 7) {
    const text = 'é∑x'.repeat(n) + String(n);
    expect(sha256HexSync(text)).toBe(await sha256Hex(text));
  }
});
