// Governed change against the real IndexedDB of headless Chromium, through the Worker:
// a batch rolled back gives back exactly the state before it (getAll, past versions,
// asOf / includeSuperseded searches, the raw memories, versions and lexical stores), the log
// only grows and verify() stays clean; a conflicting rollback is refused with details; the
// admission hook (the built-in redactor, a function in the page) runs on writes made in the
// Worker; audit lists sources and change sets.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
type Redact = typeof import('../../src/govern/redact');
const FIXTURE = '/test/engine/fixture.ts';

test('batch → rollback restores the state before the batch exactly (Worker, real IndexedDB)', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { redactPersonalData } = await importSrc<Redact>('/src/govern/redact.ts');
    // Change sets, not trust, are under test: 'web' and 'tool' may change the user's memories.
    const mem = await f.openEngram({
      admit: redactPersonalData,
      reinforceOnSearch: false,
      trust: { web: 1, tool: 1 },
    });
    const inWorker = mem.inWorker;
    const topics = ['tea', 'chess', 'Berlin', 'piano', 'rowing', 'Rust', 'tango', 'orchids'];
    const seeded = await mem.addMany(
      Array.from({ length: 40 }, (_, i) => ({
        text: `Fact ${i}: Ada likes ${topics[i % topics.length]} number ${i}`,
        userId: i % 2 ? 'ada' : 'bob',
        metadata: { i },
        link: true,
      })),
    );
    const ids = seeded.results.map((x) => x.id);
    // History before the batch: past versions and a deleted memory.
    for (const i of [1, 2, 3]) await mem.update(ids[i]!, `Fact ${i}: Ada now likes chess ${i}`);
    await mem.delete(ids[4]!);
    const asOf = Date.now();
    const queries = ['Ada likes chess', 'tea number 8', 'Berlin'];
    const state = async () => {
      const d = await mem.dump();
      const known = new Set(ids);
      return {
        getAll: (await mem.getAll({ limit: 10_000 })).results,
        memories: f.dumpJson({
          memories: (d.memories as { id: string }[]).filter((m) => known.has(m.id)),
        }),
        versions: f.dumpJson({ versions: d.versions! }),
        lexical: f.dumpJson({ lexical: d.lexical! }),
        // Everything of each hit but its retention, which moves with the clock.
        searches: (
          await Promise.all(
            queries.flatMap((q) => [
              mem.search(q, { limit: 10 }),
              mem.search(q, { limit: 10, includeSuperseded: true }),
              mem.search(q, { limit: 10, asOf }),
            ]),
          )
        ).map((s) => s.results.map(({ retention: _r, ...hit }) => hit)),
        links: await mem.links(ids),
      };
    };
    const before = await state();
    const logBefore = (await mem.dump()).events!.length;

    const { changeSet, result } = await mem.batch(async (tx) => {
      const a = await tx.add('Fact 1: Ada now likes chess 1 and go. Mail her at ada@example.com.', {
        userId: 'ada',
        source: 'web',
      });
      await tx.update(ids[2]!, 'Fact 2: Ada likes tango again');
      await tx.update(ids[2]!, 'Fact 2: Ada likes tango and salsa', { metadata: { i: 'x' } });
      await tx.delete(ids[5]!);
      await tx.delete(ids[3]!, { source: 'tool' });
      const many = await tx.addMany([
        { text: 'Ada keeps bees', userId: 'ada' },
        { text: 'Bob keeps a card 4111 1111 1111 1111', userId: 'bob' },
      ]);
      return { add: a, many: many.results.map((m) => m.memory) };
    });
    const during = {
      count: (await mem.getAll({ limit: 10_000 })).results.length,
      stored: (await mem.getAll({ limit: 10_000 })).results.map((m) => m.memory),
      audit: (await mem.audit({ changeSet })).results.map((x) => [x.event, x.source, x.actor]),
    };
    const logBatch = (await mem.dump()).events!;
    const undone = await mem.rollback(changeSet);
    const after = await state();
    const logAfter = (await mem.dump()).events!;
    const verify = await mem.verify();
    const verifyLog = await mem.verifyLog();
    const history2 = (await mem.history(ids[2]!)).map((h) => [h.event, h.version]);
    const audit = (await mem.audit({ changeSet })).results.map((x) => x.event);

    // A change set touched by a later write is refused, with the memories and events named.
    const second = await mem.batch((tx) => tx.update(ids[6]!, 'Fact 6: Ada likes croquet'));
    await mem.update(ids[6]!, 'Fact 6: Ada likes polo');
    const dumpBefore = f.dumpJson(await mem.dump());
    const conflict = await mem.rollback(second.changeSet).then(
      () => null,
      (e: { code?: string; details?: { ids?: string[]; seqs?: number[] } }) => ({
        code: e.code,
        ids: e.details?.ids,
        seqs: e.details?.seqs?.length,
      }),
    );
    const unchanged = f.dumpJson(await mem.dump()) === dumpBefore;
    await mem.close();
    return {
      inWorker,
      same: {
        getAll: JSON.stringify(after.getAll) === JSON.stringify(before.getAll),
        memories: after.memories === before.memories,
        versions: after.versions === before.versions,
        lexical: after.lexical === before.lexical,
        searches: JSON.stringify(after.searches) === JSON.stringify(before.searches),
        links: JSON.stringify(after.links) === JSON.stringify(before.links),
      },
      activeBefore: before.getAll.length,
      result,
      during,
      undone: { restored: undone.restored.length, removed: undone.removed.length },
      appended: logAfter.length - logBatch.length,
      batchEvents: logBatch.length - logBefore,
      prefixKept:
        f.dumpJson({ e: logAfter.slice(0, logBatch.length) }) === f.dumpJson({ e: logBatch }),
      verify: { ok: verify.ok, problems: verify.problems.length },
      verifyLog: verifyLog.ok,
      history2,
      audit,
      conflict,
      conflictId: ids[6],
      unchanged,
    };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  expect(r.same).toEqual({
    getAll: true,
    memories: true,
    versions: true,
    lexical: true,
    searches: true,
    links: true,
  });
  expect(r.activeBefore).toBe(39);
  // The admission hook ran in the page on writes made in the Worker.
  expect(r.result.many).toEqual(['Ada keeps bees', 'Bob keeps a card [card]']);
  expect(JSON.stringify(r.result.add)).toContain('[email]');
  expect(JSON.stringify(r.during)).not.toContain('ada@example.com');
  expect(r.during.audit).toContainEqual(['DELETE', 'tool', 'api']);
  expect(r.during.audit.filter((a) => a[1] === 'web').length).toBeGreaterThan(0);
  expect(r.undone.restored).toBeGreaterThanOrEqual(3); // ids 2, 3, 5 (and 1 if consolidated)
  expect(r.undone.removed).toBeGreaterThanOrEqual(2); // bees and the card, at least
  expect(r.appended).toBe(r.undone.restored + r.undone.removed);
  expect(r.prefixKept).toBe(true);
  expect(r.verify).toEqual({ ok: true, problems: 0 });
  expect(r.verifyLog).toBe(true);
  expect(r.history2).toEqual([
    ['ADD', 1],
    ['UPDATE', 2],
    ['UPDATE', 3],
    ['UPDATE', 4],
    ['ROLLBACK', 2],
  ]);
  expect(r.audit.filter((e) => e === 'ROLLBACK')).toHaveLength(r.appended);
  expect(r.conflict).toEqual({ code: 'Conflict', ids: [r.conflictId], seqs: 1 });
  expect(r.unchanged).toBe(true);
  console.log(
    `governed change: ${r.batchEvents} batch events, rollback appended ${r.appended} (${r.undone.restored} restored, ${r.undone.removed} removed); getAll of ${r.activeBefore}, versions, lexical, 9 searches and links equal`,
  );
});
