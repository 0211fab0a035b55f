// Concurrency at scale: three pages of one origin (two with the engine in its Worker, one
// in-page) open a brand-new store at the same instant and race seeded random operations on
// it. Every acknowledged write must survive, and every page must end with the same state.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { Engram } from '../../src/engram';
import { newContext, openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';
const OPS = 150; // 300 until 2 December (CI time); the README gives the figures at 150
const PAGES = [
  { who: 'w1', worker: true, seed: 11 },
  { who: 'w2', worker: true, seed: 22 },
  { who: 'p3', worker: false, seed: 33 },
];
const QUERIES = ['amber river falcon', 'quiet harbor lantern', 'shared copper meadow', 'velvet'];

/** What one page saw acknowledged: its own user's memories and its writes to shared ones. */
interface PageRun {
  /** This page's user's memories: id → last acknowledged text and state. */
  own: [string, { text: string; state: 'active' | 'deleted' | 'archived' | 'erased' }][];
  /** Shared memories this page created: id → text. */
  sharedAdded: [string, string][];
  /** Acknowledged updates of shared memories: id, version, text. */
  sharedUpdated: [string, number, string][];
  /** Shared memories this page deleted or erased (acknowledged). */
  sharedGone: string[];
  /** Acknowledged operations by kind, and shared-memory operations refused with NotFound. */
  acked: Record<string, number>;
  notFound: number;
  ms: number;
}

/** Runs in each page: opens the store at `startAt`, then `ops` seeded random operations. */
async function runPage(args: {
  path: string;
  name: string;
  who: string;
  worker: boolean;
  seed: number;
  ops: number;
  startAt: number;
}): Promise<PageRun> {
  const f = await importSrc<Fixture>(args.path);
  // mulberry32: a small seeded generator, so a failing run can be replayed.
  let s = args.seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(rand() * xs.length)];
  const words = (
    'amber river falcon quiet harbor lantern copper meadow velvet granite orchid ember ' +
    'willow cobalt saffron thistle glacier maple harvest canyon pebble silver tundra juniper'
  ).split(' ');
  const text = (tag: string) => `${tag} ${Array.from({ length: 5 }, () => pick(words)).join(' ')}`;
  const me = `user-${args.who}`;
  const runs = ['r0', 'r1', 'r2', 'r3'];

  await new Promise((r) => setTimeout(r, Math.max(0, args.startAt - Date.now())));
  const t0 = performance.now();
  const mem = await f.Engram.open({
    name: args.name,
    embedder: { type: 'hash', dim: 64 },
    backend: 'cpu',
    worker: args.worker,
  });
  (window as unknown as { mem: Engram }).mem = mem;

  const own = new Map<
    string,
    { text: string; state: PageRun['own'][0][1]['state']; run: string }
  >();
  const out: PageRun = {
    own: [],
    sharedAdded: [],
    sharedUpdated: [],
    sharedGone: [],
    acked: {},
    notFound: 0,
    ms: 0,
  };
  const ack = (kind: string) => (out.acked[kind] = (out.acked[kind] ?? 0) + 1);
  const active = () => [...own].filter(([, m]) => m.state === 'active').map(([id]) => id);
  let sharedIds: string[] = [];
  /** Shared-memory operations may lose a race with another page's delete: NotFound is allowed. */
  const onShared = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      if ((e as { code?: string }).code !== 'NotFound') throw e;
      out.notFound++;
    }
  };

  for (let i = 0; i < args.ops; i++) {
    const r = rand();
    const tag = `${args.who}-${i}`;
    if (r < 0.28) {
      const run = pick(runs)!;
      const res = await mem.add(text(tag), { userId: me, runId: run });
      for (const x of res.results) {
        if (x.event === 'ADD' || x.event === 'UPDATE')
          own.set(x.id, { text: x.memory, state: 'active', run: own.get(x.id)?.run ?? run });
        else if (x.event === 'DELETE') own.get(x.id)!.state = 'deleted';
      }
      ack('add');
    } else if (r < 0.36) {
      const t = text(`shared ${tag}`);
      const res = await mem.add(t, { userId: 'shared', infer: false });
      out.sharedAdded.push([res.results[0]!.id, t]);
      ack('add shared');
    } else if (r < 0.38) {
      const run = pick(runs)!;
      const items = [0, 1, 2].map((k) => ({ text: text(`${tag}.${k}`), userId: me, runId: run }));
      const res = await mem.addMany(items);
      res.results.forEach((x, k) => own.set(x.id, { text: items[k]!.text, state: 'active', run }));
      ack('addMany');
    } else if (r < 0.5) {
      const id = pick(active());
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      const t = text(`${tag} updated`);
      await mem.update(id, t);
      own.get(id)!.text = t;
      ack('update');
    } else if (r < 0.56) {
      const id = pick(sharedIds);
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      const t = text(`shared ${tag} updated`);
      await onShared(async () => {
        const m = await mem.update(id, t);
        out.sharedUpdated.push([id, m.version, t]);
        ack('update shared');
      });
    } else if (r < 0.63) {
      const id = pick(active());
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      await mem.delete(id);
      own.get(id)!.state = 'deleted';
      ack('delete');
    } else if (r < 0.65) {
      const id = pick(sharedIds);
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      await onShared(async () => {
        await mem.delete(id);
        out.sharedGone.push(id);
        ack('delete shared');
      });
    } else if (r < 0.69) {
      const id = pick(active());
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      const receipt = await mem.erase(id);
      for (const x of receipt.ids) own.get(x)!.state = 'erased';
      ack('erase');
    } else if (r < 0.7) {
      const id = pick(sharedIds);
      if (!id) {
        i--; // nothing to act on yet: draw again
        continue;
      }
      await onShared(async () => {
        await mem.erase(id);
        out.sharedGone.push(id);
        ack('erase shared');
      });
    } else if (r < 0.71) {
      const run = pick(runs)!;
      const receipt = await mem.erase({ userId: me, runId: run });
      for (const x of receipt.ids) own.get(x)!.state = 'erased';
      ack('erase scope');
    } else if (r < 0.73) {
      const run = pick(runs)!;
      const { archived } = await mem.forget({ belowRetention: 1, userId: me, runId: run });
      for (const x of archived) own.get(x)!.state = 'archived';
      ack('forget');
    } else if (r < 0.77) {
      // What this page knows of the shared memories (it catches up on its own).
      sharedIds = (await mem.getAll({ userId: 'shared', limit: 100_000 })).results.map((m) => m.id);
      ack('getAll');
    } else {
      const scope = rand() < 0.5 ? { userId: me } : rand() < 0.5 ? { userId: 'shared' } : {};
      await mem.search(pick(words)!, { ...scope, limit: 5 });
      ack('search');
    }
  }
  out.own = [...own].map(([id, m]) => [id, { text: m.text, state: m.state }]);
  out.ms = performance.now() - t0;
  return out;
}

