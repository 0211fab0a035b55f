// add() and addMany(): checks, then a plan of operations, then ONE commit.
import { EngramError } from '../errors';
import type { EngineCore } from '../engine/core';
import {
  checkBoolean,
  checkMetadata,
  checkOptionNames,
  checkScope,
  checkText,
  checkTime,
} from '../engine/validate';
import { ADD_MANY_ITEM, ADD_OPTIONS } from '../engine/option-names';
import type { Metadata, Scope } from '../types';
import type { ConsolidationOptions, Consolidator } from './consolidation';
import type { ChatMessage, Extractor } from './extractor';
import type { LlmHook } from './llm';
import { commitOps, type Op } from './apply-ops';
import { llmPlan, rulePlan } from './plan';
import { checkWriteTag, type WriteTag, type WriteTagOptions } from '../govern/write-tag';
import { admitContext, admitOne, rejectedReason } from '../govern/admission';

/** What `add` takes: a text, or chat messages (`{ role, content }[]`, as Mem0). */
export type AddInput = string | ChatMessage[];

/** Options of `add` (and of each `addMany` item). */
export interface AddOptions extends Scope, WriteTagOptions {
  /** Metadata to keep with the new memories. */
  metadata?: Metadata;
  /** A precomputed vector for a text added with `infer: false` (the default then); skips the embedder. */
  vector?: Float32Array;
  /** Extract facts and consolidate them (default true for `add`; `addMany` never does). */
  infer?: boolean;
  /** When it was said or became true (default now): the memories' `validFrom`. */
  eventTime?: number | Date | string;
  /** Link new memories to their nearest neighbours in scope (default true for `add`, false for `addMany`). */
  link?: boolean;
  /** Speakers whose sentences the default extractor keeps (default `['user']`). */
  roles?: string[];
  /** Thresholds of the default consolidator. */
  consolidation?: ConsolidationOptions;
  /** A custom extractor (in the page or Node; cannot cross into a Worker). */
  extractor?: Extractor;
  /** A custom consolidator (in the page or Node; cannot cross into a Worker). */
  consolidator?: Consolidator;
  /** A language-model hook with Mem0's contract (see `LlmHook`). */
  llm?: LlmHook;
}

/** One result of `add`, Mem0-style. */
export interface AddResultItem {
  id: string;
  /** The memory's text (for DELETE and NOOP: the text of the memory concerned). */
  memory: string;
  event: 'ADD' | 'UPDATE' | 'DELETE' | 'NOOP' | 'PENDING';
  /** For UPDATE: the text it replaced. */
  previousMemory?: string;
  /**
   * For PENDING: the higher-trust memory this lower-trust fact would have updated or
   * deleted; the fact is held (see `pending()`), the memory unchanged.
   */
  target?: string;
}

/**
 * Why part of an input was not stored. Built-in reasons:
 * - `'question'` — a sentence ending in "?" (the default extractor keeps statements);
 * - `'too short'` — a sentence under the extractor's `minLength` (3 characters), e.g. `add('ok')`;
 * - `'role not kept'` — a message of a speaker not in `roles` (default only `'user'`), or a
 *   `'system'` message with `infer: false`;
 * - `'repeated in this call'` — the same fact (same content tokens) earlier in the same input;
 * - `'nothing to retract'` — a retraction ("I no longer …") that matches no memory in scope;
 * - `'no fact'` — `llm.extractFacts` found no fact in the input;
 * - `'no change'` — a custom consolidator returned NOOP without naming a memory;
 * - `'rejected: <reason>'` — the `admit` hook rejected the fact, with its reason.
 *
 * A custom extractor may give its own reasons.
 */
export type SkipReason =
  | 'question'
  | 'too short'
  | 'role not kept'
  | 'repeated in this call'
  | 'nothing to retract'
  | 'no fact'
  | 'no change'
  | `rejected: ${string}`
  | (string & {});

/** A sentence or message of the input that `add` did not store, and why. */
export interface SkippedInput {
  /** The sentence (or whole message) as given. */
  text: string;
  reason: SkipReason;
}

/** Result of `add` and `addMany`. */
export interface AddResult {
  results: AddResultItem[];
  /**
   * What was not stored and why: every part of the input is either in `results`
   * (ADD, UPDATE, DELETE, or NOOP when a memory already says it) or here.
   * For `addMany`, which stores every item as it is, only the items the admit hook rejected.
   */
  skipped: SkippedInput[];
}

/** Checked options shared by the plan and the commit. */
export interface CheckedAdd {
  scope: Scope;
  metadata: Metadata;
  eventTime: number | undefined;
  link: boolean;
  infer: boolean;
  vector: Float32Array | undefined;
  /** Source and change set, recorded on the events. */
  tag: WriteTag;
}

