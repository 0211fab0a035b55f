// Governed change under Node (fake-indexeddb): change sets, rollback, conflicts, audit,
// the admission hook and the built-in redactor. The exact-restore check against real
// IndexedDB is in governed-change.browser.test.ts.
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { luhnValid, redactPersonalData, redactText } from '../../src/govern/redact';
import type { Admit } from '../../src/govern/admission';

let n = 0;
function open(extra: { admit?: Admit; clock?: () => number } = {}): Promise<Engine> {
  return Engine.open({
    name: `govern-${n++}`,
    embedder: new HashEmbedder({ dim: 32 }),
    backend: 'cpu',
    reinforceOnSearch: false,
    // Change sets, not trust, are under test here: 'web' may change the user's memories.
    trust: { web: 1 },
    ...extra,
  });
}

test('a batch tags its writes; rollback restores getAll and past versions; the log only grows', async () => {
  let now = 1_700_000_000_000;
  const e = await open({ clock: () => now++ });
  const base = await e.addMany([
    { text: 'I live in Berlin', userId: 'ada' },
    { text: 'My cat is called Tom', userId: 'ada' },
    { text: 'I work at the bakery', userId: 'ada' },
  ]);
  const [home, cat, work] = base.results.map((r) => r.id);
  await e.update(work!, 'I work at the library'); // a past version before the batch
  const before = JSON.stringify((await e.getAll()).results);
  const pastBefore = JSON.stringify(
    (await e.search('work', { includeSuperseded: true, limit: 20 })).results.map((r) => [
      r.id,
      r.version,
      r.memory,
    ]),
  );
  const logBefore = (await e.dump()).events!.length;
  const { changeSet, result } = await e.batch(async (tx) => {
    await tx.update(home!, 'I live in Paris', { source: 'web' });
    await tx.update(home!, 'I live in Rome', { source: 'web' });
    await tx.delete(cat!);
    await tx.update(work!, 'I work at the museum');
    const added = await tx.add('My sister Anna plays the violin', { userId: 'ada', infer: false });
    return added.results[0]!.id;
  });
  expect((await e.get(home!)).memory).toBe('I live in Rome');
  const tagged = (await e.audit({ changeSet })).results;
  expect(tagged.map((a) => [a.event, a.memoryId, a.source])).toEqual([
    ['UPDATE', home, 'web'],
    ['UPDATE', home, 'web'],
    ['DELETE', cat, 'user'],
    ['UPDATE', work, 'user'],
    ['ADD', result, 'user'],
  ]);
  expect(tagged.every((a) => a.changeSet === changeSet)).toBe(true);
  const logAfterBatch = (await e.dump()).events as { seq: number; hash: string }[];

  const undone = await e.rollback(changeSet);
  expect(undone.restored.sort()).toEqual([home, cat, work].sort());
  expect(undone.removed).toEqual([result]);
  expect(JSON.stringify((await e.getAll()).results)).toBe(before);
  expect(
    JSON.stringify(
      (await e.search('work', { includeSuperseded: true, limit: 20 })).results.map((r) => [
        r.id,
        r.version,
        r.memory,
      ]),
    ),
  ).toBe(pastBefore);
  await expect(e.get(result)).rejects.toMatchObject({ code: 'NotFound' });
  // Append-only: every earlier event is still there, unchanged; 4 compensating events follow.
  const logNow = (await e.dump()).events as { seq: number; hash: string; type: string }[];
  expect(logNow.slice(0, logAfterBatch.length)).toEqual(logAfterBatch);
  expect(logNow.slice(logAfterBatch.length).map((x) => x.type)).toEqual(
    Array(4).fill('memory.rolledBack'),
  );
  expect(logAfterBatch.length).toBeGreaterThan(logBefore);
  expect((await e.verifyLog()).ok).toBe(true);
  expect((await e.verify()).problems).toEqual([]);
  expect((await e.history(home!)).map((h) => [h.event, h.newMemory])).toEqual([
    ['ADD', 'I live in Berlin'],
    ['UPDATE', 'I live in Paris'],
    ['UPDATE', 'I live in Rome'],
    ['ROLLBACK', 'I live in Berlin'],
  ]);
  // The rollback is audited too, and a second one is refused.
  expect((await e.audit({ changeSet })).results.filter((a) => a.event === 'ROLLBACK')).toHaveLength(
    4,
  );
  await expect(e.rollback(changeSet)).rejects.toMatchObject({ code: 'Conflict' });
  await expect(e.rollback('no-such-set')).rejects.toMatchObject({ code: 'NotFound' });
  // A rebuild from the log alone gives the same state.
  await e.rebuild();
  expect(JSON.stringify((await e.getAll()).results)).toBe(before);
  await e.close();
});

