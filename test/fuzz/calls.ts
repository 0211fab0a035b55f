// Every public method of the engine, each with arbitraries of hostile arguments.
import fc, { type Arbitrary } from 'fast-check';
import {
  hostileBool,
  hostileCount,
  hostileFilter,
  hostileId,
  hostileMetadata,
  hostileNumber,
  hostileOptions,
  hostileScopeValue,
  hostileText,
  hostileTime,
  hostileVector,
  IdRef,
  junk,
} from './hostile';

/** How the runner damages an export before importing it. */
export type ExportDamage =
  'none' | 'flip' | 'dropLine' | 'dupLine' | 'truncate' | 'swapLines' | 'junkLine' | 'header';

/** Stands for the export taken after seeding, damaged as told (resolved by the runner). */
export class ExportRef {
  constructor(
    readonly damage: ExportDamage,
    readonly at: number,
    readonly asLines: boolean,
  ) {}
}

/** One call of a public method. */
export interface Call {
  method: string;
  args: unknown[];
}

/** What the fuzz calls: the engine's public API (`Engine` in Node, `Engram` through its Worker). */
export interface FuzzTarget {
  add(input: unknown, options?: unknown): Promise<unknown>;
  addMany(items: unknown, onProgress?: unknown): Promise<unknown>;
  search(query: unknown, options?: unknown): Promise<unknown>;
  get(id: unknown): Promise<unknown>;
  getAll(options?: unknown): Promise<{ results: { id: string }[] }>;
  update(id: unknown, text: unknown, options?: unknown): Promise<unknown>;
  delete(id: unknown): Promise<unknown>;
  deleteAll(scope: unknown): Promise<unknown>;
  history(id: unknown): Promise<unknown>;
  verifyLog(): Promise<{ ok: boolean }>;
  reinforce(id: unknown): Promise<unknown>;
  forget(options: unknown): Promise<unknown>;
  restore(id: unknown): Promise<unknown>;
  related(id: unknown, options?: unknown): Promise<unknown>;
  links(ids: unknown): Promise<unknown>;
  erase(target: unknown): Promise<unknown>;
  rebuild(): Promise<unknown>;
  /** The export, read to the end, as one JSONL text. */
  exportText(options?: unknown): Promise<string>;
  import(source: unknown, options?: unknown): Promise<unknown>;
  embed(texts: unknown): Promise<unknown>;
  info(): Promise<unknown>;
  dump(): Promise<Record<string, unknown[]>>;
  compact(options?: unknown): Promise<unknown>;
  merge(options?: unknown): Promise<unknown>;
  unmerge(id: unknown): Promise<unknown>;
  reset(): Promise<unknown>;
  /** Cross-check of every derived store against the log and the hash chain. */
  verify(): Promise<{ ok: boolean }>;
}

/** The methods every target forwards unchanged to the engine or `Engram` it wraps. */
const FORWARDED = [
  'add',
  'search',
  'get',
  'getAll',
  'update',
  'delete',
  'deleteAll',
  'history',
  'verifyLog',
  'verify',
  'reinforce',
  'forget',
  'restore',
  'related',
  'links',
  'erase',
  'rebuild',
  'import',
  'embed',
  'info',
  'dump',
  'compact',
  'merge',
  'unmerge',
  'reset',
] as const satisfies readonly (keyof FuzzTarget)[];

/**
 * A {@link FuzzTarget} that forwards every call to `api` as it is, but for the two whose
 * shapes differ between the in-page `Engine` and `Engram` (progress callbacks, export streams).
 */
export function forwardingTarget(
  api: object,
  own: Pick<FuzzTarget, 'addMany' | 'exportText'>,
): FuzzTarget {
  const methods = api as Record<string, (...a: unknown[]) => unknown>;
  const target: Record<string, unknown> = { ...own };
  for (const k of FORWARDED)
    target[k] = (...a: unknown[]) => Promise.resolve(methods[k]!.apply(api, a));
  return target as unknown as FuzzTarget;
}

/** Settings the arbitraries depend on. */
export interface CallSettings {
  dim: number;
  maxTextLength: number;
  /** Add functions and symbols to the junk (they cannot cross a Worker). */
  uncloneable: boolean;
  /** The target runs the engine in a Worker (llm hooks are left out there). */
  inWorker?: boolean;
}

const scopeKeys = () => ({
  userId: hostileScopeValue(),
  agentId: hostileScopeValue(),
  runId: hostileScopeValue(),
});

