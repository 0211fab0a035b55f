// `search(q, { explain: true })`: what each stage of the pipeline did to a result's score.
// The pipeline records its scores after every stage (only when asked: no copies otherwise); a
// result's contribution of a stage is its score after the stage minus its score before, so the
// contributions, summed in order from 0, give the final score.
import type { Scores } from './fusion';

/**
 * A stage of the search pipeline, in the order they run. Hybrid search (the default):
 * `lexical`, `dense` (the fusion), `episode`, `speaker`, `time`, `context`, `links`,
 * `speakerLate`, `questions`, `updates`, `standing`, `retention` and `rerank` (the rerank's feature weighting and its
 * picks), `entities`, `crossEncoder`. Dense ranking (`asOf`, `recordedAsOf`,
 * `includeSuperseded`, `retrieval: false`): `dense` and `retention`, then `trust` for a
 * memory of a source trusted less than fully (in hybrid mode trust is part of `rerank`).
 */
export type ExplainStage =
  | 'lexical'
  | 'dense'
  | 'episode'
  | 'speaker'
  | 'time'
  | 'context'
  | 'links'
  | 'speakerLate'
  | 'questions'
  | 'updates'
  | 'standing'
  | 'retention'
  | 'rerank'
  | 'entities'
  | 'crossEncoder'
  | 'trust';

/** What one stage did to one result's score. */
export interface StageContribution {
  /** The stage. */
  stage: ExplainStage;
  /** Whether the stage ran in this search (off: by its `retrieval` option, or nothing to do). */
  on: boolean;
  /**
   * How much the stage changed the score: its score after the stage minus its score before
   * (0 before the result became a candidate). 0 when the stage is off or only reorders.
   */
  contribution: number;
  /** The result's score after this stage (the last stage's is the final `score`). */
  score: number;
}

/**
 * How a result's score came about (`search(q, { explain: true })`): the contribution of each
 * stage, in order; summed from 0 they give `score` (up to floating-point rounding, < 1e-12 of
 * it; each stage's running `score` is exact).
 *
 * What the score means: in `'hybrid'` mode it ranks results of this one search and is not
 * comparable across searches. The fusion gives at most `lexical.weight` (1) for the query's
 * best BM25 match plus `dense.weight` (0.7) for its best cosine among the dense candidates
 * (the worst candidate's cosine counts 0), so a memory best on both scores 1.7 before the
 * boosts; the episode, speaker and time stages multiply it, context and links add a share of
 * other hits' scores, the retention feature scales it by `1 + w·(retention − 1)`. In
 * `'dense'` mode the score is the cosine similarity (−1..1), blended with retention (0..1)
 * as `(1 − w)·similarity + w·retention` when `retentionWeight` w > 0.
 */
export interface ScoreExplanation {
  /** `'hybrid'`: the retrieval pipeline; `'dense'`: similarity (and retention) only. */
  mode: 'hybrid' | 'dense';
  /** Every stage of the mode, in pipeline order, including those that were off. */
  stages: StageContribution[];
}

/** Scores after each stage of one search (undefined: the stage was off and left them as they were). */
export class ScoreTrace {
  private readonly steps: { stage: ExplainStage; scores: Scores | undefined }[] = [];

  /**
   * Records the scores after a stage.
   * @param stage - the stage
   * @param scores - every candidate's score after it (a copy if the caller mutates it later),
   *   or undefined when the stage did not run
   */
  record(stage: ExplainStage, scores: Scores | undefined): void {
    this.steps.push({ stage, scores });
  }

  /**
   * One result's explanation: each stage's contribution, telescoped from the recorded scores.
   * A candidate missing from a stage's scores scored 0 there (it was not a candidate yet).
   * @param id - the result's memory id
   */
  explain(id: string): ScoreExplanation {
    let score = 0;
    const stages = this.steps.map(({ stage, scores }): StageContribution => {
      const before = score;
      if (scores) score = scores.get(id) ?? 0;
      return { stage, on: scores !== undefined, contribution: score - before, score };
    });
    return { mode: 'hybrid', stages };
  }
}

/**
 * The explanation of a dense-ranked result: `score = dense + retention`.
 * @param similarity - cosine of query and memory
 * @param retention - the memory's retention now
 * @param w - `retentionWeight` (0: similarity only)
 * @param trustFactor - the factor of the memory's source trust (1: fully trusted, no stage)
 */
export function explainDense(
  similarity: number,
  retention: number,
  w: number,
  trustFactor = 1,
): ScoreExplanation {
  const dense = w > 0 ? (1 - w) * similarity : similarity;
  const kept = w > 0 ? w * retention : 0;
  const stages: StageContribution[] = [
    { stage: 'dense', on: true, contribution: dense, score: dense },
    { stage: 'retention', on: w > 0, contribution: kept, score: dense + kept },
  ];
  if (trustFactor < 1) {
    const base = dense + kept;
    stages.push({
      stage: 'trust',
      on: true,
      contribution: base * trustFactor - base,
      score: base * trustFactor,
    });
  }
  return { mode: 'dense', stages };
}
