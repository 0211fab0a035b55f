// Trust per source under Node (fake-indexeddb): a lower-trust source's update or delete of a
// more trusted memory is held pending (consolidation and the direct API alike), accept()
// applies it, reject() drops it; evidence moves each source's Beta posterior and is kept in
// the store; trust weighs into ranking; the option and the new calls refuse bad input.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine, type EngineOptions } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { posterior, PRIOR_WEIGHT } from '../../src/govern/trust';
import { TRUST_WEIGHT } from '../../src/engine/search';

let n = 0;
function open(extra: Partial<EngineOptions> = {}, name = `trust-${n++}`): Promise<Engine> {
  return Engine.open({
    name,
    embedder: new HashEmbedder({ dim: 64 }),
    backend: 'cpu',
    reinforceOnSearch: false,
    trust: { user: 1, web: 0.3 },
    ...extra,
  });
}

test('a web fact contradicting a user fact is held pending; accept() then really updates', async () => {
  const e = await open();
  const [home] = (await e.add('I live in Berlin', { userId: 'ada' })).results;
  const out = await e.add('I live in Rome', { userId: 'ada', source: 'web' });
  expect(out.results).toMatchObject([
    { event: 'PENDING', target: home!.id, memory: 'I live in Rome' },
  ]);
  const pendingId = out.results[0]!.id;
  // The user's memory is untouched, the pending one is found by no search.
  expect((await e.get(home!.id)).memory).toBe('I live in Berlin');
  expect((await e.history(home!.id)).map((h) => h.event)).toEqual(['ADD']);
  const hits = (await e.search('where do I live? Rome', { userId: 'ada' })).results;
  expect(hits.map((h) => h.id)).toEqual([home!.id]);
  const pend = (await e.pending({ userId: 'ada' })).results;
  expect(pend).toMatchObject([
    { id: pendingId, state: 'pending', source: 'web', pendingFor: { id: home!.id, op: 'UPDATE' } },
  ]);
  expect((await e.pending({ userId: 'bob' })).results).toEqual([]);
  await expect(e.get(pendingId)).rejects.toMatchObject({ code: 'NotFound' });
  // Accept: the user's memory gets the new text as a new version; the pending one closes.
  const acc = await e.accept(pendingId);
  expect(acc).toMatchObject({
    event: 'UPDATE',
    memory: { id: home!.id, memory: 'I live in Rome', version: 2 },
  });
  expect((await e.get(home!.id)).memory).toBe('I live in Rome');
  expect((await e.history(home!.id)).map((h) => [h.event, h.actor, h.newMemory])).toEqual([
    ['ADD', 'consolidator', 'I live in Berlin'],
    ['UPDATE', 'accept', 'I live in Rome'],
  ]);
  expect((await e.pending()).results).toEqual([]);
  expect((await e.search('Rome', { userId: 'ada' })).results[0]!.id).toBe(home!.id);
  const audit = (await e.audit()).results.map((a) => [a.event, a.memoryId, a.source]);
  expect(audit).toEqual([
    ['ADD', home!.id, 'user'],
    ['PENDING', pendingId, 'web'],
    ['ACCEPT', pendingId, 'web'],
    ['UPDATE', home!.id, 'web'],
  ]);
  await expect(e.accept(pendingId)).rejects.toMatchObject({ code: 'NotFound' });
  await expect(e.reject(home!.id)).rejects.toMatchObject({ code: 'NotFound' });
  expect((await e.verify()).problems).toEqual([]);
  await e.close();
});