test('a later write to a memory of the change set makes rollback refuse with Conflict, writing nothing', async () => {
  const e = await open();
  const { results } = await e.addMany([{ text: 'The meeting is at 3pm' }, { text: 'I like tea' }]);
  const [meeting, tea] = results.map((r) => r.id);
  const { changeSet } = await e.batch(async (tx) => {
    await tx.update(meeting!, 'The meeting is at 5pm');
    await tx.update(tea!, 'I like green tea');
  });
  await e.update(tea!, 'I like black tea'); // later, outside the change set
  const dump = JSON.stringify(await e.dump());
  const err = await e.rollback(changeSet).catch((x: unknown) => x);
  expect(err).toMatchObject({ code: 'Conflict', details: { changeSet, ids: [tea] } });
  expect(JSON.stringify(await e.dump())).toBe(dump);
  await e.close();
});

test('a batch whose function throws is rolled back, and the error passed on', async () => {
  const e = await open();
  await e.add('I have a dog named Rex', { infer: false });
  const before = JSON.stringify((await e.getAll()).results);
  let id = '';
  const err = await e
    .batch(async (tx) => {
      id = (await tx.add('I have a parrot', { infer: false })).results[0]!.id;
      await tx.update('missing-id', 'nothing');
    })
    .catch((x: unknown) => x);
  expect(err).toMatchObject({ code: 'NotFound' });
  expect(JSON.stringify((await e.getAll()).results)).toBe(before);
  expect((await e.audit({})).results.map((a) => a.event)).toEqual(['ADD', 'ADD', 'ROLLBACK']);
  expect((await e.history(id)).map((h) => h.event)).toEqual(['ADD', 'ROLLBACK']);
  // A writer used after its batch, or given a changeSet, is refused.
  let leaked: Parameters<Parameters<Engine['batch']>[0]>[0] | undefined;
  await e.batch((tx) => (leaked = tx));
  await expect(leaked!.add('late', { infer: false })).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(
    e.batch((tx) => tx.add('x y z', { changeSet: 'mine' } as never)),
  ).rejects.toMatchObject({ code: 'InvalidArgument' });
  await e.close();
});

test('audit filters by since, source and change set; bad options are InvalidArgument', async () => {
  let now = 1_000;
  const e = await open({ clock: () => now });
  await e.add('The sky is blue today', { infer: false, source: 'web' });
  now = 2_000;
  await e.add('I am allergic to peanuts', { infer: false });
  now = 3_000;
  const { changeSet } = await e.batch((tx) => tx.add('I speak Italian', { infer: false }));
  expect((await e.audit({ source: 'web' })).results.map((a) => a.memory)).toEqual([
    'The sky is blue today',
  ]);
  expect((await e.audit({ since: 2_000 })).results.map((a) => a.memory)).toEqual([
    'I am allergic to peanuts',
    'I speak Italian',
  ]);
  expect((await e.audit({ changeSet })).results.map((a) => [a.memory, a.source])).toEqual([
    ['I speak Italian', 'user'],
  ]);
  expect((await e.audit({ limit: 1 })).results).toHaveLength(1);
  for (const bad of [{ sorce: 'web' }, { since: 'not a date' }, { source: '' }, { limit: 0 }])
    await expect(e.audit(bad as never)).rejects.toMatchObject({ code: 'InvalidArgument' });
  await expect(e.add('hello there', { source: 42 } as never)).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await expect(e.delete('x', { sourc: 'web' } as never)).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
  await e.close();
});

