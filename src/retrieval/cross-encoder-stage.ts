// The cross-encoder stage of a search (off by default): the best candidates after fusion and the
// rerank are scored by a cross-encoder with the query, and its scores blended with the fused ones.
import { EngramError } from '../errors';
import { CrossEncoderReranker, type CrossEncoderLoadOptions } from './cross-encoder';

/**
 * Options of the cross-encoder stage: the model (loaded once per distinct load options, in the
 * page or the engine's Worker, and kept for later searches) and the blend.
 * @example
 * await mem.search('where does Ada live?', {
 *   retrieval: { crossEncoder: { model: 'ms-marco-MiniLM-L-6-v2', localModelPath: '/models/', top: 20 } },
 * });
 */
export interface CrossEncoderStageOptions extends CrossEncoderLoadOptions {
  /**
   * Weight w of the cross-encoder, 0..1 (default 0.5): a rescored candidate's score is
   * (1 − w)·fused′ + w·model′, both min–max scaled over the rescored candidates; 1 orders them by
   * the model alone.
   */
  weight?: number;
  /** How many of the best candidates after fusion are rescored (default 30). */
  top?: number;
}

/** Weight of the cross-encoder when not given. */
export const DEFAULT_CROSS_ENCODER_WEIGHT = 0.5;
/** Candidates rescored when not given. */
export const DEFAULT_CROSS_ENCODER_TOP = 30;

const LOAD_KEYS = [
  'model',
  'localModelPath',
  'allowRemote',
  'device',
  'dtype',
  'wasmPaths',
  'batchSize',
  'maxLength',
] as const;

/**
 * Checks the `crossEncoder` stage options (types and ranges; the model is checked when loaded).
 * @param o - the stage options as given
 * @throws EngramError `InvalidArgument`
 * @example
 * checkCrossEncoderStage({ model: 'm', weight: 2 }); // throws InvalidArgument
 */
export function checkCrossEncoderStage(o: CrossEncoderStageOptions): void {
  const bad = (m: string) => new EngramError('InvalidArgument', `retrieval.crossEncoder: ${m}`);
  if (typeof o.model !== 'string' || o.model === '') throw bad('model must be a model id');
  const w = o.weight ?? DEFAULT_CROSS_ENCODER_WEIGHT;
  if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw bad('weight must be in 0..1');
  const top = o.top ?? DEFAULT_CROSS_ENCODER_TOP;
  if (!Number.isInteger(top) || top < 1) throw bad('top must be a positive integer');
}

const shared = new Map<string, Promise<CrossEncoderReranker>>();

/**
 * The reranker for these load options, loaded on first use and shared by later searches (a
 * failed load is forgotten, so the next search tries again).
 * @param o - the load options
 * @throws EngramError `ModelLoadFailed`, `InvalidArgument`
 * @example
 * const r = await sharedCrossEncoder({ model: 'ms-marco-MiniLM-L-6-v2' });
 */
export function sharedCrossEncoder(o: CrossEncoderLoadOptions): Promise<CrossEncoderReranker> {
  const load = Object.fromEntries(
    LOAD_KEYS.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]),
  ) as unknown as CrossEncoderLoadOptions;
  const key = JSON.stringify(LOAD_KEYS.map((k) => o[k] ?? null));
  let made = shared.get(key);
  if (!made) {
    made = CrossEncoderReranker.create(load);
    shared.set(key, made);
    made.catch(() => shared.delete(key));
  }
  return made;
}

/**
 * Blends cross-encoder logits into a ranking: the first `logits.length` entries of `ranked` are
 * rescored as (1 − w)·fused′ + w·logit′ (each min–max scaled over them; a constant one counts 1)
 * and sorted by that (ties keep their order); the entries after them keep their order, scored
 * (1 − w)·fused′ capped at 0, so no score rises above one before it.
 * @param ranked - ids with fused scores, best first
 * @param logits - the cross-encoder's logit of each of the first entries
 * @param weight - w, 0..1
 * @returns ids with blended scores, best first
 * @example
 * blendCrossEncoder([{ id: 'a', score: 2 }, { id: 'b', score: 1 }], Float32Array.of(0, 3), 1);
 * // [{ id: 'b', score: 1 }, { id: 'a', score: 0 }]
 */
export function blendCrossEncoder(
  ranked: readonly { id: string; score: number }[],
  logits: Float32Array,
  weight: number,
): { id: string; score: number }[] {
  const n = Math.min(logits.length, ranked.length);
  const head = ranked.slice(0, n);
  const scale = (xs: readonly number[]) => {
    const lo = Math.min(...xs);
    const span = Math.max(...xs) - lo;
    return { lo, span, of: (x: number) => (span > 0 ? (x - lo) / span : 1) };
  };
  const fused = scale(head.map((r) => r.score));
  const model = scale(Array.from(logits.subarray(0, n)));
  const top = head
    .map((r, i) => ({
      id: r.id,
      score: (1 - weight) * fused.of(r.score) + weight * model.of(logits[i]!),
    }))
    .sort((a, b) => b.score - a.score);
  const rest = ranked.slice(n).map((r) => ({
    id: r.id,
    score: Math.min(0, (1 - weight) * ((r.score - fused.lo) / (fused.span || 1))) + 0, // no -0
  }));
  return [...top, ...rest];
}

/**
 * The cross-encoder stage: rescores the best `top` of `ranked` with the model and blends.
 * @param query - the query text
 * @param ranked - ids with fused scores, best first
 * @param text - a candidate's text (the memory's text)
 * @param o - the stage options
 * @returns ids with blended scores, best first (as many as `ranked`)
 * @throws EngramError `ModelLoadFailed` (the model cannot be loaded or run), `InvalidArgument`
 * @example
 * const out = await crossEncoderStage(q, hits, (id) => records.get(id)!.text, { model: 'm' });
 */
export async function crossEncoderStage(
  query: string,
  ranked: readonly { id: string; score: number }[],
  text: (id: string) => string,
  o: CrossEncoderStageOptions,
): Promise<{ id: string; score: number }[]> {
  checkCrossEncoderStage(o);
  const head = ranked.slice(0, o.top ?? DEFAULT_CROSS_ENCODER_TOP);
  if (head.length === 0) return [...ranked];
  const reranker = await sharedCrossEncoder(o);
  const logits = await reranker.score(
    query,
    head.map((r) => text(r.id)),
  );
  return blendCrossEncoder(ranked, logits, o.weight ?? DEFAULT_CROSS_ENCODER_WEIGHT);
}
