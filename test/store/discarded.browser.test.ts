// A store's database deleted behind the engine's back (what Chromium does to an IndexedDB it
// finds corrupt; crash.browser.test.ts reproduces that for real) is reported once at the next
// open — `info().discarded` and a log line — instead of an empty store passing for a new one.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

test('a database deleted outside Engram is reported at the next open, once; a new store is not', async () => {
  const page = await openPage();
  const r = await page.evaluate(async () => {
    const { Engram } = await importSrc<typeof import('../../src/engram')>('/src/engram.ts');
    const open = async (name: string, worker: boolean) => {
      const logs: string[] = [];
      const mem = await Engram.open({
        name,
        worker,
        embedder: { type: 'hash', dim: 32 },
        backend: 'cpu',
        log: (m) => void logs.push(m),
      });
      return { mem, logs };
    };
    const steps: { count: number; discarded: string | null; said: boolean }[] = [];
    const describe = async ({ mem, logs }: Awaited<ReturnType<typeof open>>) => {
      const info = await mem.info();
      steps.push({
        count: info.count,
        discarded: info.discarded?.createdAt ?? null,
        said: logs.some((l) => l.includes('its database is gone')),
      });
      return mem;
    };
    const drop = (name: string) =>
      new Promise<void>((ok, fail) => {
        const r = indexedDB.deleteDatabase(name);
        r.onsuccess = () => ok();
        r.onerror = () => fail(r.error);
      });
    for (const worker of [true, false]) {
      const name = `discarded-${worker}`;
      let mem = await describe(await open(name, worker)); // new: nothing to report
      await mem.addMany([{ text: 'I live in Berlin' }, { text: 'I have a cat' }]);
      await mem.close();
      mem = await describe(await open(name, worker)); // reopened: 2, nothing to report
      await mem.close();
      await drop(name);
      mem = await describe(await open(name, worker)); // gone: reported
      await mem.add('I like tea', { infer: false });
      await mem.close();
      mem = await describe(await open(name, worker)); // the new database: not reported again
      await mem.close();
    }
    return steps;
  });
  for (const worker of [0, 1]) {
    const [fresh, reopened, gone, again] = r.slice(worker * 4, worker * 4 + 4);
    expect(fresh).toEqual({ count: 0, discarded: null, said: false });
    expect(reopened).toEqual({ count: 2, discarded: null, said: false });
    expect(gone).toMatchObject({ count: 0, said: true });
    expect(gone!.discarded).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(again).toEqual({ count: 1, discarded: null, said: false });
  }
});
