// Property-based fuzz of Engine.open under Node (fake-indexeddb): hostile options are refused
// with a typed error before any database is created; accepted ones give a working store.
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Engine } from '../../src/engine/engine';
import { HashEmbedder } from '../../src/embed/hash-embedder';
import { ERROR_CODES } from '../../src/errors';
import {
  hostileBool,
  hostileCount,
  hostileNumber,
  hostileOptions,
  hostileText,
  junk,
} from './hostile';
import { describe as show } from './runner';
import { dropDatabase } from './node-target';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const RUNS = Number(process.env.FUZZ_RUNS_OPEN ?? 300);

/** Codes `open` may answer bad options with. */
const OPEN_CODES = new Set(['InvalidArgument', 'GpuUnavailable']);

async function databases(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name!).sort();
}

const options = hostileOptions({
  maxTextLength: hostileCount(),
  blockRows: hostileCount(),
  backend: fc.oneof(fc.constantFrom('cpu', 'auto', 'webgpu', 'gpu', ''), junk()),
  reinforceOnSearch: hostileBool(),
  initialStrength: hostileNumber(),
  strengthIncrement: hostileNumber(),
  linkThreshold: hostileNumber(),
  maxLinks: hostileCount(),
  index: fc.oneof(
    fc.record({ mode: fc.oneof(fc.constantFrom('fp32', 'int8', 'binary', 'fp16', 'pq'), junk()) }),
    junk(),
  ),
  gpuBudgetBytes: hostileCount(),
  checkpoint: fc.oneof(
    fc.constant(false),
    fc.record(
      { minMemories: hostileCount(), minEvents: hostileCount(), maxLag: hostileCount() },
      { requiredKeys: [] },
    ),
    junk(),
  ),
  log: fc.oneof(
    fc.constant(() => {}),
    junk(),
  ),
  clock: fc.oneof(
    fc.constant(() => Date.now()),
    junk(),
  ),
});

test(`Engine.open with hostile options: typed errors, no database left behind (seed ${SEED})`, async () => {
  let n = 0;
  const tally = { opened: 0, refused: 0 };
  const property = fc.asyncProperty(
    options,
    fc.oneof(
      { weight: 9, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: hostileText(50) },
    ),
    async (opts, badName) => {
      const name = badName ?? `open-fuzz-${SEED}-${n++}`;
      const before = await databases();
      let e: Engine | undefined;
      try {
        e = await Engine.open({
          ...(opts as object),
          name: name as string,
          embedder: new HashEmbedder({ dim: 8 }),
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if ((err as Error).name !== 'EngramError' || !code || !(code in ERROR_CODES))
          throw new Error(
            `open let a non-Engram error escape: ${String(err)}\n${String((err as Error).stack)
              .split('\n')
              .slice(1, 6)
              .join('\n')}`,
          );
        if (!OPEN_CODES.has(code)) throw new Error(`open answered bad options with ${code}`);
        const after = await databases();
        if (after.join() !== before.join())
          throw new Error(`a refused open left a database behind: ${show(after)}`);
        tally.refused++;
        return;
      }
      try {
        tally.opened++;
        const { results } = await e.add('m', { userId: 'ada', infer: false });
        const found = await e.search('m', { userId: 'ada', limit: 1 });
        expect(found.results[0]?.id).toBe(results[0]!.id);
        await e.close();
        e = await Engine.open({
          ...(opts as object),
          name: name as string,
          embedder: new HashEmbedder({ dim: 8 }),
        });
        expect((await e.getAll()).results.map((m) => m.memory)).toEqual(['m']);
        expect((await e.verifyLog()).ok).toBe(true);
      } finally {
        await e.close();
        await dropDatabase(name as string);
      }
    },
  );
  const result = await fc.check(property, { seed: SEED, numRuns: RUNS });
  console.log(
    `open fuzz seed ${SEED}: ${RUNS} option sets, ${tally.opened} opened, ${tally.refused} refused`,
  );
  if (result.failed)
    throw new Error(
      `${(result.errorInstance as Error)?.message}\n  counterexample: ${show(result.counterexample)}`,
    );
}, 300_000);
