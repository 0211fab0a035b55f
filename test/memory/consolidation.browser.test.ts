// Consolidation on write: a scripted conversation gives exactly the expected
// operations, events and final memories; the llm hook follows Mem0's contract.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a scripted conversation: ADD, NOOP, UPDATE, DELETE and the exact event log', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    let now = 1_000_000;
    const e = await f.openEngine(f.uniqueName(), { clock: () => now });
    const scope = { userId: 'ada', link: false } as const;
    const turns: { ops: string[][] }[] = [];
    const skipped: string[][][] = [];
    const say = async (input: Parameters<typeof e.add>[0]) => {
      now += 1000;
      const r = await e.add(input, scope);
      turns.push({ ops: r.results.map((x) => [x.event, x.memory, x.previousMemory ?? '']) });
      skipped.push(r.skipped.map((x) => [x.text, x.reason]));
    };
    await say([
      { role: 'user', content: 'I live in Berlin. I have a cat named Tom. Where is the bakery?' },
      { role: 'assistant', content: 'Nice! Berlin is lovely.' },
    ]);
    await say([{ role: 'user', content: 'I live in Berlin.' }]);
    await say('I live in Paris.');
    await say([{ role: 'user', content: 'I no longer have a cat named Tom.' }]);
    await say('I work as a nurse.');
    await say('Forget that I work as a nurse.');
    await say('I no longer own a boat.');
    await say('The meeting is at 3pm.');
    await say('The meeting is at 5 PM.');
    await say('the meeting is at 5:00 pm');
    await say('ok');
    await say('I speak French. I speak French!');
    await e.add("Bob's cat is grey.", { userId: 'bob' });
    const all = (await e.getAll({ userId: 'ada' })).results.map((m) => [m.memory, m.role ?? '']);
    const events = ((await e.dump()).events as { type: string; actor: string }[]).map(
      (x) => `${x.type}/${x.actor}`,
    );
    const log = await e.verifyLog();
    const paris = (await e.getAll({ userId: 'ada' })).results[0]!;
    const history = (await e.history(paris.id)).map((h) => [h.event, h.newMemory]);
    await e.close();
    return { turns, skipped, all, events, log, history, parisVersion: paris.version };
  }, FIXTURE);
  expect(r.turns.map((t) => t.ops)).toEqual([
    [
      ['ADD', 'I live in Berlin.', ''],
      ['ADD', 'I have a cat named Tom.', ''],
    ],
    [['NOOP', 'I live in Berlin.', '']],
    [['UPDATE', 'I live in Paris.', 'I live in Berlin.']],
    [['DELETE', 'I have a cat named Tom.', '']],
    [['ADD', 'I work as a nurse.', '']],
    [['DELETE', 'I work as a nurse.', '']],
    [],
    [['ADD', 'The meeting is at 3pm.', '']],
    // A changed time is a new version, not a near-duplicate (it was NOOP before issue 10).
    [['UPDATE', 'The meeting is at 5 PM.', 'The meeting is at 3pm.']],
    // The same time written another way is a restatement.
    [['NOOP', 'The meeting is at 5 PM.', '']],
    [],
    [['ADD', 'I speak French.', '']],
  ]);
  // Every part of every input is in results or in skipped, with a reason.
  expect(r.skipped).toEqual([
    [
      ['Where is the bakery?', 'question'],
      ['Nice! Berlin is lovely.', 'role not kept'],
    ],
    [],
    [],
    [],
    [],
    [],
    [['I no longer own a boat.', 'nothing to retract']],
    [],
    [],
    [],
    [['ok', 'too short']],
    [['I speak French!', 'repeated in this call']],
  ]);
  expect(r.all).toEqual([
    ['I live in Paris.', 'user'],
    ['The meeting is at 5 PM.', ''],
    ['I speak French.', ''],
  ]);
  expect(r.events).toEqual([
    'memory.added/consolidator',
    'memory.added/consolidator',
    'memory.reinforced/consolidator',
    'memory.updated/consolidator',
    'memory.invalidated/consolidator',
    'memory.added/consolidator',
    'memory.invalidated/consolidator',
    'memory.added/consolidator',
    'memory.updated/consolidator',
    'memory.reinforced/consolidator',
    'memory.added/consolidator',
    'memory.added/consolidator', // Bob's memory, in his own scope
  ]);
  expect(r.log).toEqual({ ok: true, events: 12 });
  expect(r.parisVersion).toBe(2);
  expect(r.history).toEqual([
    ['ADD', 'I live in Berlin.'],
    ['UPDATE', 'I live in Paris.'],
  ]);
});

