// Loaded inside test pages: texts made of invented words, a scan of a raw dump for any of
// them and for any vector row, and raw reads and writes of a store's records (tampering).
import { openDB } from 'idb';

const SYLLABLES = ['zor', 'vak', 'quil', 'mend', 'thra', 'plox', 'nurb', 'gask', 'wib', 'jolt'];

/** An invented word (3 syllables), the same for the same `n`. */
export function word(n: number): string {
  const s = SYLLABLES;
  return s[n % 10]! + s[Math.floor(n / 10) % 10]! + s[Math.floor(n / 100) % 10]!;
}

/** `count` texts of 6 invented words each, and metadata values of invented words. */
export function corpus(count: number): { text: string; metadata: Record<string, string> }[] {
  return Array.from({ length: count }, (_, i) => ({
    text: Array.from({ length: 6 }, (_, j) => word((i * 7 + j * 131) % 1000)).join(' '),
    metadata: { topic: word((i * 13 + 500) % 1000), note: `${word((i * 17 + 3) % 1000)}x` },
  }));
}

/** What {@link scanDump} found. */
export interface Scan {
  strings: number;
  binaries: number;
  bytes: number;
  /** Words of the texts or metadata found in a string or in a binary field read as UTF-8. */
  wordHits: string[];
  /** Windows of two consecutive non-zero floats of a real vector found in a binary field. */
  vectorHits: number;
  windows: number;
}

/**
 * Walks every record of a raw dump: every string, and every binary field read as UTF-8 and as
 * float32 (at each of the 4 byte alignments), for any of `words` and any window of two
 * consecutive non-zero components of any of `vectors`.
 */
export function scanDump(
  dump: Record<string, unknown[]>,
  words: readonly string[],
  vectors: readonly Float32Array[],
): Scan {
  const strings: string[] = [];
  const binaries: Uint8Array[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (v instanceof ArrayBuffer) binaries.push(new Uint8Array(v));
    else if (ArrayBuffer.isView(v))
      binaries.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        strings.push(k);
        walk(x);
      }
    }
  };
  walk(dump);
  const utf8 = new TextDecoder('utf-8');
  const texts = [...strings, ...binaries.map((b) => utf8.decode(b))];
  const wordHits = words.filter((w) => texts.some((t) => t.includes(w)));
  // Windows (a, b) of two consecutive non-zero float32 bit patterns of every real vector.
  const windows = new Map<number, Set<number>>();
  let count = 0;
  for (const v of vectors) {
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i + 1 < bits.length; i++) {
      if (bits[i] === 0 || bits[i + 1] === 0) continue;
      let set = windows.get(bits[i]!);
      if (!set) windows.set(bits[i]!, (set = new Set()));
      set.add(bits[i + 1]!);
      count++;
    }
  }
  let vectorHits = 0;
  for (const b of binaries) {
    for (let align = 0; align < 4; align++) {
      const n = Math.floor((b.length - align) / 4);
      if (n < 2) continue;
      const u = new Uint32Array(b.slice(align, align + n * 4).buffer);
      for (let i = 0; i + 1 < n; i++) if (windows.get(u[i]!)?.has(u[i + 1]!)) vectorHits++;
    }
  }
  return {
    strings: strings.length,
    binaries: binaries.length,
    bytes: binaries.reduce((s, b) => s + b.length, 0),
    wordHits,
    vectorHits,
    windows: count,
  };
}

/** Every record of every store of database `name`, read on a connection of its own. */
export async function rawDump(name: string): Promise<Record<string, unknown[]>> {
  const db = await openDB(name);
  try {
    const out: Record<string, unknown[]> = {};
    for (const s of [...db.objectStoreNames]) out[s] = await db.getAll(s);
    return out;
  } finally {
    db.close();
  }
}

/** Rewrites one stored record with `change` (raw, on a connection of its own). */
export async function tamper(
  name: string,
  store: string,
  key: IDBValidKey,
  change: (value: Record<string, unknown>) => unknown,
): Promise<void> {
  const db = await openDB(name);
  try {
    const value = (await db.get(store, key)) as Record<string, unknown>;
    const next = change(value);
    const outOfLine = db.transaction(store).store.keyPath === null;
    await (outOfLine ? db.put(store, next, key) : db.put(store, next));
  } finally {
    db.close();
  }
}

/** A copy of bytes with one bit flipped at `at`. */
export function flipped(buf: ArrayBuffer, at: number): ArrayBuffer {
  const out = new Uint8Array(buf.slice(0));
  out[at] = out[at]! ^ 1;
  return out.buffer;
}
