// The admission hook: every text about to be stored passes `admit(fact, ctx)` first, which
// accepts it, rejects it (it is then listed in `skipped`, never stored) or rewrites it.
import { EngramError, shown } from '../errors';
import type { Metadata, Scope } from '../types';
import type { WriteTag } from './write-tag';

/** What a write is about to store, as shown to {@link Admit}. */
export interface AdmitContext {
  /** The call storing it. */
  operation: 'add' | 'addMany' | 'update';
  /** Where the text came from (`source` option, default `'user'`). */
  source: string;
  /** The change set of the write, if any. */
  changeSet?: string;
  userId?: string;
  agentId?: string;
  runId?: string;
  /** Metadata given with the write. */
  metadata: Metadata;
  /** The speaker, for a fact taken from a chat message. */
  role?: string;
  /** `update`: the id of the memory being changed. */
  id?: string;
}

/**
 * What {@link Admit} decides: `'accept'` stores the fact as it is; `{ reject: reason }` stores
 * nothing of it (`add` lists it in `skipped` with reason `'rejected: <reason>'`, `update`
 * throws `Rejected`); `{ redact: text }` stores `text` instead (consolidated like any fact).
 */
export type AdmitDecision = 'accept' | { reject: string } | { redact: string };

/**
 * The admission hook of `Engram.open({ admit })`: runs on every fact before consolidation
 * (each extracted fact of `add`, each message with `infer: false`, each `addMany` item, the
 * text of `update`). Through the Worker it runs in the page (a proxied call per fact).
 * Throwing, or returning anything else than an {@link AdmitDecision}, fails the call with
 * `AdmissionFailed`, and nothing is written.
 */
export type Admit = (fact: string, ctx: AdmitContext) => AdmitDecision | Promise<AdmitDecision>;

/** A checked decision. */
export type Admitted = { text: string } | { rejected: string };

/**
 * Runs the hook on one fact and checks what it returned.
 * @param maxLength - a redacted text must fit the store's text limit
 * @throws `AdmissionFailed`
 */
export async function admitOne(
  admit: Admit | undefined,
  fact: string,
  ctx: AdmitContext,
  maxLength: number,
): Promise<Admitted> {
  if (!admit) return { text: fact };
  let out: unknown;
  try {
    out = await admit(fact, ctx);
  } catch (e) {
    throw new EngramError('AdmissionFailed', `the admit hook threw: ${shown(errorText(e))}`, {
      cause: e,
    });
  }
  if (out === 'accept') return { text: fact };
  const d = out as { reject?: unknown; redact?: unknown } | null;
  if (d !== null && typeof d === 'object' && Object.keys(d).length === 1) {
    if (typeof d.reject === 'string' && d.reject.length > 0 && d.reject.length <= 500)
      return { rejected: d.reject };
    if (typeof d.redact === 'string') {
      const text = d.redact.trim();
      if (text.length > 0 && text.length <= maxLength) return { text };
      throw new EngramError(
        'AdmissionFailed',
        `the admit hook redacted to ${text.length} characters (1 … ${maxLength} allowed)`,
      );
    }
  }
  throw new EngramError(
    'AdmissionFailed',
    `the admit hook returned ${shown(out)}: 'accept', { reject: reason } or { redact: text } expected`,
  );
}

function errorText(e: unknown): unknown {
  return e instanceof Error ? e.message : e;
}

/** The context of a write with checked options (see `CheckedAdd`). */
export function admitContext(
  operation: AdmitContext['operation'],
  o: { scope: Scope; metadata: Metadata; tag: WriteTag },
  role?: string,
): AdmitContext {
  const ctx: AdmitContext = {
    operation,
    source: o.tag.source,
    ...o.scope,
    metadata: structuredClone(o.metadata),
  };
  if (o.tag.changeSet !== undefined) ctx.changeSet = o.tag.changeSet;
  if (role !== undefined) ctx.role = role;
  return ctx;
}

/** The `skipped` reason of a rejected fact. */
export function rejectedReason(reason: string): string {
  return `rejected: ${reason}`;
}
