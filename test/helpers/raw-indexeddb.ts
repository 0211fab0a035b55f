// Every record a page's origin keeps in IndexedDB, as text: for tests that check that some
// words are nowhere in a browser's storage (encryption, erasure).
import type { Page } from 'playwright-core';

/** Every record of every IndexedDB database of the page's origin, as JSON text. */
export function rawIndexedDB(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    for (const { name } of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const r = indexedDB.open(name!);
        r.onsuccess = () => ok(r.result);
        r.onerror = () => fail(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((ok, fail) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => ok(r.result);
          r.onerror = () => fail(r.error);
        });
        out.push(JSON.stringify(all));
      }
      db.close();
    }
    return out.join('\n');
  });
}
