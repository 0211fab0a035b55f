// Merging near-duplicates: exact clusters on fixed vectors give exact events,
// getAll, history and search; unmerge restores every store but the log byte
// for byte; bad input changes nothing; the merge survives export/import and
// crosses the Worker; compact({ mergeThreshold }) frees the resident budget.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('merge: exact clusters, events, getAll, history, search; unmerge restores byte for byte', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const n = (v: number[]) => {
      const l = Math.hypot(...v);
      return v.map((x) => x / l);
    };
    // Cosines: a1·a2 0.995, a1·a3 0.989, a2·a3 0.984, b1·b2 0.981, c·g 0.950.
    const table: Record<string, number[]> = {
      a1: [1, 0, 0, 0],
      a2: n([1, 0.1, 0, 0]),
      a3: n([1, 0, 0.15, 0]),
      b1: [0, 1, 0, 0],
      b2: n([0, 1, 0, 0.2]),
      c: [0, 0, 1, 0],
      g: n([0, 0, 1, 0.33]),
      d: [1, 0, 0, 0],
    };
    let now = 1_700_000_000_000;
    const e = await f.openEngine(f.uniqueName('merge'), {
      embedder: f.fixedEmbedder(4, table),
      clock: () => now,
      reinforceOnSearch: false,
    });
    // One batch (same time, so equal retention): a2 is worth most by importance;
    // b1 and b2 tie, b1 is older (lower slot).
    const added = await e.addMany([
      ...['a1', 'a2', 'a3', 'b1', 'b2', 'c', 'g'].map((text) => ({
        text,
        userId: 'ada',
        metadata: text === 'a2' ? { importance: 3 } : { importance: 1 },
      })),
      { text: 'd', userId: 'bob' }, // a1's twin in another scope: never merged with it
    ]);
    const id = Object.fromEntries(added.results.map((x) => [x.memory, x.id]));
    const name = (i: string) => Object.keys(id).find((k) => id[k] === i) ?? i;
    now += 60_000;
    const dense = { userId: 'ada', limit: 10, reinforce: false, retrieval: false } as const;
    const full = { userId: 'ada', limit: 10, reinforce: false } as const;
    const stores = async () => {
      const { events: _e, meta: _m, ...rest } = await e.dump();
      return f.dumpJson(rest);
    };
    const denseBefore = JSON.stringify(await e.search('a1', dense));
    const fullBefore = JSON.stringify(await e.search('a1', full));
    const allBefore = (await e.getAll()).results;
    const storesBefore = await stores();
    const logBefore = ((await e.dump()).events as unknown[]).length;

    const dry = await e.merge({ dryRun: true });
    const dry90 = await e.merge({ dryRun: true, threshold: 0.9 });
    const dryWrote = (await stores()) !== storesBefore;
    const merged = await e.merge();
    const events = ((await e.dump()).events as import('../../src/store/records').EventRecord[])
      .slice(logBefore)
      .map((x) => ({
        type: x.type,
        memoryId: name(x.memoryId),
        actor: x.actor,
        at: x.at,
        payload: x.payload,
      }));
    const afterMerge = {
      ada: (await e.getAll({ userId: 'ada' })).results.map((m) => name(m.id)),
      bob: (await e.getAll({ userId: 'bob' })).results.map((m) => name(m.id)),
      dense: (await e.search('a1', dense)).results.map((m) => name(m.id)),
      full: (await e.search('a1', full)).results.map((m) => name(m.id)),
      historyA1: (await e.history(id.a1!)).map((h) => [
        h.event,
        h.actor,
        h.mergedInto && name(h.mergedInto),
      ]),
      historyA2: (await e.history(id.a2!)).map((h) => [h.event, h.mergedFrom?.map(name)]),
      log: await e.verifyLog(),
      again: await e.merge(), // nothing left to merge
    };
    const one = await e.unmerge(id.b2!); // a merged memory by its own id
    const rest = await e.unmerge(id.a2!); // everything merged into a representative
    const none = await e.unmerge(id.b1!).then(
      () => 'resolved',
      (x: { code?: string }) => x.code,
    );
    const after = {
      one: one.restored.map((m) => name(m.id)),
      rest: rest.restored.map((m) => name(m.id)),
      none,
      storesSame: (await stores()) === storesBefore,
      allSame: JSON.stringify((await e.getAll()).results) === JSON.stringify(allBefore),
      denseSame: JSON.stringify(await e.search('a1', dense)) === denseBefore,
      fullSame: JSON.stringify(await e.search('a1', full)) === fullBefore,
      historyA1: (await e.history(id.a1!)).map((h) => [h.event, h.actor]),
      log: await e.verifyLog(),
    };
    await e.close();
    const named = (c: { clusters: { representative: string; merged: string[] }[] }) =>
      c.clusters.map((x) => [name(x.representative), x.merged.map(name)]);
    return {
      dry: named(dry),
      dry90: named(dry90),
      dryWrote,
      merged: { clusters: named(merged), count: merged.merged },
      events: events.map((x) => ({
        ...x,
        payload: JSON.parse(JSON.stringify(x.payload), (k, v: unknown) =>
          k === 'mergedInto'
            ? name(v as string)
            : k === 'mergedFrom'
              ? (v as string[]).map(name)
              : v,
        ),
      })),
      now,
      afterMerge,
      after,
    };
  }, FIXTURE);
  const clusters = [
    ['a2', ['a1', 'a3']],
    ['b1', ['b2']],
  ];
  expect(r.dry).toEqual(clusters);
  expect(r.dry90).toEqual([...clusters, ['c', ['g']]]);
  expect(r.dryWrote).toBe(false);
  expect(r.merged).toEqual({ clusters, count: 3 });
  const at = r.now;
  const archived = { state: 'archived' };
  expect(r.events).toEqual([
    {
      type: 'memory.merged',
      memoryId: 'a2',
      actor: 'merge',
      at,
      payload: { mergedFrom: ['a1', 'a3'] },
    },
    {
      type: 'memory.merged',
      memoryId: 'a1',
      actor: 'merge',
      at,
      payload: { patch: archived, mergedInto: 'a2' },
    },
    {
      type: 'memory.merged',
      memoryId: 'a3',
      actor: 'merge',
      at,
      payload: { patch: archived, mergedInto: 'a2' },
    },
    { type: 'memory.merged', memoryId: 'b1', actor: 'merge', at, payload: { mergedFrom: ['b2'] } },
    {
      type: 'memory.merged',
      memoryId: 'b2',
      actor: 'merge',
      at,
      payload: { patch: archived, mergedInto: 'b1' },
    },
  ]);
  expect(r.afterMerge.ada).toEqual(['a2', 'b1', 'c', 'g']);
  expect(r.afterMerge.bob).toEqual(['d']);
  // The representative is found by its duplicates' query; the duplicates are not.
  expect(r.afterMerge.dense[0]).toBe('a2');
  for (const gone of ['a1', 'a3', 'b2']) {
    expect(r.afterMerge.dense).not.toContain(gone);
    expect(r.afterMerge.full).not.toContain(gone);
  }
  expect(r.afterMerge.full).toContain('a2');
  expect(r.afterMerge.historyA1).toEqual([
    ['ADD', 'api', undefined],
    ['MERGE', 'merge', 'a2'],
  ]);
  expect(r.afterMerge.historyA2).toEqual([
    ['ADD', undefined],
    ['MERGE', ['a1', 'a3']],
  ]);
  expect(r.afterMerge.log.ok).toBe(true);
  expect(r.afterMerge.again).toEqual({ clusters: [], merged: 0 });
  expect(r.after).toEqual({
    one: ['b2'],
    rest: ['a1', 'a3'],
    none: 'NotFound',
    storesSame: true,
    allSame: true,
    denseSame: true,
    fullSame: true,
    historyA1: [
      ['ADD', 'api'],
      ['MERGE', 'merge'],
      ['RESTORE', 'unmerge'],
    ],
    log: expect.objectContaining({ ok: true }),
  });
});

