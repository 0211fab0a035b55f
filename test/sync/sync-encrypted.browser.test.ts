// End-to-end encrypted sync (issue 16, item 4): two devices (two browser contexts) with the
// same passphrase sync through a real CouchDB-compatible server (pouchdb-server in memory).
// The server's raw database (every document, every revision, every field) holds none of the
// texts, metadata values, entities or user ids written, and no event hash; a new device joins
// with the passphrase alone and converges; a wrong passphrase writes nothing anywhere; two
// stores set up apart are refused without loss; an erased memory's ciphertexts are gone from
// every revision on the server and from the other replica.
import type { Page } from 'playwright-core';
import { expect, test } from 'vitest';
import { rawIndexedDB } from '../helpers/raw-indexeddb';
import {
  converged,
  devicePage,
  useCouchServer,
  type DeviceWindow as W,
} from '../helpers/sync-device';

const PASSPHRASE = 'correct horse battery staple';
/** Memories the first device writes (texts, metadata, user ids and entities all invented). */
const N = 40;

const server = useCouchServer();

/** Opens the device's store with the passphrase (and sync when `url`); ms taken, or the error code. */
function open(page: Page, url: string | undefined, passphrase = PASSPHRASE) {
  return page.evaluate(
    async ({ url, passphrase }) => {
      const w = window as unknown as W;
      const t0 = performance.now();
      try {
        w.engine = await w.f.openEngine(w.name, {
          encryption: { passphrase },
          ...(url ? { sync: { url } } : {}),
        });
        return { ms: performance.now() - t0 };
      } catch (e) {
        return { code: (e as { code?: string }).code ?? String(e) };
      }
    },
    { url, passphrase },
  );
}

/** Every document of the server's database with every revision's body, as text. */
async function serverDump(url: string): Promise<{ text: string; docs: Record<string, unknown>[] }> {
  const all = (await (await fetch(`${url}/_all_docs?include_docs=true&conflicts=true`)).json()) as {
    rows: { id: string; doc: Record<string, unknown> }[];
  };
  const changes = await (await fetch(`${url}/_changes?style=all_docs&include_docs=true`)).text();
  const revisions: string[] = [];
  for (const { id } of all.rows) {
    const doc = (await (await fetch(`${url}/${encodeURIComponent(id)}?revs=true`)).json()) as {
      _revisions: { start: number; ids: string[] };
    };
    const { start, ids } = doc._revisions;
    for (let i = 0; i < ids.length; i++)
      revisions.push(
        await (await fetch(`${url}/${encodeURIComponent(id)}?rev=${start - i}-${ids[i]}`)).text(),
      );
  }
  return {
    text: [JSON.stringify(all), changes, ...revisions].join('\n'),
    docs: all.rows.map((r) => r.doc),
  };
}

/** What must be equal on every replica, and the event hashes of its log. */
function snapshot(page: Page) {
  return page.evaluate(async () => {
    const e = (window as unknown as W).engine;
    const all = (await e.getAll({ limit: 100_000 })).results
      .map((m) => `${m.id} ${m.version} ${m.memory} ${JSON.stringify(m.metadata ?? {})}`)
      .sort();
    const ids = all.map((s) => s.split(' ')[0]!);
    const histories = await Promise.all(
      ids
        .slice(0, 5)
        .map(async (id) => (await e.history(id)).map((h) => `${h.event} ${h.newMemory ?? ''}`)),
    );
    const searches = await Promise.all(
      ['Where does Zorvath live', 'pelican 17', 'quokka'].map(async (q) =>
        (await e.search(q, { limit: 5 })).results.map((r) => r.id),
      ),
    );
    const store = (
      e as unknown as {
        store: { eventsSince(n: number): Promise<{ hash: string; origin?: { hash: string } }[]> };
      }
    ).store;
    const hashes = (await store.eventsSince(0)).map((ev) => ev.origin?.hash ?? ev.hash);
    return { all, histories, searches, log: await e.verifyLog(), hashes };
  });
}

/** Distinct invented words of each memory written on device A (all must stay off the server). */
const secretOf = (i: number) => ({
  text: `Zorvath${i} met Quillonby${i} at the pelican ${i} market`,
  userId: `user-Vexmar${i}`,
  metadata: { place: `Drumlakey${i}`, mood: `Frabjous${i}` },
});
const WORDS = Array.from({ length: N }, (_, i) => {
  const s = secretOf(i);
  return [`Zorvath${i}`, `Quillonby${i}`, s.userId, s.metadata.place, s.metadata.mood];
}).flat();