test('direct update and delete from a lower-trust source are held; reject() leaves the memory as it was', async () => {
  const e = await open();
  const [m] = (await e.addMany([{ text: 'My sister is called Anna' }])).results;
  const held = await e.update(m!.id, 'My sister is called Olga', { source: 'web' });
  expect(held).toMatchObject({
    state: 'pending',
    memory: 'My sister is called Olga',
    pendingFor: { id: m!.id, op: 'UPDATE' },
  });
  const del = await e.delete(m!.id, { source: 'web' });
  expect(del.message).toMatch(/held pending/);
  expect((await e.get(m!.id)).memory).toBe('My sister is called Anna');
  const pend = (await e.pending()).results;
  expect(pend.map((p) => p.pendingFor?.op)).toEqual(['UPDATE', 'DELETE']);
  const rejected = await e.reject(held.id);
  expect(rejected.state).toBe('deleted');
  const before = await e.trust();
  // Accepting the held delete invalidates the memory.
  expect(await e.accept(pend[1]!.id)).toMatchObject({
    event: 'DELETE',
    memory: { id: m!.id, state: 'invalidated' },
  });
  await expect(e.get(m!.id)).rejects.toMatchObject({ code: 'NotFound' });
  expect((await e.history(held.id)).map((h) => h.event)).toEqual(['PENDING', 'REJECT']);
  const after = await e.trust();
  const web = (r: typeof before) => r.results.find((s) => s.source === 'web')!;
  expect(web(after).confirmed).toBe(web(before).confirmed + 1);
  // The user (trust 1) changes a web memory: applied, and the web source is contradicted.
  const [w] = (await e.add('The museum opens at 9', { source: 'web', infer: false })).results;
  const c0 = web(await e.trust()).contradicted;
  await e.update(w!.id, 'The museum opens at 10');
  expect((await e.get(w!.id)).memory).toBe('The museum opens at 10');
  expect(web(await e.trust()).contradicted).toBe(c0 + 1);
  await e.close();
});

test('a harmless web fact is simply added, and found', async () => {
  const e = await open();
  await e.add('I live in Berlin', { userId: 'ada' });
  const out = await e.add('The Pergamon museum reopens in spring', {
    userId: 'ada',
    source: 'web',
  });
  expect(out.results.map((r) => r.event)).toEqual(['ADD']);
  expect((await e.pending()).results).toEqual([]);
  const hits = (await e.search('Pergamon museum', { userId: 'ada' })).results;
  expect(hits[0]).toMatchObject({ memory: 'The Pergamon museum reopens in spring', source: 'web' });
  await e.close();
});

test('trust is a Beta posterior moved by confirmations, contradictions and feedback, kept across reopen', async () => {
  const name = `trust-persist-${n++}`;
  const e = await open({}, name);
  const report = async (source: string) =>
    (await e.trust()).results.find((s) => s.source === source)!;
  expect(await report('web')).toEqual({
    source: 'web',
    prior: 0.3,
    confirmed: 0,
    contradicted: 0,
    trust: 0.3,
  });
  expect((await report('user')).trust).toBe(1);
  const [w] = (await e.add('The library closes at 8 pm', { source: 'web', infer: false })).results;
  // The user restating the web fact confirms the web source.
  const same = await e.add('The library closes at 8 pm', {});
  expect(same.results.map((r) => r.event)).toEqual(['NOOP']);
  expect(await report('web')).toMatchObject({ confirmed: 1, contradicted: 0 });
  const fb = await e.feedback(w!.id, 'correct');
  expect(fb).toMatchObject({ source: 'web', confirmed: 2 });
  expect(fb.trust).toBeCloseTo((0.3 * PRIOR_WEIGHT + 2) / (PRIOR_WEIGHT + 2), 12);
  for (let i = 0; i < 5; i++) await e.feedback(w!.id, 'wrong');
  const web = await report('web');
  expect(web).toMatchObject({ confirmed: 2, contradicted: 5 });
  expect(web.trust).toBeCloseTo(
    posterior(0.3, { source: 'web', confirmed: 2, contradicted: 5 }),
    12,
  );
  expect(web.trust).toBeLessThan(0.3);
  expect(
    (await e.history(w!.id)).filter((h) => h.event === 'FEEDBACK').map((h) => h.feedback),
  ).toEqual(['correct', 'wrong', 'wrong', 'wrong', 'wrong', 'wrong']);
  await e.close();
  const again = await open({}, name);
  const kept = (await again.trust()).results.find((s) => s.source === 'web')!;
  expect(kept).toEqual(web);
  // Other priors at reopen: the same evidence, another posterior.
  await again.close();
  const other = await open({ trust: { web: 0.8 } }, name);
  const k2 = (await other.trust()).results.find((s) => s.source === 'web')!;
  expect(k2.trust).toBeCloseTo(
    posterior(0.8, { source: 'web', confirmed: 2, contradicted: 5 }),
    12,
  );
  await other.close();
});