test('infer: false stores messages as they are; the llm hook decides with Mem0 ids and is checked', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const e = await f.openEngine(f.uniqueName());
    const plain = await e.add(
      [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'I live in Berlin. I like tea.' },
        { role: 'assistant', content: 'Noted.' },
      ],
      { userId: 'ada', infer: false, link: false },
    );
    const berlinId = plain.results[0]!.id;
    const seen: unknown[] = [];
    const llm = {
      async extractFacts({ messages }: { messages: { role: string; content: string }[] }) {
        seen.push(messages.map((m) => m.role));
        return { facts: ['Lives in Paris', 'Has a dog'] };
      },
      async decide(input: { facts: string[]; memories: { id: string; text: string }[] }) {
        seen.push(input);
        const id = input.memories.find((m) => m.text.includes('Berlin'))!.id;
        return {
          memory: [
            {
              id,
              text: 'Lives in Paris',
              event: 'UPDATE' as const,
              old_memory: 'I live in Berlin.',
            },
            { id: 'new', text: 'Has a dog', event: 'ADD' as const },
          ],
        };
      },
    };
    const viaLlm = await e.add('I moved to Paris with my dog', { userId: 'ada', llm, link: false });
    const before = f.dumpJson(await e.dump());
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (x: { code?: string }) => x.code ?? String(x),
      );
    const bad = {
      badEvent: await code(
        e.add('x y z', {
          llm: { decide: async () => ({ memory: [{ id: '0', text: 'a', event: 'MERGE' }] }) },
        } as never),
      ),
      unknownId: await code(
        e.add('x y z', {
          userId: 'ada',
          llm: { decide: async () => ({ memory: [{ id: '99', text: 'a', event: 'UPDATE' }] }) },
        } as never),
      ),
      throws: await code(
        e.add('x y z', {
          llm: {
            extractFacts: async () => {
              throw new Error('offline');
            },
          },
        }),
      ),
      emptyMessages: await code(e.add([])),
      badRole: await code(e.add([{ role: '', content: 'x' }])),
      vectorWithInfer: await code(e.add('x', { vector: new Float32Array(64), infer: true })),
    };
    const same = before === f.dumpJson(await e.dump());
    const all = (await e.getAll({ userId: 'ada' })).results.map((m) => [m.memory, m.role ?? '']);
    await e.close();
    return {
      plain: plain.results.map((x) => x.event),
      viaLlm: viaLlm.results.map((x) => [x.event, x.memory, x.id === berlinId]),
      seen,
      bad,
      same,
      all,
    };
  }, FIXTURE);
  expect(r.plain).toEqual(['ADD', 'ADD']);
  expect(r.viaLlm).toEqual([
    ['UPDATE', 'Lives in Paris', true],
    ['ADD', 'Has a dog', false],
  ]);
  // extractFacts saw the message (a text is a user message); decide saw ids "0", "1", … not UUIDs.
  expect(r.seen[0]).toEqual(['user']);
  const decideInput = r.seen[1] as { facts: string[]; memories: { id: string }[] };
  expect(decideInput.facts).toEqual(['Lives in Paris', 'Has a dog']);
  expect(decideInput.memories.map((m) => m.id)).toEqual(
    decideInput.memories.map((_, i) => String(i)),
  );
  expect(r.bad).toEqual({
    badEvent: 'LlmFailed',
    unknownId: 'LlmFailed',
    throws: 'LlmFailed',
    emptyMessages: 'InvalidArgument',
    badRole: 'InvalidArgument',
    vectorWithInfer: 'InvalidArgument',
  });
  expect(r.same).toBe(true);
  // Same createdAt (one clock tick): ties go by vector slot, and the update took a new slot.
  expect(r.all).toEqual([
    ['Noted.', 'assistant'],
    ['Lives in Paris', 'user'],
    ['Has a dog', ''],
  ]);
});

test('through the Worker, add says what it skipped and why; addMany skips nothing', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const mem = await f.openEngram();
    const scope = { userId: 'ada', link: false } as const;
    const ok = await mem.add('ok', scope);
    const chat = await mem.add(
      [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'I live in Rome. Do you like Rome?' },
        { role: 'assistant', content: 'I do.' },
      ],
      scope,
    );
    const plain = await mem.add(
      [
        { role: 'system', content: 'You are helpful.' },
        { role: 'user', content: 'Hi there.' },
      ],
      { ...scope, infer: false },
    );
    const many = await mem.addMany([{ text: 'a' }, { text: 'b' }]);
    const inWorker = mem.inWorker;
    await mem.close();
    return { inWorker, ok, chat, plain, many };
  }, FIXTURE);
  expect(r.inWorker).toBe(true);
  expect(r.ok).toEqual({ results: [], skipped: [{ text: 'ok', reason: 'too short' }] });
  expect(r.chat.results.map((x) => [x.event, x.memory])).toEqual([['ADD', 'I live in Rome.']]);
  expect(r.chat.skipped).toEqual([
    { text: 'You are helpful.', reason: 'role not kept' },
    { text: 'Do you like Rome?', reason: 'question' },
    { text: 'I do.', reason: 'role not kept' },
  ]);
  expect(r.plain.results.map((x) => x.memory)).toEqual(['Hi there.']);
  expect(r.plain.skipped).toEqual([{ text: 'You are helpful.', reason: 'role not kept' }]);
  expect(r.many.results).toHaveLength(2);
  expect(r.many.skipped).toEqual([]);
});
