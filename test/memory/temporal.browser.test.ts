// Bi-temporal facts: an update is a new version, the old one invalidated (validTo,
// supersededAt); default search shows current facts, asOf travels in event time,
// recordedAsOf in transaction time, both together ask what was believed then about when.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('Berlin then Paris: asOf before and after the move, includeSuperseded, date filters', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = Date.UTC(2024, 0, 1);
    const e = await f.openEngine(f.uniqueName(), { clock: () => now });
    const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
    const { results } = await e.add('I live in Berlin', {
      userId: 'ada',
      infer: false,
      eventTime: '2020-01-01T00:00:00Z',
      metadata: { since: '2020-01-01' },
    });
    const id = results[0]!.id;
    now = Date.UTC(2024, 1, 1);
    const updated = await e.update(id, 'I live in Paris', {
      eventTime: new Date(day(2023, 6, 1)),
      metadata: { since: '2023-06-01' },
    });
    const q = { userId: 'ada', limit: 5, reinforce: false } as const;
    const brief = (x: { results: { memory: string; superseded?: true; version: number }[] }) =>
      x.results.map((m) => [m.memory, m.version, m.superseded ?? false]);
    const current = brief(await e.search('where do I live', q));
    const before = brief(await e.search('where do I live', { ...q, asOf: day(2021, 5, 5) }));
    const after = brief(await e.search('where do I live', { ...q, asOf: '2023-07-01' }));
    const tooEarly = brief(await e.search('where do I live', { ...q, asOf: day(2019, 1, 1) }));
    const all = brief(await e.search('where do I live', { ...q, includeSuperseded: true }));
    // Transaction time: Berlin was recorded on 2024-01-01, Paris replaced it on 2024-02-01.
    const known = (recordedAsOf: number | string, asOf?: number) =>
      e.search('where do I live', { ...q, recordedAsOf, ...(asOf ? { asOf } : {}) }).then(brief);
    const believed = {
      beforeRecorded: await known(day(2023, 12, 1)),
      midJanuary: await known('2024-01-15'),
      march: await known(day(2024, 3, 1)),
      // In mid-January, about July 2023: Berlin (the move was not known yet); in March,
      // Paris then, and Berlin still for 2021.
      midJanuaryAboutJuly: await known(day(2024, 1, 15), day(2023, 7, 1)),
      marchAboutJuly: await known(day(2024, 3, 1), day(2023, 7, 1)),
      marchAbout2021: await known(day(2024, 3, 1), day(2021, 1, 1)),
    };
    const dump = await e.dump();
    const byDate = (await e.getAll({ filters: { since: { gte: new Date(day(2023, 1, 1)) } } }))
      .results.length;
    const byDateOld = (await e.getAll({ filters: { since: { lt: '2021-01-01' } } })).results.length;
    const before2 = f.dumpJson(await e.dump());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const bad = {
      asOf: await code(e.search('x', { asOf: 'not a date' })),
      eventTime: await code(e.add('x', { eventTime: {} as unknown as Date })),
      updateTime: await code(e.update(id, 'y', { eventTime: NaN })),
      superseded: await code(e.search('x', { includeSuperseded: 'yes' as unknown as boolean })),
      recordedAsOf: await code(e.search('x', { recordedAsOf: 'soon' })),
    };
    const same = before2 === f.dumpJson(await e.dump());
    await e.close();
    return {
      updated,
      current,
      before,
      after,
      tooEarly,
      all,
      believed,
      dump,
      byDate,
      byDateOld,
      bad,
      same,
    };
  }, FIXTURE);
  expect(r.updated).toMatchObject({
    memory: 'I live in Paris',
    version: 2,
    validFrom: Date.UTC(2023, 5, 1),
    recordedAt: Date.UTC(2024, 1, 1),
  });
  expect(r.current).toEqual([['I live in Paris', 2, false]]);
  expect(r.before).toEqual([['I live in Berlin', 1, true]]);
  expect(r.after).toEqual([['I live in Paris', 2, false]]);
  expect(r.tooEarly).toEqual([]);
  expect(r.all.sort()).toEqual([
    ['I live in Berlin', 1, true],
    ['I live in Paris', 2, false],
  ]);
  expect(r.believed).toEqual({
    beforeRecorded: [],
    midJanuary: [['I live in Berlin', 1, true]],
    march: [['I live in Paris', 2, false]],
    midJanuaryAboutJuly: [['I live in Berlin', 1, true]],
    marchAboutJuly: [['I live in Paris', 2, false]],
    marchAbout2021: [['I live in Berlin', 1, true]],
  });
  // The old version: event time ends at the move, transaction time at the update.
  expect(r.dump.versions).toHaveLength(1);
  expect(r.dump.versions![0]).toMatchObject({
    text: 'I live in Berlin',
    validFrom: Date.UTC(2020, 0, 1),
    validTo: Date.UTC(2023, 5, 1),
    recordedAt: Date.UTC(2024, 0, 1),
    supersededAt: Date.UTC(2024, 1, 1),
  });
  expect(r.byDate).toBe(1);
  expect(r.byDateOld).toBe(0);
  expect(r.bad).toEqual({
    asOf: 'InvalidArgument',
    eventTime: 'InvalidArgument',
    updateTime: 'InvalidArgument',
    superseded: 'InvalidArgument',
    recordedAsOf: 'InvalidArgument',
  });
  expect(r.same).toBe(true);
});
