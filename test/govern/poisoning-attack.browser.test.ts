// Trust against memory poisoning in headless Chromium, through the Worker, on real IndexedDB,
// with the hash embedder (256-d; the attack makes 1,250 writes and USE-lite would make the
// test minutes long on a loaded machine): the attack of poisoning-attack.ts, then a harmless
// web fact (simply added), accept() of a pending fact (a real UPDATE), and the trust evidence
// read back after reopening the store.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
type Attack = typeof import('./poisoning-attack');

test('poisoning attack: the user facts stay first and unchanged; pending, accept and trust through the Worker', async () => {
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const f = await importSrc<Fixture>('/test/engine/fixture.ts');
    const { runAttack } = await importSrc<Attack>('/test/govern/poisoning-attack.ts');
    const name = f.uniqueName('attack');
    const opts = {
      name,
      embedder: { type: 'hash', dim: 256 } as const,
      backend: 'cpu' as const,
      reinforceOnSearch: false,
      trust: { user: 1, web: 0.3 },
    };
    let mem = await f.Engram.open(opts);
    const inWorker = mem.inWorker;
    const t0 = performance.now();
    const figures = await runAttack(mem);
    const attackMs = Math.round(performance.now() - t0);
    const pendingCount = (await mem.pending({ userId: 'ada', limit: 10_000 })).results.length;
    // A web fact that contradicts nothing is stored and found like any other.
    const harmless = await mem.add('The Kalo bakery opens at 7 on Sundays', {
      userId: 'ada',
      source: 'web',
    });
    const harmlessHit = (await mem.search('when does the Kalo bakery open?', { userId: 'ada' }))
      .results[0];
    // Accepting a pending fact really updates the user's memory.
    const [mine] = (await mem.addMany([{ text: 'Zed lives in Vienna', userId: 'bob' }])).results;
    const held = await mem.add('Zed lives in Prague', { userId: 'bob', source: 'web' });
    const beforeAccept = (await mem.get(mine!.id)).memory;
    const acc = await mem.accept(held.results[0]!.id);
    const afterAccept = await mem.get(mine!.id);
    const history = (await mem.history(mine!.id)).map((h) => [h.event, h.actor, h.newMemory]);
    const audit = (await mem.audit({ since: Date.now() - 60_000, source: 'web', limit: 100_000 }))
      .results;
    const trustBefore = (await mem.trust()).results;
    const verify = await mem.verify();
    await mem.close();
    mem = await f.Engram.open(opts);
    const trustAfter = (await mem.trust()).results;
    await mem.close();
    return {
      inWorker,
      figures,
      attackMs,
      pendingCount,
      harmless: harmless.results.map((x) => [x.event, x.memory]),
      harmlessHit: harmlessHit && [harmlessHit.memory, harmlessHit.source],
      held: held.results.map((x) => [x.event, x.target === mine!.id]),
      beforeAccept,
      acc: [acc.event, acc.memory.id === mine!.id],
      afterAccept: [afterAccept.memory, afterAccept.version],
      history,
      auditEvents: [...new Set(audit.map((a) => a.event))].sort(),
      trustBefore,
      trustAfter,
      verifyOk: verify.ok,
    };
  });
  const f = r.figures;
  const gap = f.meanInjectedRank - f.meanTrustedRank;
  console.log(
    `poisoning attack (Chromium, Worker, hash-256): ${f.userFirst}/${f.probes} probes user fact first` +
      ` (${((100 * f.userFirst) / f.probes).toFixed(0)} %), mean rank trusted ${f.meanTrustedRank.toFixed(2)}` +
      ` vs injected ${f.meanInjectedRank.toFixed(2)} (trust gap ${gap.toFixed(2)}),` +
      ` user facts changed ${f.changedUserFacts}, injected ${f.injected} → ${JSON.stringify(f.events)},` +
      ` ${r.attackMs} ms; trust ${JSON.stringify(r.trustBefore)}`,
  );
  expect(r.inWorker).toBe(true);
  expect(f.injected).toBe(1000);
  // No user fact was updated or deleted (history shows only its ADD, the text is unchanged).
  expect(f.changedUserFacts).toBe(0);
  // The held contradictions are listed, and consolidation did hold some.
  expect(f.events['PENDING']).toBeGreaterThan(0);
  expect(r.pendingCount).toBe(f.events['PENDING']);
  expect(f.userFirst / f.probes).toBeGreaterThanOrEqual(0.9);
  expect(f.meanTrustedRank).toBeLessThan(f.meanInjectedRank);
  expect(r.harmless).toEqual([['ADD', 'The Kalo bakery opens at 7 on Sundays']]);
  expect(r.harmlessHit).toEqual(['The Kalo bakery opens at 7 on Sundays', 'web']);
  expect(r.held).toEqual([['PENDING', true]]);
  expect(r.beforeAccept).toBe('Zed lives in Vienna');
  expect(r.acc).toEqual(['UPDATE', true]);
  expect(r.afterAccept).toEqual(['Zed lives in Prague', 2]);
  expect(r.history).toEqual([
    ['ADD', 'api', 'Zed lives in Vienna'],
    ['UPDATE', 'accept', 'Zed lives in Prague'],
  ]);
  expect(r.auditEvents).toEqual(expect.arrayContaining(['ACCEPT', 'PENDING', 'UPDATE']));
  // Every held contradiction counted against the web source; its trust fell below its prior.
  const web = r.trustBefore.find((s) => s.source === 'web')!;
  expect(web.contradicted).toBe(f.events['PENDING']! + 1);
  expect(web.trust).toBeLessThan(0.3);
  expect(r.trustAfter).toEqual(r.trustBefore);
  expect(r.verifyOk).toBe(true);
});