test('merge, unmerge and compact({ mergeThreshold }): bad input is a typed error and changes nothing', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName('merge-bad'));
    const added = await e.addMany(
      ['same text', 'same text', 'another text'].map((text) => ({ text, userId: 'ada' })),
    );
    const [twin, , other] = added.results.map((x) => x.id);
    await e.merge({ threshold: 0.999 }); // one twin merged into the other
    const before = f.dumpJson(await e.dump());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    type Opts = Parameters<typeof e.merge>[0];
    const codes = {
      zero: await code(e.merge({ threshold: 0 })),
      above: await code(e.merge({ threshold: 1.01 })),
      nan: await code(e.merge({ threshold: NaN })),
      text: await code(e.merge({ threshold: '0.9' } as unknown as Opts)),
      nullOptions: await code(e.merge(null as unknown as Opts)),
      emptyScope: await code(e.merge({ userId: '' })),
      dryRun: await code(e.merge({ dryRun: 'yes' } as unknown as Opts)),
      unknownId: await code(e.unmerge('no-such-id')),
      emptyId: await code(e.unmerge('')),
      neverMerged: await code(e.unmerge(other!)),
      compactThreshold: await code(e.compact({ mergeThreshold: 2 })),
      compactBytes: await code(e.compact({ maxBytes: -1, mergeThreshold: 0.5 })),
      compactScope: await code(
        e.compact({ mergeThreshold: 0.5, runId: 7 } as unknown as Parameters<typeof e.compact>[0]),
      ),
    };
    const unchanged = f.dumpJson(await e.dump()) === before;
    const twinState = (await e.getAll()).results.some((m) => m.id === twin);
    await e.close();
    return { codes, unchanged, twinState };
  }, FIXTURE);
  expect(r.codes).toEqual({
    zero: 'InvalidArgument',
    above: 'InvalidArgument',
    nan: 'InvalidArgument',
    text: 'InvalidArgument',
    nullOptions: 'InvalidArgument',
    emptyScope: 'InvalidArgument',
    dryRun: 'InvalidArgument',
    unknownId: 'NotFound',
    emptyId: 'InvalidArgument',
    neverMerged: 'NotFound',
    compactThreshold: 'InvalidArgument',
    compactBytes: 'InvalidArgument',
    compactScope: 'InvalidArgument',
  });
  expect(r.unchanged).toBe(true);
  expect(r.twinState).toBe(true);
});

