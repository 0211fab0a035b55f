// Encryption at rest, in Chromium on real IndexedDB: a raw dump of an encrypted store of
// 1,000 memories (versions, links, lexical rows, a checkpoint, the log) holds no word of any
// text or metadata value and no vector row; a wrong passphrase or key is refused with nothing
// touched; changePassphrase rewrites nothing but the meta record; erasure, verify(), rebuild()
// and export/import work on it; the same through the Worker.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
type Page = typeof import('./encryption-page');
const FIXTURE = '/test/engine/fixture.ts';
const PAGE = '/test/store/encryption-page.ts';

test('1,000 encrypted memories: no word of a text or metadata value and no vector row in any store', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ([fixture, helpers]) => {
      const f = await importSrc<Fixture>(fixture);
      const p = await importSrc<Page>(helpers);
      const encryption = { passphrase: 'correct horse battery staple' };
      const items = p.corpus(1000);
      const words = [
        ...new Set(items.flatMap((i) => [...i.text.split(' '), ...Object.values(i.metadata)])),
      ];
      const open = (name: string, extra = {}) =>
        f.openEngine(name, {
          blockRows: 256,
          checkpoint: { minMemories: 100, minEvents: 10, idleMs: false },
          ...extra,
        });
      const name = f.uniqueName('enc');
      let e = await open(name, { encryption });
      const t0 = performance.now();
      await e.addMany(
        items.map((i) => ({ ...i, userId: 'ada' })),
        {},
      );
      const addMs = performance.now() - t0;
      const all = (await e.getAll({ limit: 2000 })).results;
      // Past versions, links, recalls: every kind of record.
      for (const m of all.slice(0, 20)) await e.update(m.id, `${m.memory} ${p.word(999)}`);
      await e.add(items[1]!.text + ' ' + p.word(998), { userId: 'ada', infer: false });
      const hits = (await e.search(items[500]!.text, { userId: 'ada', limit: 3 })).results;
      await e.close(); // writes the recalls and a checkpoint
      const openLog: string[] = [];
      e = await open(name, { encryption, log: (m: string) => openLog.push(m) });
      const reopened = (await e.search(items[500]!.text, { userId: 'ada', limit: 3 })).results;
      const dump = await e.dump();
      const counts = Object.fromEntries(Object.entries(dump).map(([k, v]) => [k, v.length]));
      const vectors = await e.embed([
        ...items.map((i) => i.text),
        ...all.slice(0, 20).map((m) => `${m.memory} ${p.word(999)}`),
      ]);
      const scan = p.scanDump(dump, words, vectors);
      const report = await e.verify();
      await e.close();

      // The same scan of an unencrypted store finds the words and the vectors (the check bites).
      const plain = await open(f.uniqueName('plain'));
      await plain.addMany(items.slice(0, 50).map((i) => ({ ...i, userId: 'ada' })));
      const plainDump = await plain.dump();
      const control = p.scanDump(plainDump, words.slice(0, 400), vectors.slice(0, 50));
      // The unencrypted layout is the one it always was: records in clear, rows dim × 4 bytes.
      const layout = {
        sealed: JSON.stringify(plainDump).includes('sealed'),
        nonce: JSON.stringify(plainDump).includes('nonce'),
        encryption: 'encryption' in (plainDump.meta![0] as object),
        texts: (plainDump.memories as { text?: string }[]).filter((m) => m.text).length,
        rowBytes: [...new Set((plainDump.vectorTail as ArrayBuffer[]).map((b) => b.byteLength))],
      };
      await plain.close();
      return {
        addMs,
        counts,
        scan,
        control,
        layout,
        hits: hits.map((h) => h.memory),
        reopened: reopened.map((h) => h.memory),
        fromCheckpoint: openLog.some((l) => l.includes('opened from the checkpoint')),
        first: items[500]!.text,
        problems: report.problems,
        checked: report.ok,
      };
    },
    [FIXTURE, PAGE] as const,
  );
  console.log('encrypted dump', JSON.stringify({ counts: r.counts, scan: r.scan, addMs: r.addMs }));
  const { wordHits, ...control } = r.control;
  console.log('unencrypted control', JSON.stringify({ ...control, wordHits: wordHits.length }));
  expect(r.counts.memories).toBe(1001);
  expect(r.counts.versions).toBe(20);
  expect(r.counts.lexical).toBe(1001);
  expect(r.counts.checkpoints).toBeGreaterThan(1);
  expect(r.fromCheckpoint).toBe(true); // its sealed chunks open
  expect(r.counts.links).toBeGreaterThan(0);
  // Every sealed record is a binary field: memories, versions, lexical rows, links, payloads…
  const c = r.counts;
  expect(r.scan.binaries).toBeGreaterThanOrEqual(c.memories! + c.versions! + c.lexical! + c.links!);
  expect(r.scan.windows).toBeGreaterThan(20_000);
  expect(r.scan.wordHits).toEqual([]);
  expect(r.scan.vectorHits).toBe(0);
  expect(r.control.wordHits.length).toBeGreaterThan(100);
  expect(r.control.vectorHits).toBeGreaterThan(100);
  expect(r.layout).toEqual({
    sealed: false,
    nonce: false,
    encryption: false,
    texts: 50,
    rowBytes: [64 * 4],
  });
  expect(r.hits[0]).toBe(r.first);
  expect(r.reopened).toEqual(r.hits);
  expect(r.problems).toEqual([]);
  expect(r.checked).toBe(true);
});