function checkOptions(core: EngineCore, o: AddOptions, linkDefault: boolean): CheckedAdd {
  if (typeof o !== 'object' || o === null)
    throw new EngramError('InvalidArgument', 'options must be an object');
  const vector = o.vector === undefined ? undefined : core.checkVector(o.vector);
  const infer = checkBoolean(o.infer, 'infer', vector === undefined);
  if (infer && vector) throw new EngramError('InvalidArgument', 'vector needs infer: false');
  if (
    o.roles !== undefined &&
    (!Array.isArray(o.roles) || !o.roles.every((r) => typeof r === 'string'))
  )
    throw new EngramError('InvalidArgument', 'roles must be an array of strings');
  return {
    scope: checkScope(o),
    metadata: checkMetadata(o.metadata),
    eventTime: o.eventTime === undefined ? undefined : checkTime(o.eventTime, 'eventTime'),
    link: checkBoolean(o.link, 'link', linkDefault),
    infer,
    vector,
    tag: checkWriteTag(o),
  };
}

/** Checks the input of `add`; a text becomes one message with role ''. */
function checkInput(core: EngineCore, input: unknown): (ChatMessage & { createdAt?: number })[] {
  const max = core.settings.maxTextLength;
  if (typeof input === 'string' || !Array.isArray(input))
    return [{ role: '', content: checkText(input, max) }];
  if (input.length === 0) throw new EngramError('InvalidArgument', 'messages must not be empty');
  return input.map((m: unknown, i) => {
    const msg = m as Partial<ChatMessage> | null;
    if (!msg || typeof msg.role !== 'string' || msg.role.length === 0)
      throw new EngramError('InvalidArgument', `messages[${i}].role must be a non-empty string`);
    const out: ChatMessage & { createdAt?: number } = {
      role: msg.role,
      content: checkText(msg.content, max, `messages[${i}].content`),
    };
    if (msg.name !== undefined) {
      if (typeof msg.name !== 'string' || msg.name.trim().length === 0 || msg.name.length > 200)
        throw new EngramError(
          'InvalidArgument',
          `messages[${i}].name must be a non-empty string of at most 200 characters`,
        );
      out.name = msg.name;
    }
    if (msg.createdAt !== undefined)
      out.createdAt = checkTime(msg.createdAt, `messages[${i}].createdAt`);
    return out;
  });
}

/** `add`: validate, plan (plain, rules or llm), commit once. */
export async function addMemories(
  core: EngineCore,
  input: AddInput,
  options: AddOptions = {},
): Promise<AddResult> {
  checkOptionNames(options, ADD_OPTIONS, 'add');
  const o = checkOptions(core, options ?? {}, true);
  const messages = checkInput(core, input);
  let ops: Op[];
  let skipped: SkippedInput[] = [];
  let actor = 'api';
  if (!o.infer) {
    skipped = messages
      .filter((m) => m.role === 'system')
      .map((m) => ({ text: m.content, reason: 'role not kept' }));
    const kept: typeof messages = [];
    let redacted = false;
    for (const m of messages.filter((x) => x.role !== 'system')) {
      const a = await admitOne(
        core.settings.admit,
        m.content,
        admitContext('add', o, m.role || undefined),
        core.settings.maxTextLength,
      );
      if ('rejected' in a) skipped.push({ text: m.content, reason: rejectedReason(a.rejected) });
      else {
        redacted ||= a.text !== m.content;
        kept.push({ ...m, content: a.text });
      }
    }
    // A given vector is of the text as given: a redacted text is embedded anew.
    const vectors =
      o.vector && !redacted && kept.length === 1
        ? [o.vector]
        : await core.embed(kept.map((m) => m.content));
    ops = kept.map((m, i) => ({
      kind: 'ADD',
      text: m.content,
      vector: vectors[i]!,
      ...(m.role ? { role: m.role } : {}),
      ...(m.name !== undefined ? { name: m.name } : {}),
      ...(m.createdAt !== undefined ? { validFrom: m.createdAt } : {}),
    }));
  } else {
    const plan = options.llm
      ? await llmPlan(core, messages, options, o)
      : await rulePlan(core, messages, options, o);
    ({ ops, skipped } = plan);
    actor = options.llm ? 'llm' : 'consolidator';
  }
  return {
    results: await commitOps(
      core,
      ops.map((op) => ({ op, o })),
      actor,
    ),
    skipped,
  };
}

/**
 * One item of `addMany`: a text stored as it is, with the options of `add`, and, for a chat
 * message, who said it (as `add`'s messages give it: `role`, `name`), which the memory keeps.
 */
export interface AddManyItem extends AddOptions {
  /** The text to store. */
  text: string;
  /** Chat role of its author (`'user'`, `'assistant'`, …). */
  role?: string;
  /** The speaker's name. */
  name?: string;
}

