// batch(fn): the writes made through `tx` share one change-set id, so `rollback(id)` undoes
// them together; when `fn` throws, the writes it made are rolled back before the error is
// passed on. The same code drives the engine (Node, in-page) and `Engram` (through the Worker).
import { EngramError, isEngramError } from '../errors';
import type { AddInput, AddOptions, AddResult } from '../memory/ingest';
import type { UpdateOptions } from '../engine/options';
import type { Memory } from '../types';
import type { RollbackResult } from './rollback';
import type { WriteTagOptions } from './write-tag';

/** The writes of one change set (the argument of `batch`'s function). */
export interface ChangeSetWriter {
  /** The change set's id (give it to `rollback` or `audit`). */
  readonly changeSet: string;
  /** `add` in this change set. */
  add(input: AddInput, options?: AddOptions): Promise<AddResult>;
  /** `addMany` in this change set. */
  addMany(items: (AddOptions & { text: string })[]): Promise<AddResult>;
  /** `update` in this change set. */
  update(id: string, text: string, options?: UpdateOptions): Promise<Memory>;
  /** `delete` in this change set. */
  delete(id: string, options?: Pick<WriteTagOptions, 'source'>): Promise<{ message: string }>;
}

/** What `batch` returns. */
export interface BatchResult<T> {
  /** The change set's id. */
  changeSet: string;
  /** What the function returned. */
  result: T;
}

/** What a batch writes through: an engine or an `Engram`. */
export interface BatchTarget {
  add(input: AddInput, options?: AddOptions): Promise<AddResult>;
  addMany(items: (AddOptions & { text: string })[]): Promise<AddResult>;
  update(id: string, text: string, options?: UpdateOptions): Promise<Memory>;
  delete(id: string, options?: WriteTagOptions): Promise<{ message: string }>;
  rollback(changeSet: string): Promise<RollbackResult>;
}

/**
 * Runs `fn` with a writer whose writes carry one new change-set id.
 * @throws what `fn` threw, after its writes were rolled back; `Conflict` (its `cause` being
 *   what `fn` threw) when other writes touched them meanwhile and they stay
 */
export async function runBatch<T>(
  target: BatchTarget,
  fn: (tx: ChangeSetWriter) => Promise<T> | T,
): Promise<BatchResult<T>> {
  if (typeof fn !== 'function')
    throw new EngramError('InvalidArgument', 'batch needs a function (tx) => …');
  const changeSet = crypto.randomUUID();
  let open = true;
  const tagged = <O extends object>(options: O | undefined): O & { changeSet: string } => {
    if (!open) throw new EngramError('InvalidArgument', 'this batch is over: write through mem');
    if (options !== undefined && (typeof options !== 'object' || options === null))
      throw new EngramError('InvalidArgument', 'options must be an object');
    if (options && 'changeSet' in options)
      throw new EngramError('InvalidArgument', 'a batch sets changeSet itself');
    return { ...(options as O), changeSet };
  };
  const tx: ChangeSetWriter = {
    changeSet,
    add: async (input, options) => target.add(input, tagged(options)),
    addMany: async (items) => {
      if (!Array.isArray(items)) throw new EngramError('InvalidArgument', 'items must be an array');
      return target.addMany(items.map((i) => ({ ...tagged(i), text: i?.text })));
    },
    update: async (id, text, options) => target.update(id, text, tagged(options)),
    delete: async (id, options) => target.delete(id, tagged(options)),
  };
  try {
    return { changeSet, result: await fn(tx) };
  } catch (e) {
    open = false;
    try {
      await target.rollback(changeSet);
    } catch (r) {
      if (!isEngramError(r, 'NotFound')) {
        const why = r instanceof Error ? r.message : String(r);
        throw new EngramError('Conflict', `the batch failed and was not rolled back: ${why}`, {
          details: { changeSet, ...(isEngramError(r) ? (r.details ?? {}) : {}) },
          cause: e,
        });
      }
    }
    throw e;
  } finally {
    open = false;
  }
}
