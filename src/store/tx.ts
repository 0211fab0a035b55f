// Small helpers shared by the store's transaction code.
import { EngramError, fromStorageError } from '../errors';

/**
 * Aborts a transaction that failed part-way, so that no request already queued in it
 * commits (a synchronous throw, e.g. a quota error from `put`, would otherwise let them),
 * and silences its `done` promise.
 * @param tx - the transaction, if one was opened
 */
export function abortQuietly(tx: { done: Promise<void>; abort(): void } | undefined): void {
  tx?.done.catch(() => {});
  try {
    tx?.abort();
  } catch {
    // already finished or aborted
  }
}

/** An error as the store reports it: an `EngramError` as it is, anything else as a storage error. */
export function storeError(e: unknown): EngramError {
  return e instanceof EngramError ? e : fromStorageError(e);
}