test('admit: rejected facts are skipped with the reason, redacted ones stored redacted, before consolidation', async () => {
  const seen: { fact: string; operation: string; source: string }[] = [];
  const admit: Admit = (fact, ctx) => {
    seen.push({ fact, operation: ctx.operation, source: ctx.source });
    if (/password/i.test(fact)) return { reject: 'secret' };
    return redactPersonalData(fact);
  };
  const e = await open({ admit });
  const out = await e.add('My password is hunter2. Mail me at ada@example.com. I live in Berlin.', {
    userId: 'ada',
    source: 'web',
  });
  expect(out.skipped).toEqual([{ text: 'My password is hunter2.', reason: 'rejected: secret' }]);
  expect(out.results.map((r) => r.memory).sort()).toEqual(
    ['I live in Berlin.', 'Mail me at [email].'].sort(),
  );
  expect(seen.map((s) => [s.operation, s.source])).toEqual(Array(3).fill(['add', 'web']));
  const many = await e.addMany([
    { text: 'Card 4111 1111 1111 1111 expires soon' },
    { text: 'the password is swordfish' },
  ]);
  expect(many.results.map((r) => r.memory)).toEqual(['Card [card] expires soon']);
  expect(many.skipped).toEqual([{ text: 'the password is swordfish', reason: 'rejected: secret' }]);
  const id = many.results[0]!.id;
  await expect(e.update(id, 'new password: abc')).rejects.toMatchObject({
    code: 'Rejected',
    details: { reason: 'secret', id },
  });
  expect((await e.update(id, 'Call me on +49 30 1234567')).memory).toBe('Call me on [phone]');
  // Nothing of what was rejected or redacted is anywhere in the store (the needles are not
  // hex: the dump is full of ids and SHA-256 hashes).
  const dump = JSON.stringify(await e.dump());
  for (const s of ['hunter2', 'ada@example.com', '4111 1111', 'swordfish', '30 1234567'])
    expect(dump).not.toContain(s);
  await e.close();
});

test('admit: a hook that throws or breaks its contract is AdmissionFailed and writes nothing', async () => {
  for (const admit of [
    () => {
      throw new Error('boom');
    },
    () => 'yes' as never,
    () => ({ reject: 'a', redact: 'b' }) as never,
    () => ({ redact: '   ' }),
  ] as Admit[]) {
    const e = await open({ admit });
    const dump = JSON.stringify(await e.dump());
    await expect(e.add('I live in Berlin', { infer: false })).rejects.toMatchObject({
      code: 'AdmissionFailed',
    });
    expect(JSON.stringify(await e.dump())).toBe(dump);
    await e.close();
  }
  await expect(open({ admit: 'redact' as never })).rejects.toMatchObject({
    code: 'InvalidArgument',
  });
});

test('redactor: e-mails, phone shapes and Luhn-valid card numbers; dates, amounts and other numbers stay', () => {
  expect(luhnValid('4111111111111111')).toBe(true);
  expect(luhnValid('4111111111111112')).toBe(false);
  const cases: [string, string][] = [
    ['write to ada.lovelace+notes@mail.example.org today', 'write to [email] today'],
    ['my card is 4111-1111-1111-1111', 'my card is [card]'],
    ['amex 3782 822463 10005 ok', 'amex [card] ok'],
    ['not a card 4111 1111 1111 1112', 'not a card 4111 1111 1111 1112'],
    ['call (555) 123-4567 now', 'call [phone] now'],
    ['call 555-123-4567', 'call [phone]'],
    ['call +44 20 7946 0958', 'call [phone]'],
    ['call +4915112345678', 'call [phone]'],
    ['the invoice is due on 2024-05-12', 'the invoice is due on 2024-05-12'],
    ['rent is $1,200 for 12 months', 'rent is $1,200 for 12 months'],
    ['order #5532 shipped in 2023', 'order #5532 shipped in 2023'],
  ];
  for (const [input, output] of cases) expect(redactText(input).text).toBe(output);
});
