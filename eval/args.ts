// Command-line flags shared by the eval CLIs: --data DIR, --k 5,10,25, --json, --cache DIR,
// --via add|addMany, plus each CLI's own flags.
import { UsageError } from './usage-error';
import { parseVia, type Via } from './via-add';

/** Default folder of the embedding cache: under node_modules (already ignored by git and by prettier). */
export const DEFAULT_CACHE_DIR = 'node_modules/.cache/engram-eval';

/**
 * Walks a command line: `handle(flag, next)` takes each flag (`next()` reads its value) and
 * returns false for one it does not know, a {@link UsageError}.
 */
export function readFlags(
  argv: string[],
  handle: (flag: string, next: () => string) => boolean,
): void {
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${f} needs a value`);
      return v;
    };
    if (!handle(f, next)) throw new UsageError(`unknown flag ${f}`);
  }
}

/** Flags every eval takes. */
export interface CommonArgs {
  data: string;
  ks: number[];
  json: boolean;
  cacheDir: string;
  /** How messages are stored: one memory each (`addMany`, default) or through `add()`. */
  via: Via;
}

/**
 * Parses the common flags; `extra(flag, next)` handles a CLI's own (returns false for an
 * unknown one).
 * @param argv - the arguments after the script
 * @param data - the default data folder
 */
export function parseCommonArgs(
  argv: string[],
  data: string,
  extra: (flag: string, next: () => string) => boolean = () => false,
): CommonArgs {
  const a: CommonArgs = {
    data,
    ks: [5, 10, 25],
    json: false,
    cacheDir: DEFAULT_CACHE_DIR,
    via: 'addMany',
  };
  readFlags(argv, (f, next) => {
    if (f === '--data') a.data = next();
    else if (f === '--k') a.ks = next().split(',').map(Number);
    else if (f === '--json') a.json = true;
    else if (f === '--cache') a.cacheDir = next();
    else if (f === '--via') a.via = parseVia(next());
    else return extra(f, next);
    return true;
  });
  if (a.ks.some((k) => !Number.isInteger(k) || k < 1))
    throw new UsageError('--k takes positive integers');
  return a;
}
