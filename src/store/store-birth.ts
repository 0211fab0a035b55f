// A store's birth record, kept outside IndexedDB: one small file per store in the origin's
// private file system (OPFS). Browsers can discard an origin's IndexedDB without the page
// asking — Chromium deletes a LevelDB it finds corrupt after a crash (see README,
// "A browser bug that loses everything") — and the engine would then open a new, empty
// database as if nothing had been there. With the birth record it knows better and says so.
// Best effort: where OPFS is missing (Node, old browsers) or fails, nothing is recorded.

/** When a store's database was created, as its birth record says. */
export interface StoreBirth {
  /** ISO time of the database's creation. */
  createdAt: string;
}

const DIR = 'engram';

/** The file of a store's birth record, or undefined where OPFS is not available. */
async function birthFile(name: string, create: boolean): Promise<FileSystemFileHandle | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.getDirectory !== 'function') return undefined;
  const root = await storage.getDirectory();
  const dir = await root.getDirectoryHandle(DIR, { create });
  return dir.getFileHandle(`${encodeURIComponent(name)}.birth.json`, { create });
}

/** The birth record of store `name`, or undefined when there is none (or OPFS fails). */
export async function readBirth(name: string): Promise<StoreBirth | undefined> {
  try {
    const file = await birthFile(name, false);
    if (!file) return undefined;
    const parsed = JSON.parse(await (await file.getFile()).text()) as Partial<StoreBirth>;
    return typeof parsed.createdAt === 'string' ? { createdAt: parsed.createdAt } : undefined;
  } catch {
    return undefined; // NotFoundError, unreadable, no OPFS: no record
  }
}

/** Writes the birth record of store `name`; false when OPFS is missing or the write failed. */
export async function writeBirth(name: string, birth: StoreBirth): Promise<boolean> {
  try {
    const file = await birthFile(name, true);
    if (!file || typeof file.createWritable !== 'function') return false;
    const out = await file.createWritable();
    await out.write(JSON.stringify(birth));
    await out.close();
    return true;
  } catch {
    return false;
  }
}

/** Removes the birth record of store `name` (when the store itself is deleted). */
export async function removeBirth(name: string): Promise<void> {
  try {
    const root = await (globalThis.navigator as Navigator | undefined)?.storage?.getDirectory?.();
    const dir = await root?.getDirectoryHandle(DIR);
    await dir?.removeEntry(`${encodeURIComponent(name)}.birth.json`);
  } catch {
    // no record, or no OPFS
  }
}