/** Items per chunk (one commit each) when every vector is given. */
const CHUNK = 500;
/**
 * Items per chunk when the model embeds some: about a second of USE-lite's time on a quiet
 * core, so progress comes often and the model has the next chunk in hand while one is written.
 * Internal (not in the public API); exported for the crash tests, which count on it.
 */
export const EMBED_CHUNK = 128;

/**
 * `addMany`: every item stored as it is, embedded in batches, written in transactions of up
 * to 500 (128 when the model embeds them); links only for items with `link: true`. The model
 * embeds chunk i + 1 while chunk i is written (and, when it embeds overlapping calls side by
 * side, `Embedder.concurrent`, while chunk i is still embedded); chunks are written in order,
 * one at a time, and progress is reported as each one is stored.
 */
export async function addBatch(
  core: EngineCore,
  items: AddManyItem[],
  options: { onProgress?: (p: { done: number; total: number }) => void; signal?: AbortSignal },
): Promise<AddResult> {
  const checked = items.map((it, i) => {
    checkOptionNames(it, ADD_MANY_ITEM, `addMany items[${i}]`);
    const o = checkOptions(core, { infer: false, ...(it ?? {}) }, false);
    if (o.infer) throw new EngramError('InvalidArgument', 'addMany never consolidates: use add()');
    for (const k of ['role', 'name'] as const)
      if (it[k] !== undefined && (typeof it[k] !== 'string' || it[k].length === 0))
        throw new EngramError(
          'InvalidArgument',
          `addMany items[${i}].${k} must be a non-empty string`,
        );
    const who = {
      ...(it.role !== undefined ? { role: it.role } : {}),
      ...(it.name !== undefined ? { name: it.name } : {}),
    };
    return { text: checkText(it?.text, core.settings.maxTextLength), o, who };
  });
  const results: AddResult['results'] = [];
  const skipped: SkippedInput[] = [];
  const size = checked.some((c) => !c.o.vector) ? EMBED_CHUNK : CHUNK;
  // Stops a chunk's embedding started ahead when the add ends early (an error, an abort).
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  /** Admits the items of the chunk at `from` and starts embedding those that have no vector. */
  const prepare = async (from: number) => {
    const chunk: typeof checked = [];
    for (const c of checked.slice(from, from + size)) {
      const a = await admitOne(
        core.settings.admit,
        c.text,
        admitContext('addMany', c.o),
        core.settings.maxTextLength,
      );
      if ('rejected' in a) skipped.push({ text: c.text, reason: rejectedReason(a.rejected) });
      else if (a.text === c.text) chunk.push(c);
      else chunk.push({ ...c, text: a.text, o: { ...c.o, vector: undefined } }); // embedded anew
    }
    const texts = chunk.filter((c) => !c.o.vector).map((c) => c.text);
    const embedding = core.embed(texts, signal);
    embedding.catch(() => undefined); // awaited where used; one started ahead may go unused
    return { chunk, embedding };
  };
  // The write in flight (never rejects: its error is kept in `failed`).
  let writing: Promise<void> = Promise.resolve();
  let failed: { error: unknown } | undefined;
  // The next chunk, admitted and its embedding started: while this one's is made (by a model
  // that embeds overlapping calls side by side, `Embedder.concurrent`) or written.
  let ahead: ReturnType<typeof prepare> | undefined;
  try {
    for (let i = 0; i < checked.length; i += size) {
      const next = ahead ?? prepare(i);
      ahead = undefined;
      const { chunk, embedding } = await next;
      if (core.embedder.concurrent && i + size < checked.length) {
        ahead = prepare(i + size);
        ahead.catch(() => undefined); // its error is thrown when it is used, not before
      }
      const embedded = await embedding;
      let k = 0;
      // One commit per chunk; items differ in scope and metadata, so each is its own op.
      const ops = chunk.map((c) => ({
        op: {
          kind: 'ADD' as const,
          text: c.text,
          vector: c.o.vector ?? embedded[k++]!,
          ...c.who,
          ...(c.o.eventTime !== undefined ? { validFrom: c.o.eventTime } : {}),
        },
        o: c.o,
      }));
      await writing;
      if (failed) break;
      const done = Math.min(i + size, checked.length);
      writing = commitOps(core, ops, 'api')
        .then((stored) => {
          results.push(...stored);
          options.onProgress?.({ done, total: checked.length });
        })
        .catch((error: unknown) => {
          failed ??= { error };
        });
    }
  } finally {
    await writing; // nothing returns or throws while a write is in flight
    if (ahead) {
      // Ended early: the chunk started ahead is stopped, and waited for, its vectors unused.
      stop.abort();
      await ahead.then(({ embedding }) => embedding).catch(() => undefined);
    }
  }
  if (failed) throw failed.error;
  return { results, skipped };
}