function retrieval(): Arbitrary<unknown> {
  const n = hostileNumber;
  const c = hostileCount;
  const stage = (keys: Record<string, Arbitrary<unknown>>) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.record(keys, { requiredKeys: [] }) },
      fc.constant(false),
      junk(),
    );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(undefined, false) },
    {
      weight: 4,
      arbitrary: fc.record(
        {
          lexical: stage({
            weight: n(),
            speaker: n(),
            speakerLate: n(),
            feedbackTerms: c(),
            feedbackDocs: c(),
            feedbackWeight: n(),
            nameWeight: n(),
          }),
          dense: stage({ weight: n() }),
          episode: stage({ weight: n(), additive: n() }),
          time: stage({ window: n(), mention: n(), halfLifeDays: n() }),
          context: stage({ radius: c(), weight: n(), backward: n(), decay: n(), seeds: c() }),
          links: stage({
            weight: n(),
            seeds: c(),
            shared: c(),
            stored: hostileBool(),
            damping: n(),
            iterations: c(),
          }),
          rerank: stage({
            lambda: n(),
            pool: c(),
            episodePenalty: n(),
            features: fc.oneof(
              fc.record({ recency: n(), retention: n(), trust: n() }, { requiredKeys: [] }),
              junk(),
            ),
          }),
          entities: stage({ pool: c(), keepOverall: hostileBool() }),
          // Never a loadable model: the fuzz must not fetch one.
          crossEncoder: fc.constantFrom(false, undefined, 'x', { model: '' }, { model: 5 }),
          bogusStage: fc.constant({}),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: junk() },
  );
}

