import { transferHandlers, type TransferHandler } from 'comlink';
import { EngramError, isEngramError, type ErrorCode } from '../errors';

interface SerializedThrow {
  isError: boolean;
  value:
    | {
        name?: string;
        message: string;
        stack?: string;
        code?: ErrorCode;
        details?: Record<string, unknown>;
      }
    | unknown;
}

/**
 * Comlink's default 'throw' handler keeps only name, message and stack, so
 * an error's `code` would be lost across the Worker boundary. This handler
 * carries `code` and `details` and rebuilds an {@link EngramError}. Register
 * it on both sides (the worker entry and the page-side client do).
 */
const throwHandler: TransferHandler<{ value: unknown }, SerializedThrow> = {
  // Comlink marks thrown values with a private Symbol('Comlink.thrown'); match it by description.
  canHandle: (v: unknown): v is { value: unknown } =>
    typeof v === 'object' &&
    v !== null &&
    Object.getOwnPropertySymbols(v).some((s) => s.description === 'Comlink.thrown'),
  serialize({ value }) {
    if (value instanceof Error || isEngramError(value)) {
      const e = value as Error & { code?: ErrorCode; details?: Record<string, unknown> };
      return [
        {
          isError: true,
          value: {
            name: e.name,
            message: e.message,
            stack: e.stack,
            code: e.code,
            details: e.details,
          },
        },
        [],
      ];
    }
    return [{ isError: false, value }, []];
  },
  deserialize(s) {
    if (!s.isError) throw s.value;
    const v = s.value as {
      name?: string;
      message: string;
      stack?: string;
      code?: ErrorCode;
      details?: Record<string, unknown>;
    };
    const err = v.code
      ? new EngramError(v.code, v.message, v.details ? { details: v.details } : {})
      : Object.assign(new Error(v.message), { name: v.name ?? 'Error' });
    if (v.stack) err.stack = v.stack;
    throw err;
  },
};

/** Installs {@link throwHandler} (idempotent). */
export function installErrorTransfer(): void {
  transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>);
}
