// Long memories are indexed as passages and standing instructions are brought up, in the real
// engine over IndexedDB: a 5,000-character memory whose answer sits in its last passage is
// found, once, before and after reopen; its passages follow update and are gone after erasure
// (no stem of it left in any store); verify() finds the stored passages as the log makes them.
// An instruction is brought up for a request that shares no word with it.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('a 5k-character memory is found by its last passage, once; survives reopen; erased whole', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    let e = await f.openEngine(name);
    const o = { reinforce: false, limit: 10 } as const;
    // 4,900 characters on rollout planning, then the answer in the last sentence.
    const body = Array.from(
      { length: 70 },
      (_, i) => `Step ${i} of the rollout plan covers checks number ${i} for the team. `,
    ).join('');
    const long = body + 'The staging deployment key is kept in the Quuxvault under ops keys.';
    const fillers = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? `The staging server ${i} was restarted after the deployment.`
        : `Note ${i}: the rollout plan for the team is on the wiki.`,
    );
    await e.addMany(fillers.map((text) => ({ text, role: 'assistant' })));
    const id = (await e.addMany([{ text: long, role: 'assistant' }])).results[0]!.id;
    const q = 'Where is the staging deployment key kept?';
    const ids = async () => (await e.search(q, o)).results.map((x) => x.id);
    const row = async () =>
      ((await e.dump()).lexical as { id: string; passages?: unknown[] }[]).find((x) => x.id === id);
    const live = await ids();
    const passages = (await row())?.passages?.length ?? 0;
    const verifiedLive = (await e.verify()).ok;
    await e.close();
    e = await f.openEngine(name);
    const reopened = await ids();
    // Update: the passages are those of the new text (the old answer is gone).
    await e.update(id, body + 'The staging deployment key now lives in the hardware token.');
    const updated = (await row()) as
      { terms: [string, number][]; passages?: number[][] } | undefined;
    // Each passage names its words by their index in the row's terms.
    const stems = (updated?.passages ?? []).map((p) => p.map((i) => updated!.terms[i]![0]));
    const oldAnswer = stems.some((p) => p.includes('quuxvault'));
    const newInLast = stems.at(-1)?.includes('hardwar') ?? false;
    const newAnswer = (await e.search('staging deployment key hardware token', o)).results.map(
      (x) => x.id,
    );
    await e.erase(id);
    const dump = f.dumpJson(await e.dump());
    const afterErase = await ids();
    const verifiedAfter = (await e.verify()).ok;
    await e.close();
    return {
      id,
      live,
      passages,
      verifiedLive,
      reopened,
      oldAnswer,
      newInLast,
      updatedPassages: stems.length,
      newAnswer,
      afterErase,
      verifiedAfter,
      // Stems and words of the erased texts: in no store (lexical rows, passages, memories, log).
      leftovers: ['quuxvault', 'hardwar', 'hardware token'].filter((w) =>
        dump.toLowerCase().includes(w),
      ),
      rowGone: !dump.includes(`"id":"${id}","v":`),
    };
  }, FIXTURE);
  expect(r.passages).toBeGreaterThanOrEqual(6);
  expect(r.live[0]).toBe(r.id);
  expect(r.live.filter((x) => x === r.id)).toHaveLength(1);
  expect(new Set(r.live).size).toBe(r.live.length);
  expect(r.verifiedLive).toBe(true);
  expect(r.reopened).toEqual(r.live);
  expect(r.oldAnswer).toBe(false);
  expect(r.newInLast).toBe(true);
  expect(r.updatedPassages).toBeGreaterThanOrEqual(6);
  expect(r.newAnswer[0]).toBe(r.id);
  expect(r.afterErase).not.toContain(r.id);
  expect(r.leftovers).toEqual([]);
  expect(r.rowGone).toBe(true);
  expect(r.verifiedAfter).toBe(true);
});