test('wrong passphrase or key → WrongKey, nothing touched; no encryption → Encrypted; changePassphrase rewraps only', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ([fixture, helpers]) => {
      const f = await importSrc<Fixture>(fixture);
      const p = await importSrc<Page>(helpers);
      const code = (x: Promise<unknown>) =>
        x.then(
          (v) => {
            if (v && typeof (v as { close?: unknown }).close === 'function')
              void (v as { close: () => Promise<void> }).close();
            return 'opened';
          },
          (err: { code?: string }) => err.code ?? String(err),
        );
      const name = f.uniqueName('enc');
      const t0 = performance.now();
      const e = await f.openEngine(name, { encryption: { passphrase: 'first' } });
      const createMs = performance.now() - t0;
      for (const i of p.corpus(30)) await e.add(i.text, { infer: false, metadata: i.metadata });
      const id = (await e.getAll()).results[0]!.id;
      await e.update(id, `${p.word(7)} ${p.word(8)}`);
      await e.close();
      const before = f.dumpJson(await p.rawDump(name));
      const kek = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, [
        'wrapKey',
        'unwrapKey',
      ]);
      const t1 = performance.now();
      const refused = {
        wrong: await code(f.openEngine(name, { encryption: { passphrase: 'second' } })),
        openMs: performance.now() - t1,
        key: await code(f.openEngine(name, { encryption: { key: kek } })),
        none: await code(f.openEngine(name)),
        empty: await code(f.openEngine(name, { encryption: { passphrase: '' } })),
        both: await code(
          f.openEngine(name, { encryption: { passphrase: 'first', key: kek } as never }),
        ),
      };
      const untouched = f.dumpJson(await p.rawDump(name)) === before;

      // changePassphrase: only meta.encryption changes; the new one opens, the old does not.
      const e2 = await f.openEngine(name, { encryption: { passphrase: 'first' } });
      const wrongOld = await code(e2.changePassphrase('nope', 'second'));
      const beforeChange = await p.rawDump(name);
      await e2.changePassphrase('first', 'second');
      const afterChange = await p.rawDump(name);
      await e2.close();
      const { meta: m1, ...rest1 } = beforeChange;
      const { meta: m2, ...rest2 } = afterChange;
      const strip = (m: unknown[]) => {
        const { encryption: _e, ...x } = m[0] as Record<string, unknown>;
        return JSON.stringify(x);
      };
      const enc = (m: unknown[]) => (m[0] as { encryption: Record<string, unknown> }).encryption;
      const changed = {
        recordsSame: f.dumpJson(rest1) === f.dumpJson(rest2),
        metaRestSame: strip(m1!) === strip(m2!),
        wrappedDiffers: enc(m1!).wrappedKey !== enc(m2!).wrappedKey,
        saltDiffers: enc(m1!).salt !== enc(m2!).salt,
        iterations: enc(m2!).iterations,
      };
      const oldNow = await code(f.openEngine(name, { encryption: { passphrase: 'first' } }));
      const e3 = await f.openEngine(name, { encryption: { passphrase: 'second' } });
      const texts = (await e3.getAll()).results.map((m) => m.memory);
      // And over to a key, and back to a passphrase.
      await e3.changePassphrase('second', kek);
      await e3.close();
      const e4 = await f.openEngine(name, { encryption: { key: kek } });
      const viaKey = (await e4.getAll()).results.length;
      await e4.changePassphrase(kek, 'third');
      await e4.close();
      const e5 = await f.openEngine(name, { encryption: { passphrase: 'third' } });
      const viaThird = (await e5.getAll()).results.length;
      // reset() empties the store and keeps it encrypted under the same key header.
      await e5.reset();
      await e5.add(`${p.word(9)} ${p.word(10)}`, { infer: false });
      await e5.close();
      const e6 = await f.openEngine(name, { encryption: { passphrase: 'third' } });
      const afterReset = (await e6.getAll()).results.map((m) => m.memory);
      await e6.close();
      const resetNone = await code(f.openEngine(name));

      // An unencrypted store with memories refuses encryption; an empty one takes it.
      const plainName = f.uniqueName('plain');
      const plain = await f.openEngine(plainName);
      await plain.add('zorvak mend', { infer: false });
      const plainChange = await code(plain.changePassphrase('a', 'b'));
      await plain.close();
      const notEncrypted = await code(f.openEngine(plainName, { encryption: { passphrase: 'x' } }));
      const emptyName = f.uniqueName('empty');
      await (await f.openEngine(emptyName)).close();
      const late = await f.openEngine(emptyName, { encryption: { passphrase: 'x' } });
      await late.add('zorvak mend', { infer: false });
      await late.close();
      const lateNone = await code(f.openEngine(emptyName));
      return {
        createMs,
        refused,
        untouched,
        wrongOld,
        changed,
        oldNow,
        texts: texts.length,
        hasUpdate: texts.includes(`${p.word(7)} ${p.word(8)}`),
        viaKey,
        viaThird,
        afterReset,
        resetNone,
        resetWant: `${p.word(9)} ${p.word(10)}`,
        plainChange,
        notEncrypted,
        lateNone,
      };
    },
    [FIXTURE, PAGE] as const,
  );
  console.log('open costs', JSON.stringify({ createMs: r.createMs, openMs: r.refused.openMs }));
  expect(r.refused).toMatchObject({
    wrong: 'WrongKey',
    key: 'WrongKey',
    none: 'Encrypted',
    empty: 'InvalidArgument',
    both: 'InvalidArgument',
  });
  expect(r.untouched).toBe(true);
  expect(r.wrongOld).toBe('WrongKey');
  expect(r.changed).toEqual({
    recordsSame: true,
    metaRestSame: true,
    wrappedDiffers: true,
    saltDiffers: true,
    iterations: 600_000,
  });
  expect(r.oldNow).toBe('WrongKey');
  expect(r.texts).toBe(30);
  expect(r.hasUpdate).toBe(true);
  expect(r.viaKey).toBe(30);
  expect(r.viaThird).toBe(30);
  expect(r.afterReset).toEqual([r.resetWant]);
  expect(r.resetNone).toBe('Encrypted');
  expect(r.plainChange).toBe('NotEncrypted');
  expect(r.notEncrypted).toBe('NotEncrypted');
  expect(r.lateNone).toBe('Encrypted');
});

