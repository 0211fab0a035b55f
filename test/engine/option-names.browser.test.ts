// Unknown option names are rejected by every public call (InvalidArgument naming the key and
// the accepted ones), through the Worker and in the page, and nothing is written; the options
// the page side takes apart (llm callbacks) still cross.
import { expect, test } from 'vitest';
import { openPage } from '../helpers/browser';

type Fixture = typeof import('./fixture');
const FIXTURE = '/test/engine/fixture.ts';

interface Outcome {
  code: string;
  message: string;
  option?: string;
  accepted?: string[];
}

test('every public call rejects an unknown option name, naming it and the accepted ones', async () => {
  const page = await openPage();
  const r = await page.evaluate(async (path) => {
    const f = await importSrc<Fixture>(path);
    const outcome = (p: Promise<unknown>): Promise<Outcome | 'resolved'> =>
      p.then(
        () => 'resolved' as const,
        (e: { code?: string; message?: string; details?: Record<string, unknown> }) => ({
          code: e.code ?? String(e),
          message: e.message ?? '',
          ...(typeof e.details?.option === 'string' ? { option: e.details.option } : {}),
          ...(Array.isArray(e.details?.accepted)
            ? { accepted: e.details.accepted as string[] }
            : {}),
        }),
      );
    // Typed `{}`: what a JavaScript caller passes, with no compile-time check of its names.
    const bogus = { bogusOption: 1 } as {};
    const name = f.uniqueName();
    const base = { name, embedder: { type: 'hash', dim: 64 } as const, backend: 'cpu' as const };
    const out: Record<string, Record<string, Outcome | 'resolved'>> = {};
    const opens = {
      open: await outcome(f.Engram.open({ ...base, ...bogus })),
      checkpoint: await outcome(f.Engram.open({ ...base, checkpoint: bogus })),
      index: await outcome(f.Engram.open({ ...base, index: bogus })),
      embedder: await outcome(f.Engram.open({ ...base, embedder: { type: 'hash', ...bogus } })),
      engineOpen: await outcome(f.openEngine(f.uniqueName(), bogus)),
      recallFlushMs: await outcome(f.Engram.open({ ...base, recallFlushMs: -1 })),
    };
    const mem = await f.Engram.open(base);
    const engine = await f.openEngine(f.uniqueName());
    for (const [where, api] of [
      ['worker', mem],
      ['page', engine],
    ] as const) {
      const { results } = await api.add('I live in Berlin', { userId: 'ada' });
      const id = results[0]!.id;
      const exported = await (async () => {
        const lines: string[] = [];
        const src = await api.export();
        if (src instanceof ReadableStream) {
          const reader = src.getReader();
          for (let x = await reader.read(); !x.done; x = await reader.read()) lines.push(x.value);
        } else for await (const l of src) lines.push(l);
        return lines.join('');
      })();
      const before = f.dumpJson(await api.dump());
      const o: Record<string, Outcome | 'resolved'> = {
        add: await outcome(api.add('I live in Paris', { userId: 'ada', ...bogus })),
        addValidFrom: await outcome(api.add('Paris', { validFrom: 1 } as never)),
        addConsolidation: await outcome(api.add('Paris', { consolidation: bogus })),
        addLlm: await outcome(
          api.add('Paris', { llm: { extractFacts: async () => ({ facts: [] }), ...bogus } }),
        ),
        addManyItem: await outcome(api.addMany([{ text: 'ok' }, { text: 'no', ...bogus }])),
        search: await outcome(api.search('where', bogus)),
        searchStage: await outcome(api.search('where', { retrieval: { lexical: bogus } })),
        searchFeatures: await outcome(
          api.search('where', { retrieval: { rerank: { features: bogus } } }),
        ),
        searchLlm: await outcome(
          api.search('where', { llm: { rewriteQuery: async (q: string) => q, ...bogus } }),
        ),
        getAll: await outcome(api.getAll(bogus)),
        update: await outcome(api.update(id, 'I live in Rome', bogus)),
        deleteAll: await outcome(api.deleteAll({ userId: 'ada', ...bogus })),
        forget: await outcome(api.forget({ belowRetention: 0.5, ...bogus })),
        related: await outcome(api.related(id, bogus)),
        erase: await outcome(api.erase({ userId: 'ada', ...bogus })),
        export: await outcome(
          (async () => {
            const s = await api.export(bogus);
            if (!(s instanceof ReadableStream)) await s.next();
          })(),
        ),
        import: await outcome(api.import(exported, bogus)),
        compact: await outcome(api.compact(bogus)),
        merge: await outcome(api.merge(bogus)),
        delete: await outcome(api.delete(id, bogus)),
        audit: await outcome(api.audit(bogus)),
        pending: await outcome(api.pending(bogus)),
        batchAdd: await outcome(api.batch((tx) => tx.add('I live in Oslo', bogus))),
      };
      if (where === 'page')
        o.addManyOptions = await outcome(engine.addMany([{ text: 'ok' }], bogus));
      o.unchanged = before === f.dumpJson(await api.dump()) ? 'resolved' : ('changed' as never);
      // What the page takes apart and the host puts back together still passes the check.
      const withHooks = await outcome(
        api.add('I moved to Lisbon', {
          userId: 'ada',
          consolidation: { candidates: 3 },
          llm: { extractFacts: async () => ({ facts: ['I moved to Lisbon'] }) },
        }),
      );
      const rewritten = await outcome(
        api.search('where', {
          userId: 'ada',
          retrieval: { lexical: { weight: 1 }, rerank: { features: { recency: 0 } } },
          llm: { rewriteQuery: async (q: string) => [q, 'Lisbon'] },
        }),
      );
      o.withHooks = withHooks;
      o.rewritten = rewritten;
      out[where] = o;
    }
    await mem.close();
    await engine.close();
    return { opens, out };
  }, FIXTURE);

  const unknown = (o: Outcome | 'resolved' | undefined, option: string, acceptedOne: string) => {
    expect(o).not.toBe('resolved');
    const e = o as Outcome;
    expect(e.code).toBe('InvalidArgument');
    expect(e.option).toBe(option);
    expect(e.accepted).toContain(acceptedOne);
    expect(e.accepted).not.toContain(option.split('.').pop());
    expect(e.message).toContain(`'${option}'`);
    expect(e.message).toContain(acceptedOne);
  };
  unknown(r.opens.open, 'bogusOption', 'recallFlushMs');
  unknown(r.opens.checkpoint, 'checkpoint.bogusOption', 'minMemories');
  unknown(r.opens.index, 'index.bogusOption', 'mode');
  unknown(r.opens.embedder, 'embedder.bogusOption', 'dim');
  unknown(r.opens.engineOpen, 'bogusOption', 'clock');
  expect(r.opens.recallFlushMs).toMatchObject({ code: 'InvalidArgument' });
  for (const where of ['worker', 'page'] as const) {
    const o = r.out[where]!;
    unknown(o.add, 'bogusOption', 'userId');
    unknown(o.addValidFrom, 'validFrom', 'eventTime');
    unknown(o.addConsolidation, 'consolidation.bogusOption', 'duplicateThreshold');
    unknown(o.addLlm, 'llm.bogusOption', 'extractFacts');
    unknown(o.addManyItem, 'bogusOption', 'text');
    expect((o.addManyItem as Outcome).message).toContain('items[1]');
    unknown(o.search, 'bogusOption', 'retrieval');
    unknown(o.searchStage, 'retrieval.lexical.bogusOption', 'speakerLate');
    unknown(o.searchFeatures, 'retrieval.rerank.features.bogusOption', 'recency');
    unknown(o.searchLlm, 'llm.bogusOption', 'rewriteQuery');
    unknown(o.getAll, 'bogusOption', 'filters');
    unknown(o.update, 'bogusOption', 'eventTime');
    unknown(o.deleteAll, 'bogusOption', 'runId');
    unknown(o.forget, 'bogusOption', 'belowRetention');
    unknown(o.related, 'bogusOption', 'depth');
    unknown(o.erase, 'bogusOption', 'agentId');
    unknown(o.export, 'bogusOption', 'vectors');
    unknown(o.import, 'bogusOption', 'mode');
    unknown(o.compact, 'bogusOption', 'maxBytes');
    unknown(o.merge, 'bogusOption', 'threshold');
    unknown(o.delete, 'bogusOption', 'changeSet');
    unknown(o.audit, 'bogusOption', 'since');
    unknown(o.pending, 'bogusOption', 'limit');
    unknown(o.batchAdd, 'bogusOption', 'source');
    if (where === 'page') unknown(o.addManyOptions, 'bogusOption', 'onProgress');
    // Nothing of the rejected calls reached IndexedDB.
    expect(o.unchanged).toBe('resolved');
    expect(o.withHooks).toBe('resolved');
    expect(o.rewritten).toBe('resolved');
  }
});