test('encrypted sync: the server holds only ciphertext, a new device joins with the passphrase', async () => {
  const url = `${server.url}/e2e-${Date.now()}`;
  const a = await devicePage('e2e');
  expect(await open(a, url)).toHaveProperty('ms');
  await a.evaluate(
    async ({ n }) => {
      const w = window as unknown as W & { secretOf: (i: number) => unknown };
      for (let i = 0; i < n; i++)
        await w.engine.add(`Zorvath${i} met Quillonby${i} at the pelican ${i} market`, {
          userId: `user-Vexmar${i}`,
          metadata: { place: `Drumlakey${i}`, mood: `Frabjous${i}` },
        });
    },
    { n: N },
  );
  expect(secretOf(0).text).toBe('Zorvath0 met Quillonby0 at the pelican 0 market');

  // A new device: an empty store, the passphrase and the URL, nothing else.
  const b = await devicePage('e2e');
  const joined = await open(b, url);
  expect(joined).toHaveProperty('ms');
  const joinMs = await converged([a, b], N);
  await b.evaluate(() =>
    (window as unknown as W).engine.add('the quokka Brindlewick sleeps at noon', {
      metadata: { colour: 'Ochrevane' },
    }),
  );
  await converged([a, b], N + 1);
  const [sa, sb] = [await snapshot(a), await snapshot(b)];
  expect(sa.all).toHaveLength(N + 1);
  expect(sb.all).toEqual(sa.all);
  expect(sb.histories).toEqual(sa.histories);
  expect(sb.searches).toEqual(sa.searches);
  expect(sa.log.ok).toBe(true);
  expect(sb.log.ok).toBe(true);
  expect(new Set(sb.hashes)).toEqual(new Set(sa.hashes));
  console.log(
    `e2e sync: join (open with passphrase + sync) ${Math.round((joined as { ms: number }).ms)} ms, ${N} memories converged ${joinMs} ms later`,
  );

  // The server, raw: only the key document (wrapped key, salt, no plaintext) and sealed docs.
  const dump = await serverDump(url);
  const words = [...WORDS, 'Brindlewick', 'Ochrevane', 'quokka', 'pelican', 'Zorvath'];
  const found = words.filter((w) => dump.text.includes(w));
  expect(found).toEqual([]);
  // The check can see them: A's texts are in clear in what A's API returns.
  expect(sa.all.join('\n')).toContain('Zorvath7 met Quillonby7');
  const hashesOnServer = sa.hashes.filter((h) => dump.text.includes(h));
  expect(hashesOnServer).toEqual([]);
  const key = dump.docs.find((d) => d._id === 'engram:key')!;
  expect(Object.keys(key).sort()).toEqual(['_id', '_rev', 'format', 'header', 'idKey']);
  expect(key.header).toMatchObject({ wrap: 'PBKDF2-SHA-256', iterations: 600_000 });
  const events = dump.docs.filter((d) => d._id !== 'engram:key');
  expect(events).toHaveLength(sa.hashes.length);
  for (const d of events) {
    expect(Object.keys(d).sort()).toEqual(['_id', '_rev', 'sealed']);
    expect(d._id).toMatch(/^[0-9a-f]{64}$/);
  }
  // Nor does either device's IndexedDB (Engram's sealed stores and PouchDB's) hold a word.
  for (const p of [a, b]) {
    const raw = await rawIndexedDB(p);
    expect(words.filter((w) => raw.includes(w))).toEqual([]);
  }
  console.log(
    `e2e sync: server dump ${dump.text.length} chars (${events.length} event docs, every revision): 0 of ${words.length} words, 0 of ${sa.hashes.length} event hashes`,
  );

  // A wrong passphrase: WrongKey, no local database, the server unchanged (A and B stop first:
  // searching writes recall events, which would go up).
  for (const p of [a, b]) await p.evaluate(() => (window as unknown as W).engine.syncStop());
  const still = await serverDump(url);
  const c = await devicePage('e2e');
  expect(await open(c, url, 'correct horse battery stapler')).toEqual({ code: 'WrongKey' });
  expect(await c.evaluate(async () => (await indexedDB.databases()).length)).toBe(0);
  expect((await serverDump(url)).text).toBe(still.text);
});

