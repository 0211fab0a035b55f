// The crash tests' LevelDB log check (see leveldb-tail.ts) on logs built here in LevelDB's
// format: whole records are kept, an incomplete last record is found wherever it is torn.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { completeLength, cutTornLogTails } from './leveldb-tail';

const BLOCK = 32 * 1024;

/** A log as LevelDB's writer makes it: records fragmented across 32 KiB blocks, zero padding. */
function writeLog(records: number[]): { bytes: Uint8Array; ends: number[] } {
  const out: number[] = [];
  const ends: number[] = [];
  for (const [r, size] of records.entries()) {
    let left = size;
    let first = true;
    do {
      const room = BLOCK - (out.length % BLOCK);
      if (room < 7) {
        for (let i = 0; i < room; i++) out.push(0);
        continue;
      }
      const n = Math.min(left, room - 7);
      const last = n === left;
      const type = first && last ? 1 : first ? 2 : last ? 4 : 3;
      out.push(0xaa, 0xbb, 0xcc, 0xdd, n & 0xff, n >> 8, type);
      for (let i = 0; i < n; i++) out.push((r + i) & 0xff || 1);
      left -= n;
      first = false;
    } while (left > 0);
    ends.push(out.length);
  }
  return { bytes: Uint8Array.from(out), ends };
}

test('a log of whole records is complete, including records that span blocks', () => {
  const { bytes } = writeLog([100, 40_000, 7, 32_761, 90_000, 3]);
  expect(completeLength(bytes)).toBe(bytes.length);
  expect(completeLength(new Uint8Array(0))).toBe(0);
});

test('torn in a header, in a payload, or between fragments: cut back to the last whole record', () => {
  const { bytes, ends } = writeLog([100, 200, 50_000]);
  const lastWhole = ends[1]!;
  // Every cut inside the last record (its header, its first fragment, the next block's
  // header or payload) leaves the two whole records before it.
  for (const at of [
    lastWhole + 3,
    lastWhole + 7,
    lastWhole + 500,
    BLOCK + 2,
    BLOCK + 9,
    ends[2]! - 1,
  ])
    expect(completeLength(bytes.subarray(0, at)), `cut at ${at}`).toBe(lastWhole);
  // The case seen in the crash tests: a header claiming 353 bytes and nothing after it.
  const torn = writeLog([100, 353]).bytes.subarray(0, 100 + 7 + 7);
  expect(completeLength(torn)).toBe(107);
});

test('cutTornLogTails truncates only the logs that end in an incomplete record', () => {
  const profile = mkdtempSync(join(tmpdir(), 'engram-leveldb-'));
  try {
    const dir = join(profile, 'Default', 'IndexedDB', 'http_127.0.0.1_1.indexeddb.leveldb');
    mkdirSync(dir, { recursive: true });
    const { bytes, ends } = writeLog([10, 20, 30]);
    writeFileSync(join(dir, '000003.log'), bytes.subarray(0, ends[2]! - 4));
    writeFileSync(join(dir, '000004.log'), bytes);
    writeFileSync(join(dir, 'MANIFEST-000001'), bytes.subarray(0, 5));
    expect(cutTornLogTails(profile)).toEqual([
      'http_127.0.0.1_1.indexeddb.leveldb/000003.log: 33 bytes of an incomplete last record',
    ]);
    expect(readFileSync(join(dir, '000003.log')).length).toBe(ends[1]);
    expect(readFileSync(join(dir, '000004.log')).length).toBe(bytes.length);
    expect(cutTornLogTails(profile)).toEqual([]);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
