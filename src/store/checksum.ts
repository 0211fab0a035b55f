// xxHash32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), the content
// checksum of a checkpoint's bytes. It tells damaged or torn bytes from good ones, as LZ4 and
// zstd frames use it; it is not a cryptographic hash (nothing here needs one: whoever can
// rewrite a checkpoint can rewrite its head too). Chromium's WebCrypto digests on the calling
// thread: SHA-256 of a 100k-memory checkpoint (115 MB) held the engine's thread 0.45–0.9 s at
// each open and each checkpoint, this 48–67 ms (bench/RESULTS.md, "Checkpoint checksum").
// By hand, not a package: the packages copy the bytes into their WebAssembly memory first,
// which costs more than the hash here.

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** One lane of a stripe into its accumulator. */
const round = (acc: number, lane: number): number =>
  Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

/** Whether a Uint32Array reads bytes little-endian (as xxHash does) on this machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Words per call of {@link stripes}: 64 KiB. */
const PIECE = 16384;

/**
 * The four accumulators over the stripes of `words[from..to)` (`to - from` a multiple of 4),
 * in place. Called once per 64 KiB rather than once for the whole buffer: V8 optimises a
 * function called often sooner than a long loop in a single call, and a checkpoint is hashed
 * once per open, so most of one call ran unoptimised (131 MB in Node: 88 → 67 ms).
 */
function stripes(words: Uint32Array, from: number, to: number, acc: Int32Array): void {
  let a = acc[0]!;
  let b = acc[1]!;
  let c = acc[2]!;
  let d = acc[3]!;
  for (let i = from; i < to; i += 4) {
    a = round(a, words[i]!);
    b = round(b, words[i + 1]!);
    c = round(c, words[i + 2]!);
    d = round(d, words[i + 3]!);
  }
  acc[0] = a;
  acc[1] = b;
  acc[2] = c;
  acc[3] = d;
}

/**
 * xxHash32 of bytes, as an unsigned 32-bit number.
 * @param bytes - any view (read as 32-bit words in place when 4-byte aligned)
 * @param seed - the seed (default 0)
 * @example
 * xxh32(new TextEncoder().encode('abc')); // 0x32d153ff
 */
export function xxh32(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const at = bytes.byteOffset;
  // Words read where they lie when aligned (the common case: a buffer read whole); else
  // through a DataView, slower, same value.
  const words =
    LITTLE_ENDIAN && at % 4 === 0 ? new Uint32Array(bytes.buffer, at, len >>> 2) : undefined;
  const view = words ? undefined : new DataView(bytes.buffer, at, len);
  const word = (i: number): number => (words ? words[i]! : view!.getUint32(i * 4, true));
  let h: number;
  let i = 0; // next word
  if (len >= 16) {
    const acc = new Int32Array([seed + P1 + P2, seed + P2, seed, seed - P1]);
    const end = (len >>> 4) * 4;
    if (words) for (; i < end; i += PIECE) stripes(words, i, Math.min(end, i + PIECE), acc);
    else for (; i < end; i += 4) for (let l = 0; l < 4; l++) acc[l] = round(acc[l]!, word(i + l));
    i = end;
    h = (rotl(acc[0]!, 1) + rotl(acc[1]!, 7) + rotl(acc[2]!, 12) + rotl(acc[3]!, 18)) | 0;
  } else h = (seed + P5) | 0;
  h = (h + len) | 0;
  for (const n = len >>> 2; i < n; i++)
    h = Math.imul(rotl((h + Math.imul(word(i), P3)) | 0, 17), P4);
  for (let k = i * 4; k < len; k++) h = Math.imul(rotl((h + Math.imul(bytes[k]!, P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}