test('a standing instruction is brought up for a request that shares no word with it', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { terms } = await importSrc<typeof import('../../src/retrieval/analyzer')>(
      '/src/retrieval/analyzer.ts',
    );
    const e = await f.openEngine(f.uniqueName());
    const instruction = 'Always format code snippets with syntax highlighting.';
    const said = (
      await e.add([{ role: 'user', content: instruction }], { userId: 'ada', infer: false })
    ).results[0]!.id;
    // The assistant saying "Always …" gives no instruction.
    await e.add([{ role: 'assistant', content: 'Always keep backups of the code repository.' }], {
      userId: 'ada',
      infer: false,
    });
    await e.addMany(
      [
        'The login page shows a form for the user name and the password.',
        'Passwords are checked against the stored hash on every login.',
        'I went to the beach with my kids last weekend.',
        'The validation of the login form runs in the browser first.',
        'I reset my password twice this month.',
        'Our team meets on Mondays to plan the week.',
      ].map((text) => ({ text, userId: 'ada' })),
    );
    const q = 'Write me a function to validate the login password';
    const top = async (retrieval?: object) =>
      (
        await e.search(q, {
          userId: 'ada',
          limit: 3,
          reinforce: false,
          ...(retrieval ? { retrieval } : {}),
        })
      ).results.map((x) => x.memory);
    const out = {
      shared: terms(q).filter((t) => terms(instruction).includes(t)),
      on: await top(),
      off: await top({ standing: false }),
      otherUser: (await e.search(q, { userId: 'bob', limit: 3, reinforce: false })).results.map(
        (x) => x.id,
      ),
      said,
    };
    await e.close();
    return out;
  }, FIXTURE);
  expect(r.shared).toEqual([]);
  expect(r.on).toContain('Always format code snippets with syntax highlighting.');
  expect(r.on).not.toContain('Always keep backups of the code repository.');
  expect(r.off).not.toContain('Always format code snippets with syntax highlighting.');
  expect(r.otherUser).not.toContain(r.said);
});

test('dense passages: a long memory is found by its best passage on the browser backend, once; after reopen; not after erasure', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const { HashEmbedder } = await importSrc<typeof import('../../src/embed/hash-embedder')>(
      '/src/embed/hash-embedder.ts',
    );
    const name = f.uniqueName();
    const open = () =>
      f.Engine.open({ name, embedder: new HashEmbedder({ dim: 256 }), backend: 'auto' });
    let e = await open();
    const body = Array.from(
      { length: 70 },
      (_, i) => `Step ${i} of the rollout plan covers checks number ${i} for the team. `,
    ).join('');
    const long = body + 'The staging deployment key is kept in the quuxvault under ops keys.';
    await e.addMany(
      Array.from({ length: 30 }, (_, i) => ({
        text:
          i % 3 === 0
            ? `Server ${i} of the staging cluster was restarted.`
            : `Note ${i}: lunch menus for Friday are posted by Maya.`,
      })),
    );
    const id = (await e.addMany([{ text: long }])).results[0]!.id;
    // The dense stage alone, with or without passages.
    const search = async (passages: boolean) =>
      (
        await e.search('where is the staging deployment key kept quuxvault', {
          limit: 10,
          reinforce: false,
          retrieval: {
            dense: { passages },
            lexical: false,
            episode: false,
            context: false,
            links: false,
            time: false,
            updates: false,
            standing: false,
            rerank: false,
          },
        })
      ).results.map((x) => x.id);
    const off = await search(false);
    const on = await search(true);
    const backend = e.info().backend;
    await e.close();
    e = await open();
    const reopened = await search(true);
    await e.erase(id);
    const erased = await search(true);
    await e.close();
    return { id, off, on, reopened, erased, backend };
  }, FIXTURE);
  expect(r.off[0]).not.toBe(r.id);
  expect(r.on[0]).toBe(r.id);
  expect(r.on.filter((x) => x === r.id)).toHaveLength(1);
  expect(new Set(r.on).size).toBe(r.on.length);
  expect(r.reopened).toEqual(r.on);
  expect(r.erased).not.toContain(r.id);
});
