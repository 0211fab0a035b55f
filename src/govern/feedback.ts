// feedback(id, 'correct' | 'wrong'): what the caller says of a memory becomes evidence about
// its source's trust (a `memory.feedback` event; the memory itself is unchanged).
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { checkId } from '../engine/validate';
import { sourceOf, trustReport, type SourceTrust } from './trust';

/** What `feedback` takes: the memory was right, or wrong. */
export type FeedbackVerdict = 'correct' | 'wrong';

/**
 * Records feedback on a memory (any state but erased): `'correct'` confirms its source,
 * `'wrong'` contradicts it.
 * @returns the source's trust after it
 * @throws `NotFound` (no such memory), `InvalidArgument` (a verdict other than 'correct' or 'wrong')
 */
export async function feedback(
  core: EngineCore,
  id: string,
  verdict: FeedbackVerdict,
): Promise<SourceTrust> {
  checkId(id);
  if (verdict !== 'correct' && verdict !== 'wrong')
    throw new EngramError('InvalidArgument', "feedback must be 'correct' or 'wrong'");
  let source = '';
  await core.write(async () => {
    const rec = core.state.records.get(id);
    if (!rec) throw new EngramError('NotFound', `No memory with id ${id}`, { details: { id } });
    source = sourceOf(rec);
    const outcome = verdict === 'correct' ? 'confirmed' : 'contradicted';
    return core.commit({
      events: [
        {
          type: 'memory.feedback',
          memoryId: id,
          at: core.settings.clock(),
          actor: 'api',
          payload: { feedback: verdict, evidence: [{ source, outcome }] },
        },
      ],
    });
  });
  return trustReport(core.settings.trust, core.store.meta.trust).find((t) => t.source === source)!;
}