/** Arbitraries of calls, by method name. */
export function callArbitraries(s: CallSettings): Record<string, Arbitrary<unknown[]>> {
  const text = () => hostileText(s.maxTextLength);
  const vector = () => hostileVector(s.dim);
  const j = () => junk({ cloneable: !s.uncloneable });
  const opts = (keys: Record<string, Arbitrary<unknown>>) =>
    hostileOptions(keys, { cloneable: !s.uncloneable });
  // An llm hook function: resolves with a value or throws one (only in Node or the page: the
  // fuzz's Worker run sends options through postMessage, where the facade proxies hooks).
  const hook = (out: Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 3, arbitrary: out.map((v) => async () => v) },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.constant(new Error('model down')), j()).map((v) => async () => {
          throw v;
        }),
      },
    );
  const llmText = fc.oneof(text(), fc.constant('w'.repeat(s.maxTextLength + 1)));
  const llm = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record(
        {
          extractFacts: hook(
            fc.oneof(
              fc.array(llmText, { maxLength: 3 }).map((facts) => ({ facts })),
              j(),
            ),
          ),
          decide: hook(
            fc.oneof(
              fc
                .array(
                  fc.record({
                    event: fc.oneof(fc.constantFrom('ADD', 'UPDATE', 'DELETE', 'NONE'), j()),
                    id: fc.oneof(fc.constantFrom('0', '1', '7'), j()),
                    text: llmText,
                  }),
                  { maxLength: 3 },
                )
                .map((memory) => ({ memory })),
              j(),
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: j() },
  );
  const message = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record(
        {
          role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', '', 'tool'), j()),
          content: text(),
          createdAt: hostileTime(),
        },
        { requiredKeys: ['role', 'content'] },
      ),
    },
    { weight: 1, arbitrary: j() },
  );
  const addInput = fc.oneof(
    { weight: 4, arbitrary: text() },
    { weight: 2, arbitrary: fc.array(message, { maxLength: 4 }) },
  );
  const addKeys = {
    ...scopeKeys(),
    metadata: hostileMetadata(),
    vector: vector(),
    infer: hostileBool(),
    eventTime: hostileTime(),
    link: hostileBool(),
    roles: fc.oneof(fc.constant(['user', 'assistant']), fc.array(j(), { maxLength: 2 })),
    ...(s.uncloneable && !s.inWorker ? { llm } : {}),
    consolidation: fc.oneof(
      fc.record(
        {
          duplicateThreshold: hostileNumber(),
          updateThreshold: hostileNumber(),
          deleteThreshold: hostileNumber(),
          minSharedPrefix: hostileCount(),
          candidates: hostileCount(),
        },
        { requiredKeys: [] },
      ),
      j(),
    ),
  };
  const item = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ text: text(), ...addKeys }, { requiredKeys: ['text'] }),
    },
    { weight: 1, arbitrary: j() },
  );
  const searchKeys = {
    ...scopeKeys(),
    filters: hostileFilter(),
    limit: hostileCount(),
    vector: vector(),
    asOf: hostileTime(),
    recordedAsOf: hostileTime(),
    includeSuperseded: hostileBool(),
    retentionWeight: hostileNumber(),
    reinforce: hostileBool(),
    retrieval: retrieval(),
    ...(s.uncloneable && !s.inWorker
      ? {
          llm: fc.oneof(
            fc.record({
              rewriteQuery: hook(fc.oneof(llmText, fc.array(llmText, { maxLength: 3 }), j())),
            }),
            j(),
          ),
        }
      : {}),
  };
  const scope = opts(scopeKeys());
  const importSource = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(
          fc.constantFrom<import('./calls').ExportDamage>(
            'none',
            'flip',
            'dropLine',
            'dupLine',
            'truncate',
            'swapLines',
            'junkLine',
            'header',
          ),
          fc.nat(),
          fc.boolean(),
        )
        .map(([d, at, lines]) => new ExportRef(d, at, lines)),
    },
    { weight: 1, arbitrary: fc.constantFrom('', '\n\n', '{}', 'not json', '[1,2]', ['{}', 5]) },
    { weight: 1, arbitrary: j() },
  );
  return {
    add: fc.tuple(addInput, opts(addKeys)),
    addMany: fc.tuple(
      fc.oneof(
        { weight: 5, arbitrary: fc.array(item, { maxLength: 5 }) },
        { weight: 1, arbitrary: j() },
      ),
    ),
    search: fc.tuple(text(), opts(searchKeys)),
    get: fc.tuple(hostileId()),
    getAll: fc.tuple(opts({ ...scopeKeys(), filters: hostileFilter(), limit: hostileCount() })),
    update: fc.tuple(
      hostileId(),
      text(),
      opts({ metadata: hostileMetadata(), eventTime: hostileTime() }),
    ),
    delete: fc.tuple(hostileId()),
    deleteAll: fc.tuple(scope),
    history: fc.tuple(hostileId()),
    verifyLog: fc.constant([]),
    verify: fc.constant([]),
    reinforce: fc.tuple(hostileId()),
    forget: fc.tuple(opts({ belowRetention: hostileNumber(), ...scopeKeys() })),
    restore: fc.tuple(hostileId()),
    related: fc.tuple(hostileId(), opts({ depth: hostileCount(), limit: hostileCount() })),
    links: fc.tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.array(hostileId(), { maxLength: 4 }) },
        { weight: 1, arbitrary: j() },
      ),
    ),
    erase: fc.tuple(fc.oneof(hostileId(), scope)),
    rebuild: fc.constant([]),
    exportText: fc.tuple(opts({ vectors: hostileBool() })),
    import: fc.tuple(
      importSource,
      opts({
        mode: fc.oneof(fc.constantFrom('empty', 'merge', 'merge', 'replace'), j()),
        onProgress: fc.oneof(fc.constant(undefined), j()),
      }),
    ),
    embed: fc.tuple(
      fc.oneof(
        { weight: 3, arbitrary: fc.array(text(), { maxLength: 4 }) },
        { weight: 1, arbitrary: j() },
      ),
    ),
    info: fc.constant([]),
    dump: fc.constant([]),
    compact: fc.tuple(
      opts({ maxBytes: hostileCount(), mergeThreshold: hostileNumber(), ...scopeKeys() }),
    ),
    merge: fc.tuple(opts({ threshold: hostileNumber(), dryRun: hostileBool(), ...scopeKeys() })),
    unmerge: fc.tuple(hostileId()),
    reset: fc.constant([]),
  };
}

/** Weights of the methods in a run: writes and reads with many options come up most. */
export const METHOD_WEIGHTS: Record<string, number> = {
  add: 8,
  addMany: 4,
  search: 8,
  get: 2,
  getAll: 3,
  update: 5,
  delete: 2,
  deleteAll: 2,
  history: 2,
  verifyLog: 1,
  verify: 1,
  reinforce: 2,
  forget: 2,
  restore: 2,
  related: 2,
  links: 2,
  erase: 2,
  rebuild: 1,
  exportText: 1,
  import: 3,
  embed: 2,
  info: 1,
  dump: 1,
  compact: 2,
  merge: 2,
  unmerge: 2,
  reset: 1,
};

/** One call: a method (by weight) and its hostile arguments. */
export function callArbitrary(s: CallSettings, only?: readonly string[]): Arbitrary<Call> {
  const byMethod = callArbitraries(s);
  const names = Object.keys(byMethod).filter((m) => !only || only.includes(m));
  return fc.oneof(
    ...names.map((method) => ({
      weight: METHOD_WEIGHTS[method] ?? 1,
      arbitrary: byMethod[method]!.map((args): Call => ({ method, args })),
    })),
  );
}

export { IdRef };
