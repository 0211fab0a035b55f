// Verifiable erasure: after erase(), no object store of the database holds the
// text or the vector bytes (sealed blocks included); the chain still verifies.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('erase(id) leaves neither text nor vector bytes in any store; receipt; the log verifies', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    let e = await f.openEngine(name, { blockRows: 4 });
    const secret1 = 'Ada was diagnosed with XYZZY-42';
    const secret2 = 'Ada was diagnosed with XYZZY-43 after all';
    const [v1, v2] = await e.embed([secret1, secret2]);
    const id = (await e.add(secret1, { userId: 'ada', infer: false, metadata: { tag: 'QWERTY' } }))
      .results[0]!.id;
    for (const t of ['Ada likes tea', 'Ada was diagnosed with a cold', 'Ada swims'])
      await e.add(t, { userId: 'ada', infer: false });
    await e.update(id, secret2); // slot 4: the tail; slot 0 sits in a sealed block
    await e.search('diagnosed', { userId: 'ada' }); // recalls: more events about the memory
    await e.close(); // which writes them
    e = await f.openEngine(name, { blockRows: 4 });
    await e.addMany([
      { text: 'Bob owns a boat', userId: 'bob' },
      { text: 'Bob is 40', userId: 'bob' },
    ]);

    /** Every byte sequence and string in a raw dump. */
    const scan = (dump: Record<string, unknown[]>) => {
      const buffers: Uint8Array[] = [];
      const walk = (v: unknown) => {
        if (v instanceof ArrayBuffer) buffers.push(new Uint8Array(v));
        else if (ArrayBuffer.isView(v))
          buffers.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(dump);
      const has = (needle: Float32Array) => {
        const n = new Uint8Array(needle.buffer, needle.byteOffset, needle.byteLength);
        return buffers.some((b) => {
          outer: for (let i = 0; i + n.length <= b.length; i += 4) {
            for (let j = 0; j < n.length; j++) if (b[i + j] !== n[j]) continue outer;
            return true;
          }
          return false;
        });
      };
      const json = JSON.stringify(dump);
      return {
        text: json.includes('XYZZY'),
        meta: json.includes('QWERTY'),
        v1: has(v1!),
        v2: has(v2!),
      };
    };
    const before = scan(await e.dump());
    const sealedBefore = (await e.dump()).vectorBlocks!.length;
    const receipt = await e.erase(id);
    const after = scan(await e.dump());
    const dump = await e.dump();
    const history = (await e.history(id)).map((h) => [h.event, h.newMemory, h.erased ?? false]);
    const search = (await e.search('diagnosed', { userId: 'ada', reinforce: false })).results.map(
      (m) => m.memory,
    );
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const snap = f.dumpJson(await e.dump());
    const bad = {
      unknown: await code(e.erase('nope')),
      emptyScope: await code(e.erase({})),
      notString: await code(e.erase(42 as never)),
    };
    const same = snap === f.dumpJson(await e.dump());
    const byScope = await e.erase({ userId: 'bob' });
    const bobLeft = (await e.getAll({ userId: 'bob' })).results.length;
    await e.close();
    const e2 = await f.openEngine(name, { blockRows: 4 });
    const reopened = { log: await e2.verifyLog(), after: scan(await e2.dump()) };
    await e2.close();
    return {
      before,
      sealedBefore,
      after,
      receipt,
      tombstones: (dump.events as { memoryId: string; payload: object }[])
        .filter((x) => x.memoryId === id)
        .map((x) => Object.keys(x.payload)[0]),
      history,
      search,
      bad,
      same,
      byScope: byScope.ids.length,
      bobLeft,
      reopened,
    };
  }, FIXTURE);
  expect(r.before).toEqual({ text: true, meta: true, v1: true, v2: true });
  expect(r.sealedBefore).toBe(1);
  expect(r.after).toEqual({ text: false, meta: false, v1: false, v2: false });
  expect(r.receipt.ids).toHaveLength(1);
  expect(r.receipt.vectorSlots).toEqual([0, 4]);
  expect(r.receipt.verification).toMatchObject({ ok: true });
  expect(r.receipt.verification.erased).toBe(r.receipt.tombstoned.length);
  expect(r.receipt.tombstoned.length).toBeGreaterThanOrEqual(3); // added, updated, accessed
  expect(r.receipt.logHead.seq).toBe(r.receipt.erasureSeqs[0]);
  // Every earlier event about it is a tombstone; the erasure event itself lists slots only.
  expect(r.tombstones.slice(0, -1).every((k) => k === 'tombstone')).toBe(true);
  expect(r.tombstones.at(-1)).toBe('slots');
  expect(r.history.at(-1)).toEqual(['ERASE', null, false]);
  expect(r.history.slice(0, -1).every(([, text, erased]) => text === null && erased)).toBe(true);
  expect(r.search).not.toContain('Ada was diagnosed with XYZZY-43 after all');
  expect(r.search).toContain('Ada was diagnosed with a cold');
  expect(r.bad).toEqual({
    unknown: 'NotFound',
    emptyScope: 'InvalidArgument',
    notString: 'InvalidArgument',
  });
  expect(r.same).toBe(true);
  expect(r.byScope).toBe(2);
  expect(r.bobLeft).toBe(0);
  expect(r.reopened.log).toMatchObject({ ok: true });
  expect(r.reopened.after).toEqual({ text: false, meta: false, v1: false, v2: false });
});
