// The forgetting curve: R = exp(-Δt/S) under an injected clock; search hits
// reinforce their memories without writing during the search (one coalesced event
// per memory, at close here); retentionWeight re-ranks; forget archives below a
// bound and restore brings memories back.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('retention, reinforcement on search (buffered, written at close), retentionWeight, forget and restore', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const DAY = 86_400_000;
    let now = 1_700_000_000_000;
    const unit = (x: number, y: number) => [x, y, 0, 0];
    const embedder = f.fixedEmbedder(4, {
      query: unit(1, 0),
      recent: unit(0.8, 0.6),
      old: unit(0.9, Math.sqrt(1 - 0.81)),
      other: unit(0, 1),
    });
    const name = f.uniqueName();
    let e = await f.openEngine(name, { embedder, clock: () => now });
    const opts = { infer: false, link: false } as const;
    const ids: Record<string, string> = {};
    for (const t of ['recent', 'old', 'other'])
      ids[t] = (
        await e.add(t, { ...opts, metadata: { group: t === 'old' ? 'b' : 'a' } })
      ).results[0]!.id;
    // Day 1: a search returns "recent" and "other" (group a), counting readwrite transactions.
    now += DAY;
    let rw = 0;
    const realTx = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      if (args[1] === 'readwrite') rw++;
      return realTx.apply(this, args);
    } as IDBDatabase['transaction'];
    const hit = await e.search('recent', { limit: 2, filters: { group: 'a' } });
    IDBDatabase.prototype.transaction = realTx;
    const countAccessed = async () =>
      ((await e.dump()).events as { type: string }[]).filter((x) => x.type === 'memory.accessed')
        .length;
    const accessedBeforeClose = await countAccessed();
    // Closing writes the buffered recalls; the store reopens with them.
    await e.close();
    e = await f.openEngine(name, { embedder, clock: () => now });
    const accessed = await countAccessed();
    // Day 3: recent (S=2, Δt=2d) vs old (S=1, Δt=3d).
    now += 2 * DAY;
    // Dense path only (retrieval: false): score = similarity, blended with retention by weight.
    const dense = { limit: 2, reinforce: false, retrieval: false } as const;
    const plain = await e.search('query', dense);
    const weighted = await e.search('query', { ...dense, retentionWeight: 0.5 });
    const before = f.dumpJson(await e.dump());
    await e.search('query', { limit: 3, reinforce: false });
    const readOnlySame = before === f.dumpJson(await e.dump());
    const forgotten = await e.forget({ belowRetention: 0.2 });
    const afterForget = (await e.search('query', { limit: 3, reinforce: false })).results.map(
      (m) => m.memory,
    );
    const restored = await e.restore(ids.old!);
    const afterRestore = (await e.search('query', { limit: 3, reinforce: false })).results.map(
      (m) => m.memory,
    );
    const reinforced = await e.reinforce(ids.recent!);
    const history = (await e.history(ids.old!)).map((h) => h.event);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const snap = f.dumpJson(await e.dump());
    const bad = {
      noBound: await code(e.forget({} as never)),
      bound: await code(e.forget({ belowRetention: 2 })),
      zero: await code(e.forget({ belowRetention: 0 })),
      weight: await code(e.search('q', { retentionWeight: -1 })),
      restoreActive: await code(e.restore(ids.recent!)),
      reinforceUnknown: await code(e.reinforce('nope')),
    };
    const same = snap === f.dumpJson(await e.dump());
    await e.close();
    const pick = (x: typeof plain) =>
      x.results.map((m) => [
        m.memory,
        +m.similarity.toFixed(3),
        +m.retention.toFixed(4),
        +m.score.toFixed(4),
      ]);
    return {
      hit: hit.results.map((m) => [m.memory, m.strength]),
      rw,
      accessedBeforeClose,
      accessed,
      plain: pick(plain),
      weighted: pick(weighted),
      readOnlySame,
      forgotten: forgotten.archived.map((id) => Object.keys(ids).find((k) => ids[k] === id)),
      afterForget,
      restored: [restored.state, restored.lastRecalledAt === now],
      afterRestore,
      reinforced: reinforced.strength,
      history,
      bad,
      same,
    };
  }, FIXTURE);
  // The search returned two memories (as found: strength 1) without a read-write transaction;
  // closing logged both recalls.
  expect(r.hit).toEqual([
    ['recent', 1],
    ['other', 1],
  ]);
  expect(r.rw).toBe(0);
  expect(r.accessedBeforeClose).toBe(0);
  expect(r.accessed).toBe(2);
  // Day 3: "recent" was recalled on day 1 (S=2, Δt=2d → e^-1); "old" never (S=1, Δt=3d → e^-3).
  const [e1, e3] = [+Math.exp(-1).toFixed(4), +Math.exp(-3).toFixed(4)];
  expect(r.plain).toEqual([
    ['old', 0.9, e3, 0.9],
    ['recent', 0.8, e1, 0.8],
  ]);
  // With retentionWeight 0.5 the recently recalled memory overtakes the closer, faded one.
  expect(r.weighted).toEqual([
    ['recent', 0.8, e1, +(0.4 + 0.5 * Math.exp(-1)).toFixed(4)],
    ['old', 0.9, e3, +(0.45 + 0.5 * Math.exp(-3)).toFixed(4)],
  ]);
  expect(r.readOnlySame).toBe(true);
  expect(r.forgotten).toEqual(['old']); // e^-3 ≈ 0.05 < 0.2 ≤ e^-1
  expect(r.afterForget).toEqual(['recent', 'other']);
  expect(r.restored).toEqual(['active', true]);
  expect(r.afterRestore).toEqual(['old', 'recent', 'other']);
  expect(r.reinforced).toBe(3);
  expect(r.history).toEqual(['ADD', 'ARCHIVE', 'RESTORE']);
  expect(r.bad).toEqual({
    noBound: 'InvalidArgument',
    bound: 'InvalidArgument',
    zero: 'InvalidArgument',
    weight: 'InvalidArgument',
    restoreActive: 'NotFound',
    reinforceUnknown: 'NotFound',
  });
  expect(r.same).toBe(true);
});
