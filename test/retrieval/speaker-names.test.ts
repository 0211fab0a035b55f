// Speakers come from Mem0-style messages: a message's `name`, or the owner of a first-person
// memory (its userId for the user's words, agentId for the assistant's). A query naming that
// person finds them (Node, fake-indexeddb, CPU path, hash embedder).
import 'fake-indexeddb/auto';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';

const open = (name: string) =>
  Engine.open({ name, embedder: new HashEmbedder({ dim: 16 }), backend: 'cpu' });
const noBoost = { lexical: { speaker: 0, speakerLate: 0 } };

test('"where does Ada live?" finds the first-person memory stored for userId ada', async () => {
  const e = await open(`speaker-user-${Date.now()}`);
  try {
    // On words alone (and the hash embedder's noise) Bob's memory ranks first.
    await e.add([{ role: 'user', content: 'I live and work in Paris.' }], {
      userId: 'bob',
    });
    const ada = await e.add('I live in Berlin.', { userId: 'ada' });
    const adaId = ada.results[0]!.id;
    const plain = await e.search('Where does Ada live?', { retrieval: noBoost, reinforce: false });
    expect(plain.results[0]!.id).not.toBe(adaId); // the words alone do not find Ada's
    const named = await e.search('Where does Ada live?', { reinforce: false });
    expect(named.results[0]!.id).toBe(adaId);
    const bob = await e.search('Where does Bob live?', { reinforce: false });
    expect(bob.results[0]!.memory).toContain('Paris');
  } finally {
    await e.close();
  }
});

test("a message's name is kept on the memory and a query naming it finds that speaker", async () => {
  const name = `speaker-name-${Date.now()}`;
  let e = await open(name);
  try {
    await e.add(
      [
        { role: 'user', name: 'Melanie', content: 'We adopted a kitten and a puppy.' },
        { role: 'user', name: 'Caroline', content: 'We adopted a kitten.' },
      ],
      { runId: 'chat-1' },
    );
    const all = (await e.getAll()).results;
    const caro = all.find((m) => m.name === 'Caroline')!;
    expect(caro.role).toBe('user');
    expect(all.find((m) => m.name === 'Melanie')?.memory).toContain('puppy');
    const plain = await e.search('What did Caroline adopt?', {
      retrieval: noBoost,
      reinforce: false,
    });
    expect(plain.results[0]!.id).not.toBe(caro.id);
    const named = await e.search('What did Caroline adopt?', { reinforce: false });
    expect(named.results[0]!.id).toBe(caro.id);
    // The name is part of the stored record: it survives reopening.
    await e.close();
    e = await open(name);
    expect((await e.get(caro.id))?.name).toBe('Caroline');
    expect((await e.search('What did Caroline adopt?', { reinforce: false })).results[0]!.id).toBe(
      caro.id,
    );
  } finally {
    await e.close();
  }
});

test("the assistant's memories belong to its agentId", async () => {
  const e = await open(`speaker-agent-${Date.now()}`);
  try {
    await e.add([{ role: 'user', content: 'Green is my favourite colour.' }], {
      userId: 'ada',
      agentId: 'nova',
    });
    const r = await e.add([{ role: 'assistant', content: 'My favourite colour is blue.' }], {
      userId: 'ada',
      agentId: 'nova',
      roles: ['assistant'],
    });
    const q = "What is Nova's favourite colour?";
    const plain = await e.search(q, { retrieval: noBoost, reinforce: false });
    expect(plain.results[0]!.id).not.toBe(r.results[0]!.id);
    expect((await e.search(q, { reinforce: false })).results[0]!.id).toBe(r.results[0]!.id);
  } finally {
    await e.close();
  }
});

test('a bad message name is InvalidArgument and stores nothing', async () => {
  const e = await open(`speaker-bad-${Date.now()}`);
  try {
    for (const name of ['', '   ', 7, 'x'.repeat(201)])
      await expect(
        e.add([{ role: 'user', name, content: 'I live in Rome.' }] as never),
      ).rejects.toMatchObject({ code: 'InvalidArgument' });
    expect((await e.getAll()).results).toHaveLength(0);
  } finally {
    await e.close();
  }
});
