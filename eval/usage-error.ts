// How the eval CLIs report a bad command line: its message alone, exit status 2.

/** A bad command line: the CLIs print its message alone and exit with status 2. */
export class UsageError extends Error {}

/** Prints a bad command line's message (exit 2) or any other failure with its stack (exit 1). */
export function exitOnError(e: unknown): never {
  console.error(e instanceof UsageError ? e.message : e);
  process.exit(e instanceof UsageError ? 2 : 1);
}
