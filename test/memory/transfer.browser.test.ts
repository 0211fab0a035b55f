// export() → import() round trip: identical getAll(), history() and search in a
// fresh store; vectors optional; merge skips existing ids; bad files write nothing.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('export, import into a fresh store: same memories, history, search and log', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = 1_700_000_000_000;
    const clock = () => now;
    const open = (n: string) => f.openEngine(n, { blockRows: 4, clock, linkThreshold: 0.3 });
    const src = await open(f.uniqueName());
    const ids = await f.buildHistory(src, () => (now += 3_600_000));
    const lines: string[] = [];
    for await (const line of src.export()) lines.push(line);
    const slim: string[] = [];
    for await (const line of src.export({ vectors: false })) slim.push(line);

    const q = { userId: 'ada', limit: 10, reinforce: false } as const;
    const view = async (e: Awaited<ReturnType<typeof open>>) => ({
      all: (await e.getAll()).results,
      history: await Promise.all(Object.values(ids).map((id) => e.history(id))),
      search: (await e.search('where do I live and work', q)).results,
      log: await e.verifyLog(),
      stores: Object.fromEntries(
        Object.entries(await e.dump())
          .filter(([k]) => k !== 'meta')
          .map(([k, v]) => [k, f.dumpJson({ v })]),
      ),
    });
    const a = await view(src);
    const progress: number[] = [];
    const dst = await open(f.uniqueName());
    const result = await dst.import(lines.join('\n'), {
      onProgress: (p) => progress.push(p.done),
    });
    const b = await view(dst);
    const dst2 = await open(f.uniqueName());
    // A stream of arbitrary text chunks works as well; vectors re-embedded from texts.
    const text = slim.join('\n');
    const stream = new ReadableStream<string>({
      start(c) {
        for (let i = 0; i < text.length; i += 1000) c.enqueue(text.slice(i, i + 1000));
        c.close();
      },
    });
    await dst2.import(stream);
    const c = await view(dst2);

    // Merge into a store that already has memories: new ids only, then nothing.
    const target = await open(f.uniqueName());
    await target.add('I collect stamps', { userId: 'ada', infer: false });
    const merged = await target.import(lines, { mode: 'merge' });
    const mergedAgain = await target.import(lines, { mode: 'merge' });
    const mergedAll = (await target.getAll()).results.map((m) => m.memory).sort();
    const mergedLog = await target.verifyLog();

    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const snap = f.dumpJson(await target.dump());
    const header = JSON.parse(lines[0]!);
    const forgedEvent = lines.map((l) =>
      l.includes('"kind":"event"') ? l.replace('I like green tea', 'I like black tea') : l,
    );
    const bad = {
      notEmpty: await code(target.import(lines)),
      garbage: await code(target.import('not json', { mode: 'merge' })),
      newer: await code(
        target.import([JSON.stringify({ ...header, version: 99 })], { mode: 'merge' }),
      ),
      mode: await code(target.import(lines, { mode: 'replace' as never })),
      otherEmbedder: await code(
        target.import([JSON.stringify({ ...header, embedderId: 'other' }), ...lines.slice(1)], {
          mode: 'merge',
        }),
      ),
    };
    const same = snap === f.dumpJson(await target.dump());
    const fresh = await open(f.uniqueName());
    const forged = await code(fresh.import(forgedEvent));
    const freshEmpty = (await fresh.getAll()).results.length;
    return {
      header,
      lineCount: lines.length,
      result,
      progress,
      equal: {
        all: JSON.stringify(a.all) === JSON.stringify(b.all),
        history: JSON.stringify(a.history) === JSON.stringify(b.history),
        search: JSON.stringify(a.search) === JSON.stringify(b.search),
        stores: JSON.stringify(a.stores) === JSON.stringify(b.stores),
        slimAll: JSON.stringify(a.all) === JSON.stringify(c.all),
        slimSearch: JSON.stringify(a.search) === JSON.stringify(c.search),
      },
      slimHasVectors: slim.some((l) => l.includes('$f32')),
      fullHasVectors: lines.some((l) => l.includes('$f32')),
      logs: [a.log.ok, b.log.ok, c.log.ok],
      merged,
      mergedAgain,
      mergedCount: mergedAll.length,
      srcCount: a.all.length,
      mergedLog,
      bad,
      same,
      forged,
      freshEmpty,
    };
  }, FIXTURE);
  expect(r.header).toMatchObject({
    kind: 'header',
    format: 'engram-jsonl',
    version: 1,
    embedderId: 'hash-64',
    dim: 64,
    vectors: true,
  });
  expect(r.lineCount).toBe(
    1 +
      r.header.counts.memories +
      r.header.counts.versions +
      r.header.counts.links +
      r.header.counts.events,
  );
  expect(r.result.mode).toBe('empty');
  expect(r.progress.at(-1)).toBe(r.header.counts.events);
  expect(r.equal).toEqual({
    all: true,
    history: true,
    search: true,
    stores: true,
    slimAll: true,
    slimSearch: true,
  });
  expect(r.fullHasVectors).toBe(true);
  expect(r.slimHasVectors).toBe(false);
  expect(r.logs).toEqual([true, true, true]);
  expect(r.merged).toMatchObject({ mode: 'merge', skipped: 0 });
  expect(r.merged.imported).toBe(r.header.counts.memories);
  expect(r.mergedAgain).toMatchObject({ imported: 0, skipped: r.header.counts.memories });
  expect(r.mergedCount).toBe(r.srcCount + 1);
  expect(r.mergedLog).toMatchObject({ ok: true });
  expect(r.bad).toEqual({
    notEmpty: 'NotEmpty',
    garbage: 'InvalidImport',
    newer: 'InvalidImport',
    mode: 'InvalidArgument',
    otherEmbedder: 'EmbedderMismatch',
  });
  expect(r.same).toBe(true);
  expect(r.forged).toBe('InvalidImport');
  expect(r.freshEmpty).toBe(0);
});
