// Planning `add` with inference: extract facts, find the nearest memories in
// scope, decide each fact's operation (rules or the llm hook).
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import { checkText } from '../engine/validate';
import type { Op } from './apply-ops';
import { RuleConsolidator, words, type Candidate } from './consolidation';
import { SentenceExtractor, type ChatMessage, type Extraction, type Fact } from './extractor';
import { contentTokens } from './fact-tokens';
import type { AddOptions, CheckedAdd, SkippedInput } from './ingest';
import { callHook, checkFacts, checkOperations } from './llm';
import { admitContext, admitOne, rejectedReason } from '../govern/admission';

type Msg = ChatMessage & { createdAt?: number };

/** Operations to commit, and the parts of the input that give none. */
export interface Plan {
  ops: Op[];
  skipped: SkippedInput[];
}

/**
 * The nearest current, active memories in scope for each query vector, best first: `k` of
 * them for the consolidator, and (`more` > `k`) up to `more` in `all` for other uses of the
 * same look-up (an added fact's links), found in the same pass over the index.
 */
async function nearest(
  core: EngineCore,
  queries: readonly Float32Array[],
  o: CheckedAdd,
  k: number,
  more = k,
): Promise<{ candidates: Candidate[][]; all: Candidate[][]; writes: number }> {
  await core.ready();
  const state = core.state;
  const writes = state.writes;
  const { allow, any } = state.scopeMask(o.scope);
  if (!any || queries.length === 0) {
    const none = queries.map((): Candidate[] => []);
    return { candidates: none, all: none, writes };
  }
  const dim = core.embedder.dim;
  const q = new Float32Array(queries.length * dim);
  queries.forEach((v, i) => q.set(v, i * dim));
  const hits = await state.index.search(q, Math.max(k, more), allow);
  const all = hits.map((h) => {
    const out: Candidate[] = [];
    h.slots.forEach((slot, i) => {
      const rec = state.recordAt(slot);
      if (rec) out.push({ id: rec.id, text: rec.text, similarity: h.scores[i]! });
    });
    return out;
  });
  // Top-k of a longer exact list is the top-k list (same order, ties by slot).
  return { candidates: all.map((list) => list.slice(0, k)), all, writes };
}

/** Checks what an extractor returned: facts alone, or `{ facts, skipped }`. */
function checkExtraction(core: EngineCore, out: unknown): Extraction {
  const bad = (why: string) => new EngramError('InvalidArgument', `the extractor ${why}`);
  const whole = Array.isArray(out) ? { facts: out, skipped: [] } : (out as Partial<Extraction>);
  if (!whole || !Array.isArray(whole.facts) || !Array.isArray(whole.skipped))
    throw bad('must return an array of facts or { facts, skipped }');
  const skipped = whole.skipped.map((s: unknown, i): SkippedInput => {
    const { text, reason } = (s ?? {}) as Partial<SkippedInput>;
    if (typeof text !== 'string' || typeof reason !== 'string')
      throw bad(`returned a bad skipped[${i}]: { text: string, reason: string } expected`);
    return { text, reason };
  });
  const facts = whole.facts.map((f: Fact, i) => ({
    ...f,
    text: checkText(f?.text, core.settings.maxTextLength, `fact ${i}`),
  }));
  return { facts, skipped };
}

/** Facts from the default (or given) extractor, or from `llm.extractFacts`. */
async function extract(
  core: EngineCore,
  messages: Msg[],
  options: AddOptions,
): Promise<Extraction> {
  const extractFacts = options.llm?.extractFacts;
  if (extractFacts) {
    const plain = messages.map((m) => ({ ...m, role: m.role || 'user' }));
    const facts = checkFacts(
      await callHook('extractFacts', () => extractFacts({ messages: plain })),
    );
    return {
      facts: checkExtraction(
        core,
        facts.map((text) => ({ text })),
      ).facts,
      // The hook says nothing about what it left out, only whether it found anything.
      skipped: facts.length ? [] : messages.map((m) => ({ text: m.content, reason: 'no fact' })),
    };
  }
  const extractor =
    options.extractor ?? new SentenceExtractor(options.roles ? { roles: options.roles } : {});
  return checkExtraction(core, await extractor.extract(messages));
}

/** The facts the admit hook lets in (redacted where it says), before consolidation. */
async function admitted(core: EngineCore, x: Extraction, o: CheckedAdd): Promise<Extraction> {
  if (!core.settings.admit) return x;
  const facts: Fact[] = [];
  const skipped = [...x.skipped];
  for (const f of x.facts) {
    const a = await admitOne(
      core.settings.admit,
      f.text,
      admitContext('add', o, f.role),
      core.settings.maxTextLength,
    );
    if ('rejected' in a) skipped.push({ text: f.text, reason: rejectedReason(a.rejected) });
    else facts.push({ ...f, text: a.text });
  }
  return { facts, skipped };
}

