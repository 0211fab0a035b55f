// The BEAM eval's flags (eval/beam.ts), apart from the harness so that a bad command line is
// refused before the engine and the model are loaded.
import type { RetrievalOptions } from '../src/retrieval/retriever';
import { parseCommonArgs, type CommonArgs } from './args';

/** Flags of the BEAM eval. */
export interface BeamArgs extends CommonArgs {
  /** Chats to run (folder names); empty: all. */
  chat: string[];
  /** Retrieval options of every search (default: the engine's defaults). */
  retrieval: RetrievalOptions;
  /** `hash`: the hash embedder instead of USE-lite (no model; for lexical-only runs with `dense: false`). */
  embedder: 'use-lite' | 'hash';
}

/** Parses the BEAM eval's flags (the common ones, --chat N,…, --retrieval JSON). */
export function parseBeamArgs(argv: string[]): BeamArgs {
  const own = {
    chat: [] as string[],
    retrieval: {} as RetrievalOptions,
    embedder: 'use-lite' as BeamArgs['embedder'],
  };
  const common = parseCommonArgs(argv, '../shared/data/beam', (f, next) => {
    if (f === '--chat') own.chat.push(...next().split(','));
    else if (f === '--retrieval') own.retrieval = JSON.parse(next()) as RetrievalOptions;
    else if (f === '--hash') own.embedder = 'hash';
    else return false;
    return true;
  });
  return { ...common, ...own };
}