test('a less trusted source ranks below a trusted one of the same relevance', async () => {
  const e = await open();
  // The same text twice: the same relevance; only the source tells them apart.
  const text = 'The spare key is under the red pot';
  const [web, user] = (
    await e.addMany([
      { text, source: 'web' },
      { text, metadata: { by: 'me' } },
    ])
  ).results.map((r) => r.id);
  const q = 'where is the spare key?';
  // Control: with trust weighed out of the rerank, a tie.
  const control = (await e.search(q, { retrieval: { rerank: { features: { trust: 0 } } } }))
    .results;
  expect(control.map((h) => h.id).sort()).toEqual([web, user].sort());
  expect(control[0]!.score).toBe(control[1]!.score);
  const hits = (await e.search(q)).results;
  expect(hits.map((h) => h.id)).toEqual([user, web]);
  expect(hits[1]!.score).toBeCloseTo(hits[0]!.score * (1 + TRUST_WEIGHT * (0.3 - 1)), 5);
  // Dense only: the same factor on the similarity.
  const dense = (await e.search(q, { retrieval: false })).results;
  expect(dense.map((h) => h.id)).toEqual([user, web]);
  expect(dense[1]!.score).toBeCloseTo(dense[1]!.similarity * (1 + TRUST_WEIGHT * (0.3 - 1)), 6);
  expect(dense[0]!.score).toBe(dense[0]!.similarity);
  // explain shows the factor as a stage of its own in dense mode.
  const ex = (await e.search(q, { retrieval: false, explain: true })).results;
  const last = ex.find((h) => h.id === web)!.explanation!.stages.at(-1)!;
  expect(last.stage).toBe('trust');
  expect(last.score).toBe(ex.find((h) => h.id === web)!.score);
  expect(ex.find((h) => h.id === user)!.explanation!.stages.map((s) => s.stage)).toEqual([
    'dense',
    'retention',
  ]);
  await e.close();
});

test('bad trust options and bad calls are typed errors that write nothing', async () => {
  for (const trust of [null, [], 'web', { web: 2 }, { web: -0.1 }, { web: 'high' }, { '': 1 }])
    await expect(open({ trust: trust as never })).rejects.toMatchObject({
      code: 'InvalidArgument',
    });
  const e = await open();
  const [m] = (await e.addMany([{ text: 'I like tea' }])).results;
  const events = (await e.dump()).events!.length;
  await expect(e.accept('nope')).rejects.toMatchObject({ code: 'NotFound' });
  await expect(e.reject(m!.id)).rejects.toMatchObject({ code: 'NotFound' });
  await expect(e.accept('')).rejects.toMatchObject({ code: 'InvalidArgument' });
  await expect(e.feedback('nope', 'correct')).rejects.toMatchObject({ code: 'NotFound' });
  await expect(e.feedback(m!.id, 'maybe' as never)).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(e.pending({ usrId: 'a' } as never)).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(e.pending({ limit: 0 })).rejects.toMatchObject({ code: 'InvalidArgument' });
  expect((await e.dump()).events!.length).toBe(events);
  await e.close();
});

test('merge keeps the more trusted memory as representative, whatever its value', async () => {
  const e = await open();
  const [web, mine] = (
    await e.addMany([
      { text: 'The garage code is 4711', source: 'web', metadata: { importance: 5 } },
      { text: 'The garage code is 4711' },
    ])
  ).results;
  const out = await e.merge({ threshold: 0.9 });
  expect(out.clusters).toEqual([{ representative: mine!.id, merged: [web!.id] }]);
  await e.close();
});

test('rollback of a change set closes the pending facts it made', async () => {
  const e = await open();
  const [m] = (await e.addMany([{ text: 'My sister is called Anna' }])).results;
  const { changeSet } = await e.batch((tx) =>
    tx.update(m!.id, 'My sister is called Olga', { source: 'web' }),
  );
  expect((await e.pending()).results).toHaveLength(1);
  await e.rollback(changeSet);
  expect((await e.pending()).results).toEqual([]);
  expect((await e.get(m!.id)).memory).toBe('My sister is called Anna');
  expect((await e.verify()).problems).toEqual([]);
  await e.close();
});

test('deleteAll of a scope deletes its pending memories too', async () => {
  const e = await open();
  await e.add('I live in Berlin', { userId: 'ada' });
  await e.add('I live in Rome', { userId: 'ada', source: 'web' });
  expect((await e.pending({ userId: 'ada' })).results).toHaveLength(1);
  expect(await e.deleteAll({ userId: 'ada' })).toEqual({ deleted: 2 });
  expect((await e.pending()).results).toEqual([]);
  await e.close();
});