test('two stores set up apart with one passphrase: refused with KeyMismatch, nothing lost', async () => {
  const url = `${server.url}/apart-${Date.now()}`;
  const a = await devicePage('e2e');
  expect(await open(a, url)).toHaveProperty('ms');
  await a.evaluate(() => (window as unknown as W).engine.add('Alpha keeps bees'));
  await converged([a], 1);
  // B was set up offline (its own data key) and holds a memory before it ever syncs.
  const b = await devicePage('e2e');
  expect(await open(b, undefined)).toHaveProperty('ms');
  await b.evaluate(() => (window as unknown as W).engine.add('Beta grows figs'));
  const before = await serverDump(url);
  const refused = await b.evaluate(async (url) => {
    const e = (window as unknown as W).engine;
    const code = await e.syncStart({ url }).then(
      () => 'started',
      (err: { code?: string }) => err.code,
    );
    return { code, all: (await e.getAll()).results.map((m) => m.memory) };
  }, url);
  expect(refused).toEqual({ code: 'KeyMismatch', all: ['Beta grows figs'] });
  // Opening it with sync says the same, and still opens without.
  await b.evaluate(() => (window as unknown as W).engine.close());
  expect(await open(b, url)).toEqual({ code: 'KeyMismatch' });
  expect(await open(b, undefined)).toHaveProperty('ms');
  expect((await serverDump(url)).text).toBe(before.text);
  // The way out: export B, join with a new store, import.
  const text = await b.evaluate(async () => {
    const lines: string[] = [];
    for await (const l of (window as unknown as W).engine.export()) lines.push(l);
    return lines;
  });
  const b2 = await devicePage('e2e');
  expect(await open(b2, url)).toHaveProperty('ms');
  await b2.evaluate(
    (text) =>
      (window as unknown as W).engine.import(text, {
        encryption: { passphrase: 'correct horse battery staple' },
        mode: 'merge',
      }),
    text,
  );
  await converged([a, b2], 2);
  const got = await a.evaluate(async () =>
    (await (window as unknown as W).engine.getAll()).results.map((m) => m.memory).sort(),
  );
  expect(got).toEqual(['Alpha keeps bees', 'Beta grows figs']);

  // A store set up with its own key but still empty takes the server's key when opened with sync.
  const d = await devicePage('e2e');
  expect(await open(d, undefined)).toHaveProperty('ms');
  await d.evaluate(() => (window as unknown as W).engine.close());
  expect(await open(d, url)).toHaveProperty('ms');
  await converged([a, d], 2);
});

test('erasure with encryption: the erased ciphertexts leave every revision on the server and B', async () => {
  const url = `${server.url}/erase-e2e-${Date.now()}`;
  const a = await devicePage('e2e');
  expect(await open(a, url)).toHaveProperty('ms');
  await a.evaluate(() => (window as unknown as W).engine.add('the weather is mild today'));
  const b = await devicePage('e2e');
  expect(await open(b, url)).toHaveProperty('ms');
  await converged([a, b], 1);
  const before = new Map(
    (await serverDump(url)).docs.map((d) => [d._id as string, d.sealed as string]),
  );
  const id = await a.evaluate(
    async () =>
      (await (window as unknown as W).engine.add('my locker code is zebra-4711')).results[0]!.id,
  );
  await converged([a, b], 2);
  // B updates it too (so A's erasure must reach B's document as well).
  await b.evaluate(
    (id) => (window as unknown as W).engine.update(id, 'my locker code is zebra-4712'),
    id,
  );
  await converged([a, b], 2);
  await new Promise((r) => setTimeout(r, 500));
  const withSecret = (await serverDump(url)).docs.filter((d) => !before.has(d._id as string));
  const sealed = withSecret.map((d) => d.sealed as string);
  expect(sealed.length).toBeGreaterThanOrEqual(2);
  // Before erasure those ciphertexts are on the server and in B's PouchDB (the check can see).
  expect((await serverDump(url)).text).toContain(sealed[0]);
  expect(await rawIndexedDB(b)).toContain(sealed[0]);

  await a.evaluate((id) => (window as unknown as W).engine.erase(id), id);
  await converged([a, b], 1);
  const t0 = Date.now();
  const left = async () => {
    const texts = [(await serverDump(url)).text, await rawIndexedDB(a), await rawIndexedDB(b)];
    return sealed.filter((s) => texts.some((t) => t.includes(s))).length;
  };
  while ((await left()) > 0 && Date.now() - t0 < 30_000)
    await new Promise((r) => setTimeout(r, 500));
  expect(await left()).toBe(0);
  console.log(
    `e2e sync: ${sealed.length} erased ciphertexts gone everywhere after ${Date.now() - t0} ms`,
  );
  // The documents are still there, rewritten as erased: B's log is a tombstone for them.
  const onB = await b.evaluate(async (id) => {
    const e = (window as unknown as W).engine;
    const store = (
      e as unknown as {
        store: { eventsFor(id: string): Promise<{ type: string; payload: unknown }[]> };
      }
    ).store;
    return {
      all: (await e.getAll()).results.map((m) => m.memory),
      payloads: (await store.eventsFor(id))
        .filter((ev) => ev.type !== 'memory.erased')
        .map((ev) => Object.keys(ev.payload as object)),
      log: (await e.verifyLog()).ok,
    };
  }, id);
  expect(onB.all).toEqual(['the weather is mild today']);
  expect(onB.payloads.length).toBeGreaterThanOrEqual(2);
  expect(onB.payloads.every((k) => k.length === 1 && k[0] === 'tombstone')).toBe(true);
  expect(onB.log).toBe(true);
});