test('encrypted store: erase() leaves none of its sealed bytes; verify() finds tampered, swapped and damaged records; rebuild; export/import', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ([fixture, helpers]) => {
      const f = await importSrc<Fixture>(fixture);
      const p = await importSrc<Page>(helpers);
      const encryption = { passphrase: 'pass' };
      const name = f.uniqueName('enc');
      const e = await f.openEngine(name, { encryption, blockRows: 4 });
      const items = p.corpus(12);
      for (const i of items)
        await e.add(i.text, { infer: false, metadata: i.metadata, userId: 'ada' });
      const ids = (await e.getAll()).results.map((m) => m.id);
      const victim = ids[1]!; // slot 1: in a sealed block
      await e.update(victim, `${p.word(3)} ${p.word(4)}`); // a past version, a tail row
      // Every binary field that holds something of the victim, before erasure.
      const hex = (b: ArrayBuffer) =>
        Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
      const d0 = await e.dump();
      const mine = (rec: unknown) => JSON.stringify(rec).includes(victim);
      const sealedOf = (recs: unknown[]) =>
        recs.filter(mine).flatMap((x) => {
          const s = x as { sealed?: ArrayBuffer; payload?: { sealed?: ArrayBuffer } };
          const b = s.sealed ?? s.payload?.sealed;
          return b ? [hex(b)] : [];
        });
      const victimBlobs = [
        ...sealedOf(d0.memories!),
        ...sealedOf(d0.versions!),
        ...sealedOf(d0.lexical!),
        ...sealedOf(d0.events!),
      ];
      const rowSize = 64 * 4 + 28;
      const block0 = d0.vectorBlocks![0] as ArrayBuffer;
      victimBlobs.push(hex(block0.slice(rowSize, 2 * rowSize)));
      const receipt = await e.erase(victim);
      const d1 = await e.dump();
      const allHex: string[] = [];
      const walk = (v: unknown): void => {
        if (v instanceof ArrayBuffer) allHex.push(hex(v));
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(d1);
      const left = victimBlobs.filter((b) => allHex.some((h) => h.includes(b)));
      const zeroed = new Uint8Array(
        (d1.vectorBlocks![0] as ArrayBuffer).slice(rowSize, 2 * rowSize),
      ).every((x) => x === 0);
      const clean = await e.verify();
      await e.close();

      // Tampering, on a closed store, then verify() on reopening.
      const evs = (await p.rawDump(name)).events as {
        seq: number;
        memoryId: string;
        payload: { sealed?: ArrayBuffer };
      }[];
      const target = evs.find((x) => x.payload.sealed && x.memoryId === ids[2])!;
      await p.tamper(name, 'events', target.seq, (v) => ({
        ...v,
        payload: { sealed: p.flipped((v.payload as { sealed: ArrayBuffer }).sealed, 40) },
      }));
      const [a, b] = [ids[3]!, ids[4]!];
      const ma = (await p.rawDump(name)).memories!.find((m) => (m as { id: string }).id === a) as {
        sealed: ArrayBuffer;
      };
      const mb = (await p.rawDump(name)).memories!.find((m) => (m as { id: string }).id === b) as {
        sealed: ArrayBuffer;
      };
      await p.tamper(name, 'memories', a, (v) => ({ ...v, sealed: mb.sealed })); // swapped
      await p.tamper(name, 'memories', b, (v) => ({ ...v, sealed: p.flipped(mb.sealed, 50) })); // damaged
      void ma;
      const e2 = await f.openEngine(name, { encryption, blockRows: 4 });
      const report = await e2.verify();
      const rebuildRefused = await e2.rebuild().then(
        () => 'rebuilt',
        (x: { code?: string }) => x.code,
      );
      await e2.close();

      // A store where only derived records are damaged: rebuild() repairs it (sealed anew).
      const name2 = f.uniqueName('enc');
      const g = await f.openEngine(name2, { encryption, blockRows: 4 });
      for (const i of items) await g.add(i.text, { infer: false, metadata: i.metadata });
      const gid = (await g.getAll()).results[0]!.id;
      await g.close();
      await p.tamper(name2, 'memories', gid, (v) => ({
        ...v,
        sealed: p.flipped(v.sealed as ArrayBuffer, 20),
      }));
      const g2 = await f.openEngine(name2, { encryption, blockRows: 4 });
      let repaired: unknown;
      {
        const bad = (await g2.verify()).problems.map((x) => x.code);
        await g2.rebuild();
        repaired = {
          bad,
          after: (await g2.verify()).ok,
          count: (await g2.getAll()).results.length,
        };
        // Export: sealed by default, in clear when asked; imports with the passphrase only.
        const lines: string[] = [];
        for await (const l of g2.export()) lines.push(l);
        const clear: string[] = [];
        for await (const l of g2.export({ plaintext: true })) clear.push(l);
        await g2.close();
        const words = items.flatMap((i) => i.text.split(' '));
        const sealedText = lines.join('\n');
        const into = async (opts: object) => {
          const t = await f.openEngine(f.uniqueName('imp'), {
            encryption: { passphrase: 'other' },
          });
          try {
            const res = await t.import(sealedText, opts);
            return {
              res,
              n: (await t.getAll()).results.length,
              ok: (await t.verify()).ok,
              dump: await t.dump(),
            };
          } catch (x) {
            return (x as { code?: string }).code;
          } finally {
            await t.close();
          }
        };
        const imported = await into({ encryption });
        const scanImported =
          typeof imported === 'object' ? p.scanDump(imported.dump, words, []).wordHits.length : -1;
        repaired = {
          ...(repaired as object),
          exportWords: words.filter((w) => sealedText.includes(w)).length,
          clearWords: words.filter((w) => clear.join('\n').includes(w)).length,
          imported: typeof imported === 'object' ? { n: imported.n, ok: imported.ok } : imported,
          scanImported,
          noSecret: await into({}),
          wrongSecret: await into({ encryption: { passphrase: 'nope' } }),
        };
      }
      return {
        receipt: receipt.verification,
        victimBlobs: victimBlobs.length,
        left: left.length,
        zeroed,
        clean: clean.problems,
        problems: report.problems.map((x) => ({
          code: x.code,
          id: x.id ?? null,
          seq: x.seq ?? null,
        })),
        targetSeq: target.seq,
        a,
        b,
        c: ids[2]!,
        rebuildRefused,
        repaired,
      };
    },
    [FIXTURE, PAGE] as const,
  );
  expect(r.receipt.ok).toBe(true);
  expect(r.victimBlobs).toBeGreaterThanOrEqual(6); // memory, version, lexical row, 2 events, vector row
  expect(r.left).toBe(0);
  expect(r.zeroed).toBe(true);
  expect(r.clean).toEqual([]);
  expect(r.problems).toContainEqual({ code: 'ChainBroken', id: null, seq: r.targetSeq });
  expect(
    r.problems
      .filter((x) => x.code === 'RecordMismatch')
      .map((x) => x.id)
      .sort(),
  ).toEqual([r.a, r.b, r.c].sort()); // c: its 'added' event no longer opens, so it replays to nothing
  expect(r.rebuildRefused).toBe('CorruptStore');
  expect(r.repaired).toEqual({
    bad: ['RecordMismatch'],
    after: true,
    count: 12,
    exportWords: 0,
    clearWords: 72,
    imported: { n: 12, ok: true },
    scanImported: 0,
    noSecret: 'Encrypted',
    wrongSecret: 'WrongKey',
  });
});

