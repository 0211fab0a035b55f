// Erasure through sync: a memory erased on one device leaves no trace of its text on the
// other device (anywhere in its IndexedDB, Engram's stores and PouchDB's) nor on the server.
import { expect, test } from 'vitest';
import { rawIndexedDB } from '../helpers/raw-indexeddb';
import { syncDevice, until, useCouchServer } from '../helpers/sync-device';

type EngineT = import('../../src/engine/engine').Engine;
const SECRET = 'zebra-4711-quokka';

const server = useCouchServer();

test('a memory erased on device A is gone from device B and from the server', async () => {
  const url = `${server.url}/erase-${Date.now()}`;
  const [a, b] = [await syncDevice(url, 'erase'), await syncDevice(url, 'erase')];
  const id = await a.evaluate(async (text) => {
    const e = (window as unknown as { engine: EngineT }).engine;
    await e.add('the weather is mild today');
    return (await e.add(`my locker code is ${text}`)).results[0]!.id;
  }, SECRET);
  await until(b, 'window.engine.info().count === 2', 60_000);
  // Before erasure the text is on B and on the server (so the checks below can see it).
  expect(await rawIndexedDB(b)).toContain(SECRET);
  const serverDocs = () =>
    fetch(`${url}/_all_docs?include_docs=true&conflicts=true`).then((r) => r.text());
  expect(await serverDocs()).toContain(SECRET);

  await a.evaluate((id) => (window as unknown as { engine: EngineT }).engine.erase(id), id);
  await until(b, 'window.engine.info().count === 1', 60_000);
  // B erased it too: its own log holds the erasure, and history shows it.
  const onB = await b.evaluate(async (id) => {
    const e = (window as unknown as { engine: EngineT }).engine;
    return {
      all: (await e.getAll()).results.map((m) => m.memory),
      history: (await e.history(id)).map((h) => h.event),
      log: await e.verifyLog(),
    };
  }, id);
  expect(onB.all).toEqual(['the weather is mild today']);
  expect(onB.history).toContain('ERASE');
  expect(onB.log.ok).toBe(true);
  // No trace of the text anywhere in B's IndexedDB (Engram's stores and PouchDB's) …
  const t0 = Date.now();
  while ((await rawIndexedDB(b)).includes(SECRET) && Date.now() - t0 < 30_000)
    await new Promise((r) => setTimeout(r, 500));
  expect(await rawIndexedDB(b)).not.toContain(SECRET);
  expect(await rawIndexedDB(a)).not.toContain(SECRET);
  // … nor on the server: current revisions, conflicts, and the changes feed with all leaves.
  while ((await serverDocs()).includes(SECRET) && Date.now() - t0 < 30_000)
    await new Promise((r) => setTimeout(r, 500));
  expect(await serverDocs()).not.toContain(SECRET);
  const changes = await fetch(`${url}/_changes?style=all_docs&include_docs=true`).then((r) =>
    r.text(),
  );
  expect(changes).not.toContain(SECRET);
  expect(await serverDocs()).toContain('the weather is mild today');
});
