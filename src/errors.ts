/**
 * Every error Engram throws is an {@link EngramError} with a stable `code`
 * from {@link ERROR_CODES}. Check `err.code`, not `instanceof`: errors that
 * cross the Worker boundary are rebuilt on the page side with the same code,
 * message and details. A failing call never changes what is stored.
 */
export const ERROR_CODES = {
  DimensionMismatch: 'A vector has a different dimension than the store.',
  InvalidVector: 'A vector holds NaN or Infinity.',
  EmptyText: 'The text is empty or only whitespace.',
  TextTooLarge: 'The text is longer than the limit (option maxTextLength).',
  InvalidArgument:
    'An argument has the wrong type or value, or an options object has an unknown name.',
  NotFound: 'No memory with that id.',
  StoreClosed: 'The store was closed.',
  QuotaExceeded: 'The browser refused the write: storage quota exceeded. Nothing was written.',
  EmbedderMismatch: 'The store was made with another embedder (id or dimension).',
  SchemaTooNew: 'The store was written by a newer Engram; refusing to open it.',
  CorruptStore: 'The store holds data that cannot be read.',
  StorageError: 'IndexedDB failed the transaction. Nothing was written.',
  OutOfSync:
    'This tab could not load what other tabs wrote (catch-up and reload failed), so it refuses to read or write on stale state. Nothing was written; retry, or reopen the store.',
  ModelLoadFailed: 'The embedding model could not be loaded.',
  GpuUnavailable: 'No usable WebGPU device.',
  WasmUnavailable: 'No WebAssembly SIMD in this JS engine, or its memory cannot grow that far.',
  WorkerFailed: "The engine's Worker could not start or crashed.",
  Aborted: 'The operation was aborted.',
  LlmFailed:
    'The llm hook threw, or returned output that breaks its contract. Nothing was written.',
  Conflict:
    'Later writes changed memories of the change set (details.ids, details.seqs): it was not rolled back. Nothing was written.',
  Rejected: 'The admit hook rejected the text (details.reason). Nothing was written.',
  AdmissionFailed:
    "The admit hook threw, or returned something else than 'accept', { reject } or { redact }. Nothing was written.",
  NotEmpty: 'The store must be empty for this call (import mode "empty").',
  WrongKey:
    "The passphrase or key does not open the store's data key (or the export's, or the one on the sync server). Nothing was read or written.",
  Encrypted:
    'The store (or export) is encrypted: open it with encryption: { passphrase } or { key }. Nothing was read or written.',
  NotEncrypted:
    'The store holds unencrypted memories: encryption can only be turned on for a new, empty store (export, then import into an encrypted one), and changePassphrase needs an encrypted store.',
  KeyMismatch:
    "The sync server holds another data key than this encrypted store (the two were set up apart, each with its own key). Nothing was sent, received or changed: open a new store with the passphrase and sync to join, then import this store's export into it.",
  SyncFailed:
    'The sync server could not be reached where an answer was needed (the first sync of an encrypted store reads or publishes its key there). Nothing was written.',
  InvalidImport:
    'An import line is malformed, of an unknown format version, or fails its hash. Nothing was written.',
} as const;

/** A stable error code: the key of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error class Engram throws. */
export class EngramError extends Error {
  /** Stable, documented code; see {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Extra facts about the failure (e.g. `{ expected: 512, actual: 384 }`). */
  readonly details: Record<string, unknown> | undefined;

  /**
   * @param code - one of {@link ERROR_CODES}
   * @param message - what went wrong, for people; defaults to the code's text
   * @param options - `details` for programs, `cause` for the underlying error
   */
  constructor(
    code: ErrorCode,
    message?: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(
      message ?? ERROR_CODES[code],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'EngramError';
    this.code = code;
    this.details = options.details;
  }
}

/** True when `e` is an Engram error (optionally with the given code); works across the Worker boundary. */
export function isEngramError(e: unknown, code?: ErrorCode): e is EngramError {
  if (typeof e !== 'object' || e === null) return false;
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' && c in ERROR_CODES && (code === undefined || c === code);
}

/** Maps a DOMException from IndexedDB to an Engram error, keeping it as `cause`. */
export function fromStorageError(e: unknown): EngramError {
  if (isEngramError(e)) return e as EngramError;
  const name = (e as { name?: string } | null)?.name;
  if (name === 'QuotaExceededError')
    return new EngramError('QuotaExceeded', undefined, { cause: e });
  if (name === 'AbortError') return new EngramError('Aborted', undefined, { cause: e });
  const msg = (e as { message?: string } | null)?.message;
  return new EngramError('StorageError', `IndexedDB failed: ${msg ?? String(e)}`, { cause: e });
}

/**
 * A short text of any value for an error message. Never throws: template literals and
 * `String()` do on symbols and on objects without a usable `toString` (`Object.create(null)`).
 */
export function shown(value: unknown): string {
  try {
    if (typeof value === 'string')
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (typeof value === 'object' && value !== null)
      return Array.isArray(value)
        ? 'an array'
        : `an object (${Object.getPrototypeOf(value)?.constructor?.name ?? 'no prototype'})`;
    return String(value);
  } catch {
    return `a ${typeof value}`;
  }
}
