// `bench/scale-node.ts --phases`: where single add() calls spend their time, phase by phase, by
// wrapping the engine's internals (inclusive ms; phases nest: commit holds store.commit …).
import type { Engine } from '../src/engine/engine';
import type { EngineCore } from '../src/engine/core';
import { RuleConsolidator } from '../src/memory/consolidation';
import { SentenceExtractor } from '../src/memory/extractor';

/** Wraps `obj[name]` (async or not) so each call's ms and count go to `phase`. */
function wrap(
  totals: Map<string, { ms: number; calls: number }>,
  phase: string,
  obj: object,
  name: string,
): void {
  const o = obj as Record<string, (...a: unknown[]) => unknown>;
  const orig = o[name]!;
  o[name] = function (this: unknown, ...a: unknown[]) {
    const t0 = performance.now();
    const done = () => {
      const t = totals.get(phase) ?? { ms: 0, calls: 0 };
      t.ms += performance.now() - t0;
      t.calls++;
      totals.set(phase, t);
    };
    const r = orig.apply(this, a);
    if (r instanceof Promise) return r.finally(done);
    done();
    return r;
  };
}

/**
 * Starts timing the phases of what `engine` does from now on.
 * @returns `print(adds)`: ms and calls per add, by phase
 */
export function timePhases(engine: Engine): { print: (adds: number) => void } {
  const totals = new Map<string, { ms: number; calls: number }>();
  const e = engine as unknown as { core: EngineCore; store: object };
  const core = e.core;
  const state = core.state;
  wrap(totals, 'core.write (lock, catch-up, commitOps)', core, 'write');
  wrap(totals, 'core.commit (store + state)', core, 'commit');
  wrap(totals, 'core.embed', core, 'embed');
  wrap(totals, 'core.ready', core, 'ready');
  wrap(totals, 'store.commit (hash, IndexedDB)', e.store, 'commit');
  wrap(totals, 'store.refreshMeta', e.store, 'refreshMeta');
  wrap(totals, 'index.search (exact scan)', state.index, 'search');
  wrap(totals, 'state.appendVectors', state, 'appendVectors');
  wrap(totals, 'state.apply', state, 'apply');
  wrap(totals, 'state.scopeMask', state, 'scopeMask');
  wrap(totals, 'extract', SentenceExtractor.prototype, 'extract');
  wrap(totals, 'decide', RuleConsolidator.prototype, 'decide');
  return {
    print(adds: number) {
      console.log('-- phases, ms per add() (calls per add)');
      for (const [phase, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms))
        console.log(
          `${(t.ms / adds).toFixed(3).padStart(8)}  ${phase} (${(t.calls / adds).toFixed(2)})`,
        );
    },
  };
}