test('a merge survives export/import, and unmerge works on the imported store', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const now = 1_700_000_000_000;
    const open = (n: string) => f.openEngine(n, { clock: () => now, blockRows: 4 });
    const src = await open(f.uniqueName('merge-src'));
    const added = await src.addMany(
      ['tea', 'tea', 'tea', 'coffee', 'coffee', 'water'].map((text) => ({ text, userId: 'ada' })),
    );
    const ids = added.results.map((x) => x.id);
    await src.merge({ threshold: 0.999 });
    await src.unmerge(ids[2]!); // one of the teas comes back on its own
    const view = async (e: Awaited<ReturnType<typeof open>>) => ({
      all: (await e.getAll()).results,
      history: await Promise.all(ids.map((i) => e.history(i))),
      search: (await e.search('tea', { limit: 10, reinforce: false })).results,
      stores: f.dumpJson(
        Object.fromEntries(Object.entries(await e.dump()).filter(([k]) => k !== 'meta')),
      ),
    });
    const lines: string[] = [];
    for await (const line of src.export()) lines.push(line);
    const a = await view(src);
    const dst = await open(f.uniqueName('merge-dst'));
    await dst.import(lines.join('\n'));
    const b = await view(dst);
    const back = (await dst.unmerge(ids[0]!)).restored.map((m) => m.id);
    const active = (await dst.getAll()).results.length;
    await src.close();
    await dst.close();
    return {
      same: JSON.stringify(a) === JSON.stringify(b),
      active: a.all.length,
      back,
      expected: [ids[1]],
      activeAfter: active,
    };
  }, FIXTURE);
  expect(r.same).toBe(true);
  expect(r.active).toBe(4); // tea, tea (unmerged), coffee, water
  expect(r.back).toEqual(r.expected);
  expect(r.activeAfter).toBe(5);
});

test('merge and unmerge cross the Worker (typed errors too); compact({ mergeThreshold }) frees the budget', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.Engram.open({
      name: f.uniqueName('merge-worker'),
      embedder: { type: 'hash', dim: 64 },
      backend: 'cpu',
      worker: true,
      gpuBudgetBytes: 1 << 20,
    });
    await mem.addMany(
      Array.from({ length: 20 }, (_, i) => ({ text: `fact ${i % 5}`, userId: 'ada' })),
    );
    const bad = await mem.merge({ threshold: 3 }).then(
      () => 'resolved',
      (x: { code?: string }) => x.code,
    );
    const before = await mem.compact();
    const compacted = await mem.compact({ mergeThreshold: 0.999 });
    const count = (await mem.getAll()).results.length;
    const rep = compacted.merge!.clusters[0]!.representative;
    const back = await mem.unmerge(rep);
    const history = (await mem.history(rep)).map((h) => h.event);
    await mem.close();
    return { bad, before, compacted, count, back: back.restored.length, history };
  }, FIXTURE);
  expect(r.bad).toBe('InvalidArgument');
  expect(r.before).toMatchObject({ hot: 20, cold: 0 });
  expect(r.compacted.merge!.merged).toBe(15);
  expect(r.compacted.merge!.clusters).toHaveLength(5);
  // The merged rows leave the hot tier (their bytes are free for other memories).
  expect(r.compacted).toMatchObject({ hot: 5, cold: 15 });
  expect(r.compacted.residentBytes).toBeLessThanOrEqual(r.before.residentBytes);
  expect(r.count).toBe(5);
  expect(r.back).toBe(3);
  expect(r.history).toEqual(['ADD', 'MERGE']);
});