test('through the Worker: an encrypted store dumps no word and no vector; WrongKey crosses back; changePassphrase', async () => {
  const page = await openPage();
  const r = await page.evaluate(
    async ([fixture, helpers]) => {
      const f = await importSrc<Fixture>(fixture);
      const p = await importSrc<Page>(helpers);
      const name = f.uniqueName('enc-worker');
      const items = p.corpus(200);
      const words = [
        ...new Set(items.flatMap((i) => [...i.text.split(' '), ...Object.values(i.metadata)])),
      ];
      const mem = await f.openEngram({ name, encryption: { passphrase: 'worker pass' } });
      await mem.addMany(items.map((i) => ({ ...i, userId: 'ada' })));
      const hit = (await mem.search(items[42]!.text, { userId: 'ada', limit: 1 })).results[0];
      const scan = p.scanDump(await mem.dump(), words, await mem.embed(items.map((i) => i.text)));
      await mem.changePassphrase('worker pass', 'new worker pass');
      const inWorker = mem.inWorker;
      await mem.close();
      const code = (x: Promise<{ close(): Promise<void> }>) =>
        x.then(
          async (m) => (await m.close(), 'opened'),
          (err: { code?: string }) => err.code ?? String(err),
        );
      return {
        inWorker,
        hit: hit?.memory,
        want: items[42]!.text,
        scan,
        old: await code(f.openEngram({ name, encryption: { passphrase: 'worker pass' } })),
        none: await code(f.openEngram({ name })),
        misspelt: await code(f.openEngram({ name, encryption: { passfrase: 'x' } as never })),
        now: await code(f.openEngram({ name, encryption: { passphrase: 'new worker pass' } })),
      };
    },
    [FIXTURE, PAGE] as const,
  );
  console.log('worker dump', JSON.stringify(r.scan));
  expect(r.inWorker).toBe(true);
  expect(r.hit).toBe(r.want);
  expect(r.scan.windows).toBeGreaterThan(4000);
  expect(r.scan.wordHits).toEqual([]);
  expect(r.scan.vectorHits).toBe(0);
  expect(r).toMatchObject({
    old: 'WrongKey',
    none: 'Encrypted',
    misspelt: 'InvalidArgument',
    now: 'opened',
  });
});