/** Plan with the rule consolidator (or a given one). */
export async function rulePlan(
  core: EngineCore,
  messages: Msg[],
  options: AddOptions,
  o: CheckedAdd,
): Promise<Plan> {
  const { facts, skipped } = await admitted(core, await extract(core, messages, options), o);
  const rules = new RuleConsolidator(options.consolidation ?? {});
  const consolidator = options.consolidator ?? rules;
  const prepared = facts.map((f) => consolidator.prepare(f));
  const vectors = await core.embed(facts.map((f) => f.text));
  const queryTexts = prepared.map((p, i) => (p.query === facts[i]!.text ? undefined : p.query));
  const extra = await core.embed(queryTexts.filter((t): t is string => t !== undefined));
  let e = 0;
  const queries = queryTexts.map((t, i) => (t === undefined ? vectors[i]! : extra[e++]!));
  // An added fact links to its nearest memories: found in the same pass when its query is its
  // own vector, and used at commit if nothing was written in between (see `planLinks`).
  const linkK = o.link ? core.settings.maxLinks : 0;
  const { candidates, all, writes } = await nearest(core, queries, o, rules.candidates, linkK);
  const ops: Op[] = [];
  const seen = new Set<string>();
  facts.forEach((fact, i) => {
    const key = contentTokens(fact.text).join(' ') || words(fact.text).join(' ');
    if (seen.has(key)) {
      skipped.push({ text: fact.text, reason: 'repeated in this call' });
      return;
    }
    seen.add(key);
    const d = consolidator.decide(fact, prepared[i]!, candidates[i]!);
    const time = fact.eventTime !== undefined ? { validFrom: fact.eventTime } : {};
    if (d.event === 'ADD')
      ops.push({
        kind: 'ADD',
        text: fact.text,
        vector: vectors[i]!,
        ...(fact.role !== undefined ? { role: fact.role } : {}),
        ...(fact.name !== undefined ? { name: fact.name } : {}),
        ...time,
        ...(linkK > 0 && queries[i] === vectors[i]
          ? {
              near: {
                state: core.state,
                writes,
                hits: all[i]!.slice(0, linkK).map((c) => ({ to: c.id, score: c.similarity })),
              },
            }
          : {}),
      });
    else if (d.event === 'UPDATE')
      ops.push({ kind: 'UPDATE', id: d.id, text: fact.text, vector: vectors[i]!, ...time });
    else if (d.event === 'DELETE')
      ops.push({
        kind: 'DELETE',
        id: d.id,
        text: fact.text,
        vector: vectors[i]!,
        ...(fact.eventTime !== undefined ? { validTo: fact.eventTime } : {}),
      });
    else if (d.id !== undefined) ops.push({ kind: 'NOOP', id: d.id });
    else skipped.push({ text: fact.text, reason: d.reason ?? 'no change' });
  });
  return { ops, skipped };
}

/** Plan with the llm hook (Mem0's contract); `decide` absent → the rules decide. */
export async function llmPlan(
  core: EngineCore,
  messages: Msg[],
  options: AddOptions,
  o: CheckedAdd,
): Promise<Plan> {
  const decide = options.llm?.decide;
  if (!decide) return rulePlan(core, messages, options, o);
  const extraction = await admitted(core, await extract(core, messages, options), o);
  const { skipped } = extraction;
  const facts = extraction.facts.map((f) => f.text);
  if (facts.length === 0) return { ops: [], skipped };
  const vectors = await core.embed(facts);
  const near = (
    await nearest(core, vectors, o, new RuleConsolidator(options.consolidation ?? {}).candidates)
  ).candidates;
  const realIds: string[] = [];
  const memories: { id: string; text: string }[] = [];
  for (const list of near)
    for (const c of list)
      if (!realIds.includes(c.id)) {
        memories.push({ id: String(realIds.length), text: c.text });
        realIds.push(c.id);
      }
  const out = await callHook('decide', () => decide({ facts, memories }));
  const decided = checkOperations(out, new Set(memories.map((m) => m.id)));
  const texts = decided.filter((d) => d.event === 'ADD' || d.event === 'UPDATE').map((d) => d.text);
  const max = core.settings.maxTextLength;
  if (texts.some((t) => t.length > max))
    throw new EngramError('LlmFailed', `llm.decide returned a text longer than ${max} characters`);
  const opVectors = await core.embed(texts);
  let v = 0;
  const ops = decided.map((d): Op => {
    const id = realIds[Number(d.id)] ?? '';
    if (d.event === 'ADD') return { kind: 'ADD', text: d.text, vector: opVectors[v++]! };
    if (d.event === 'UPDATE') return { kind: 'UPDATE', id, text: d.text, vector: opVectors[v++]! };
    if (d.event === 'DELETE') return { kind: 'DELETE', id };
    return { kind: 'NOOP', id };
  });
  return { ops, skipped };
}
