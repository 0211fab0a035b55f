// The same search gives the same results, byte for byte, whatever the history of the in-memory
// state: live after writes, or loaded from IndexedDB after close and reopen (also after updates
// and deletes, which re-insert index entries in another order).
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('../engine/fixture');
const FIXTURE = '/test/engine/fixture.ts';

test('search results are identical before and after close/reopen, also after update and delete', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const name = f.uniqueName();
    let now = 1_700_000_000_000;
    const clock = () => now;
    const open = () => f.openEngine(name, { clock, linkThreshold: 0.2 });
    let e = await open();
    // Many equal BM25 and dense scores (repeated texts), several episodes, links on insert.
    const items = Array.from({ length: 90 }, (_, i) => ({
      text: i % 3 === 0 ? `Ada: the garden party was fun` : `Bob: note ${i % 7} about the garden`,
      runId: `s${i % 4}`,
      metadata: { speaker: i % 3 === 0 ? 'Ada' : 'Bob' },
      infer: false,
    }));
    for (const it of items.slice(0, 10)) {
      now += 1000;
      const { text, ...options } = it;
      await e.add(text, options);
    }
    now += 1000;
    const added = await e.addMany(items.slice(10));
    const queries = [
      'What did Ada say about the garden party?',
      'garden',
      'When was the note about the garden?',
    ];
    const run = async (eng: typeof e) => {
      const out: unknown[] = [];
      for (const q of queries)
        for (const retrieval of [undefined, { links: {} }, { rerank: { lambda: 0.5 } }])
          out.push(
            (
              await eng.search(q, {
                limit: 60,
                reinforce: false,
                ...(retrieval ? { retrieval } : {}),
              })
            ).results,
          );
      return JSON.stringify(out);
    };
    const steps: { live: string; reopened: string }[] = [];
    const check = async () => {
      const live = await run(e);
      await e.close();
      e = await open();
      steps.push({ live, reopened: await run(e) });
    };
    await check();
    const ids = added.results.map((x) => x.id);
    now += 1000;
    await e.update(ids[3]!, 'Bob: note 1 about the garden');
    await e.update(ids[20]!, 'Ada: the garden party was fun');
    await e.delete(ids[7]!);
    await check();
    await e.close();
    return steps.map((s) => ({ same: s.live === s.reopened, len: s.live.length }));
  }, FIXTURE);
  for (const s of r) {
    expect(s.len).toBeGreaterThan(1000);
    expect(s.same).toBe(true);
  }
});
