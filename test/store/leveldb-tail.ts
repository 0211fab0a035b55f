// Chromium keeps IndexedDB in LevelDB, which opens with `reuse_logs` and `paranoid_checks`.
// A browser killed while LevelDB appends a record can leave the write-ahead log ending in an
// incomplete record. The next start reads the log, drops that record (it was never
// acknowledged) and then *appends to the same file after it* — so the dropped bytes end up in
// the middle of the log, and the start after that finds them, reports corruption, and Chromium
// deletes the origin's whole IndexedDB. This is LevelDB's bug, not the engine's:
// google/leveldb#1287 (open), fix proposed in google/leveldb#1336 ("do not reuse logs that end
// with an incomplete record"). The crash tests met it in 4 of 37 runs of their stream of kills
// under load: every memory of the origin gone, the engine opening a new,
// empty database. To test the engine's own crash safety, the tests cut such a tail off before
// relaunching — what LevelDB with the fix does in effect (it starts a new log instead).
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';

const BLOCK = 32 * 1024;
const HEADER = 7; // crc32c (4), length (2, little-endian), type (1)
const FULL = 1;
const FIRST = 2;
const LAST = 4;

/**
 * Where a LevelDB log file's last complete record ends, or the file's length if it does not
 * end in an incomplete record (a torn header or payload, or a fragmented record whose last
 * fragment is missing). Checks structure only: a kill cannot garble bytes already written.
 */
export function completeLength(log: Uint8Array): number {
  let at = 0;
  let complete = 0; // end of the last FULL or LAST fragment (or of block padding after it)
  let inFragments = false;
  while (at < log.length) {
    const left = BLOCK - (at % BLOCK);
    if (left < HEADER) {
      // The writer pads a block's last bytes with zeros.
      at += left;
      if (!inFragments) complete = Math.min(at, log.length);
      continue;
    }
    if (at + HEADER > log.length) break; // torn header
    const length = log[at + 4]! | (log[at + 5]! << 8);
    const type = log[at + 6]!;
    if (type === 0 && length === 0) {
      // Zeros (preallocated space): the reader skips the rest of the block.
      at += left;
      if (!inFragments) complete = Math.min(at, log.length);
      continue;
    }
    if (at + HEADER + length > log.length) break; // torn payload
    at += HEADER + length;
    if (type === FIRST) inFragments = true;
    if (type === FULL || type === LAST) {
      inFragments = false;
      complete = at;
    }
  }
  return complete;
}

/** The profile's IndexedDB directories (each origin's LevelDB, blob stores); none before the first. */
export function indexedDbDirs(profile: string): { name: string; path: string }[] {
  const root = join(profile, 'Default', 'IndexedDB');
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return []; // no IndexedDB yet
  }
  return names
    .map((name) => ({ name, path: join(root, name) }))
    .filter((d) => statSync(d.path).isDirectory());
}

/** The write-ahead logs of each LevelDB of the profile's IndexedDB, oldest first per database. */
function levelDbLogs(profile: string): { dir: string; logs: string[] }[] {
  return indexedDbDirs(profile)
    .filter((d) => d.name.endsWith('.leveldb'))
    .map((d) => ({
      dir: d.path,
      logs: readdirSync(d.path)
        .filter((n) => n.endsWith('.log'))
        .sort(),
    }));
}

/**
 * Cuts an incomplete last record off every LevelDB log of the profile's IndexedDB (see the
 * file comment), before the browser is started again on it.
 * @returns one line per file cut: its name and the bytes removed
 */
export function cutTornLogTails(profile: string): string[] {
  const cut: string[] = [];
  for (const { dir, logs } of levelDbLogs(profile))
    for (const f of logs) {
      const path = join(dir, f);
      const bytes = readFileSync(path);
      const keep = completeLength(bytes);
      if (keep === bytes.length) continue;
      truncateSync(path, keep);
      cut.push(`${basename(dir)}/${f}: ${bytes.length - keep} bytes of an incomplete last record`);
    }
  return cut;
}

/**
 * Appends the start of a record that never finished — a 7-byte header announcing `length`
 * bytes, and nothing after it — to the newest log of each LevelDB of the profile's IndexedDB:
 * the state a kill in the middle of LevelDB's write leaves (to reproduce the bug on purpose).
 * @returns the logs written to
 */
export function tearLogTail(profile: string, length = 353): string[] {
  const torn: string[] = [];
  for (const { dir, logs } of levelDbLogs(profile)) {
    const newest = logs[logs.length - 1];
    if (!newest) continue;
    const path = join(dir, newest);
    // Not across a block's end: there the writer pads and starts the next block.
    if (BLOCK - (statSync(path).size % BLOCK) < HEADER) continue;
    appendFileSync(path, Uint8Array.from([1, 2, 3, 4, length & 0xff, length >> 8, FULL]));
    torn.push(`${basename(dir)}/${newest}`);
  }
  return torn;
}
