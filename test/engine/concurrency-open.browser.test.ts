// Tabs opening a brand-new store at the same instant, with different embedders: exactly one
// creates the meta record (inside the upgrade transaction), every other open sees it.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
type LexicalRowModule = typeof import('../../src/retrieval/lexical-row');
const FIXTURE = '/test/engine/fixture.ts';

test('eight connections opening one new store at once, with two embedders: one identity wins, the rest get EmbedderMismatch', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ({ path, lexPath }) => {
      const f = await importSrc<Fixture>(path);
      const { lexicalRow } = await importSrc<LexicalRowModule>(lexPath);
      const identities = Array.from({ length: 8 }, (_, i) => ({
        embedderId: `hash-${i % 2 ? 32 : 64}`,
        dim: i % 2 ? 32 : 64,
      }));
      /** Opens every identity at once; returns what each open saw and the meta stored after. */
      const race = async (name: string) => {
        const outcomes = await Promise.all(
          identities.map((id, i) =>
            f.MemoryStore.open(name, id, { lexicalRow, now: 1000 + i, blockRows: 16 + i }).then(
              (s) => ({ ok: true as const, meta: s.meta, store: s }),
              (e: { code?: string }) => ({ ok: false as const, code: e.code }),
            ),
          ),
        );
        const opened = outcomes.flatMap((o) => (o.ok ? [o] : []));
        const stored = (await opened[0]!.store.dump()).meta;
        for (const o of opened) o.store.close();
        return {
          winners: new Set(opened.map((o) => o.meta.embedderId)).size,
          opened: opened.length,
          codes: outcomes.flatMap((o) => (o.ok ? [] : [o.code])),
          // Every successful open holds the one stored record (same creation time, same blocks).
          sameMeta: opened.every((o) => JSON.stringify(o.meta) === JSON.stringify(stored![0])),
          storedCount: stored!.length,
        };
      };
      const fresh = await race(f.uniqueName('race'));

      // A database left without meta (and empty) by an older version: created once, atomically.
      const legacy = f.uniqueName('race');
      (await f.MemoryStore.open(legacy, identities[0]!, { lexicalRow })).close();
      await new Promise<void>((res, rej) => {
        const req = indexedDB.open(legacy);
        req.onsuccess = () => {
          const tx = req.result.transaction('meta', 'readwrite');
          tx.objectStore('meta').delete('meta');
          tx.oncomplete = () => (req.result.close(), res());
          tx.onerror = () => rej(tx.error);
        };
      });
      return { fresh, legacy: await race(legacy) };
    },
    { path: FIXTURE, lexPath: '/src/retrieval/lexical-row.ts' },
  );
  for (const run of [r.fresh, r.legacy]) {
    expect(run.winners).toBe(1);
    expect(run.opened).toBe(4); // the four opens with the winning embedder
    expect(run.codes).toEqual([
      'EmbedderMismatch',
      'EmbedderMismatch',
      'EmbedderMismatch',
      'EmbedderMismatch',
    ]);
    expect(run.sameMeta).toBe(true);
    expect(run.storedCount).toBe(1);
  }
});
