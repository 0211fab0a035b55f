// Sizes of built folders (an install, a build output), for the tests that report them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Total bytes of the files under `dir` (links not followed). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
