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

/** The origin's `engram` directory in OPFS, or undefined where OPFS is not available. */
async function birthDir(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (typeof storage?.getDirectory !== 'function') return undefined;
  return (await storage.getDirectory()).getDirectoryHandle(DIR, { create });
}

/** The file name of store `name`'s birth record. */
const fileName = (name: string) => `${encodeURIComponent(name)}.birth.json`;

/** The birth record of store `name`, or undefined when there is none (or OPFS fails). */
export async function readBirth(name: string): Promise<StoreBirth | undefined> {
  try {
    const file = await (await birthDir(false))?.getFileHandle(fileName(name));
    if (!file) return undefined;
    const parsed = JSON.parse(await (await file.getFile()).text()) as Partial<StoreBirth>;
    return typeof parsed.createdAt === 'string' ? { createdAt: parsed.createdAt } : undefined;
  } catch {
    return undefined; // NotFoundError, unreadable, no OPFS: no record
  }
}

/** Writes the birth record of store `name` (nothing where OPFS is missing or fails). */
export async function writeBirth(name: string, birth: StoreBirth): Promise<void> {
  try {
    const file = await (await birthDir(true))?.getFileHandle(fileName(name), { create: true });
    if (!file || typeof file.createWritable !== 'function') return;
    const out = await file.createWritable();
    await out.write(JSON.stringify(birth));
    await out.close();
  } catch {
    // best effort: no record
  }
}

/** Removes the birth record of store `name` (when the store itself is deleted). */
export async function removeBirth(name: string): Promise<void> {
  try {
    await (await birthDir(false))?.removeEntry(fileName(name));
  } catch {
    // no record, or no OPFS
  }
}