/** The state a page shows: every active memory (id, text, version, scope) and the log length. */
function snapshot(page: Page) {
  return page.evaluate(async () => {
    const mem = (window as unknown as { mem: Engram }).mem;
    const all = (await mem.getAll({ limit: 100_000 })).results
      .map((m) => [m.id, m.memory, m.version, m.userId ?? null] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return { all: JSON.stringify(all), count: all.length };
  });
}

test('three pages race 150 mixed operations each on a new store: nothing acknowledged is lost, all end equal', async () => {
  const context = await newContext();
  const pages = await Promise.all(PAGES.map(() => openPage(undefined, context)));
  const name = `race-${Date.now()}`;
  const startAt = Date.now() + 1500;
  const t0 = Date.now();
  const runs = await Promise.all(
    pages.map((page, i) =>
      page.evaluate(runPage, { path: FIXTURE, name, ops: OPS, startAt, ...PAGES[i]! }),
    ),
  );
  const raceMs = Date.now() - t0 - 1500;

  // What must be there: each page's own memories as it last saw them acknowledged, and every
  // shared memory not deleted, at its highest acknowledged version.
  const expected = new Map<string, { text: string; version?: number }>();
  for (const run of runs)
    for (const [id, m] of run.own) if (m.state === 'active') expected.set(id, { text: m.text });
  const gone = new Set(runs.flatMap((r) => r.sharedGone));
  for (const [id, t] of runs.flatMap((r) => r.sharedAdded))
    if (!gone.has(id)) expected.set(id, { text: t, version: 1 });
  for (const [id, version, t] of runs.flatMap((r) => r.sharedUpdated))
    if (!gone.has(id) && version > expected.get(id)!.version!)
      expected.set(id, { text: t, version });

  // Pages catch up on announcements: wait until all three show the same state.
  let snaps = await Promise.all(pages.map(snapshot));
  for (let i = 0; i < 100 && new Set(snaps.map((s) => s.all)).size > 1; i++) {
    await new Promise((r) => setTimeout(r, 100));
    snaps = await Promise.all(pages.map(snapshot));
  }
  expect(snaps[1]!.all).toBe(snaps[0]!.all);
  expect(snaps[2]!.all).toBe(snaps[0]!.all);

  const all = JSON.parse(snaps[0]!.all) as [string, string, number, string | null][];
  const shown = new Map(all.map(([id, text, version]) => [id, { text, version }]));
  const lost = [...expected].filter(([id, e]) => shown.get(id)?.text !== e.text);
  const unexpected = [...shown.keys()].filter((id) => !expected.has(id));
  expect(lost).toEqual([]);
  expect(unexpected).toEqual([]);
  for (const [id, e] of expected)
    if (e.version !== undefined) expect(shown.get(id)!.version).toBe(e.version);

  // The same search results everywhere (similarity only: retention depends on each page's clock).
  const searches = await Promise.all(
    pages.map((page) =>
      page.evaluate(async (queries) => {
        const mem = (window as unknown as { mem: Engram }).mem;
        const out: string[][] = [];
        for (const q of queries)
          out.push(
            (await mem.search(q, { limit: 10, retentionWeight: 0 })).results.map(
              (m) => `${m.id} ${m.memory}`,
            ),
          );
        return out;
      }, QUERIES),
    ),
  );
  expect(searches[0]!.every((r) => r.length === 10)).toBe(true);
  expect(searches[1]).toEqual(searches[0]);
  expect(searches[2]).toEqual(searches[0]);

  // Searches buffer their recalls and write them later (recallFlushMs): every page writes its
  // own first, so that no page's log grows between another page's verifyLog() and verify().
  await Promise.all(
    pages.map((page) => page.evaluate(() => (window as unknown as { mem: Engram }).mem.flush())),
  );
  const checks = await Promise.all(
    pages.map((page) =>
      page.evaluate(async () => {
        const mem = (window as unknown as { mem: Engram }).mem;
        const log = await mem.verifyLog();
        const verify = await mem.verify();
        await mem.close();
        return { log, verify };
      }),
    ),
  );
  for (const c of checks) {
    expect(c.log).toMatchObject({ ok: true });
    // Every derived store (records, versions, vectors, lexical rows, links) agrees with the log.
    expect(c.verify.problems).toEqual([]);
    expect(c.verify).toMatchObject({ ok: true, events: c.log.events });
  }

  const acked = runs.reduce((n, r) => n + Object.values(r.acked).reduce((a, b) => a + b, 0), 0);
  console.log(
    `race: ${PAGES.length} pages × ${OPS} ops in ${raceMs} ms (pages ${runs.map((r) => Math.round(r.ms)).join('/')} ms), ` +
      `${acked} acknowledged, ${runs.reduce((n, r) => n + r.notFound, 0)} shared ops lost a race to a delete (NotFound), ` +
      `${expected.size} memories expected, ${lost.length} lost, ${all.length} shown on every page, ` +
      `log ${checks[0]!.log.events} events, verify() ok; by kind ${JSON.stringify(runs.map((r) => r.acked))}`,
  );
}, 300_000); // ~55 s alone on 2 busy cores; room for CI running two browser files at once
