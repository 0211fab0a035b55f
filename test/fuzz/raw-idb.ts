// Raw access to a store's IndexedDB database for the fuzz (fake-indexeddb in Node, the page's in
// Chromium): a dump in one transaction on a second connection, and deletion.

const raw = new Map<string, IDBDatabase>();

/** Every record of every object store of database `name`, read in one transaction. */
export async function rawDump(name: string): Promise<Record<string, unknown[]>> {
  let db = raw.get(name);
  if (!db) {
    db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    // Let a reset or a delete elsewhere proceed; the next dump reconnects.
    db.onversionchange = () => {
      db!.close();
      raw.delete(name);
    };
    raw.set(name, db);
  }
  const names = [...db.objectStoreNames];
  const tx = db.transaction(names, 'readonly');
  const out: Record<string, unknown[]> = {};
  await Promise.all(
    names.map(
      (n) =>
        new Promise<void>((resolve, reject) => {
          const req = tx.objectStore(n).getAll();
          req.onsuccess = () => ((out[n] = req.result as unknown[]), resolve());
          req.onerror = () => reject(req.error);
        }),
    ),
  );
  return out;
}

/** Closes the connection of {@link rawDump}, then deletes the database. */
export function dropDatabase(name: string): Promise<void> {
  raw.get(name)?.close();
  raw.delete(name);
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
  });
}
