// The fuzz property: sequences of hostile calls against a fresh, seeded store. Only EngramErrors
// with a documented code escape, within a time limit; a call that throws leaves the raw store
// exactly as it was; afterwards the log verifies, `verify()` (where present) is clean, every
// memory reads back, and a reopened store holds the same memories.
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/errors';
import { callArbitrary, ExportRef, type Call, type CallSettings, type FuzzTarget } from './calls';
import { IdRef } from './hostile';

/** Error codes a call may answer bad input with (the others mean something broke inside). */
export const INPUT_CODES = new Set<string>([
  'DimensionMismatch',
  'InvalidVector',
  'EmptyText',
  'TextTooLarge',
  'InvalidArgument',
  'NotFound',
  'NotEmpty',
  'InvalidImport',
  'EmbedderMismatch',
  'LlmFailed',
]);

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  seed: number;
  /** Sequences (each on a fresh store). */
  runs: number;
  /** Calls per sequence, at most. */
  callsPerRun: number;
  /** One call may take this long before it counts as a hang (ms). */
  callTimeoutMs: number;
  settings: CallSettings;
  /** Opens a store of that name (fresh when the name is new). */
  open(name: string): Promise<FuzzTarget>;
  close(t: FuzzTarget): Promise<void>;
  /** Deletes the store's database (after a run). */
  drop(name: string): Promise<void>;
  /** Stop at the first failure without shrinking it (where each rerun is slow). */
  noShrink?: boolean;
  /** Only these methods (default all). */
  only?: readonly string[];
  /** A faster raw dump of the store of that name (default: the target's own `dump()`). */
  rawDump?(name: string): Promise<Record<string, unknown[]>>;
}

/** Methods that never write when they succeed (their success keeps the last fingerprint). */
const READ_ONLY = new Set([
  'get',
  'getAll',
  'history',
  'verifyLog',
  'verify',
  'related',
  'links',
  'exportText',
  'embed',
  'info',
  'dump',
]);

/** What a fuzz run did: calls per method, how each ended, and the failure (if any). */
export interface FuzzReport {
  seed: number;
  runs: number;
  calls: number;
  perMethod: Record<string, { calls: number; ok: number; rejected: number; ms: number }>;
  codes: Record<string, number>;
  ms: number;
  failure?: string;
}

/** A stable text of a raw dump: binary data as a hash of its bytes, keys in order. */
export function fingerprint(dump: Record<string, unknown[]>): string {
  const bytes = (u: Uint8Array) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i]!, 0x01000193);
    return `bin:${u.length}:${(h >>> 0).toString(16)}`;
  };
  return JSON.stringify(dump, (_k, v: unknown) => {
    if (v instanceof ArrayBuffer) return bytes(new Uint8Array(v));
    if (ArrayBuffer.isView(v)) return bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    if (typeof v === 'number' && !Number.isFinite(v)) return `num:${v}`;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

class Hang extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Hang(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Short, safe description of a value for failure messages. */
export function describe(v: unknown): string {
  try {
    const s = fc.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s;
  } catch {
    return String(typeof v);
  }
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim());
}

/** The seeded export, damaged as a call asks. */
function damaged(exported: string, ref: ExportRef): unknown {
  const ls = lines(exported);
  const i = ref.at % ls.length;
  switch (ref.damage) {
    case 'none':
      break;
    case 'flip': {
      const l = ls[i]!;
      const p = ref.at % l.length;
      const c = l.charCodeAt(p);
      ls[i] = l.slice(0, p) + String.fromCharCode(c === 0x30 ? 0x31 : c ^ 1) + l.slice(p + 1);
      break;
    }
    case 'dropLine':
      ls.splice(i, 1);
      break;
    case 'dupLine':
      ls.splice(i, 0, ls[i]!);
      break;
    case 'truncate':
      ls[i] = ls[i]!.slice(0, Math.floor(ls[i]!.length / 2));
      break;
    case 'swapLines':
      if (ls.length > 1) {
        const k = (i + 1) % ls.length;
        [ls[i], ls[k]] = [ls[k]!, ls[i]!];
      }
      break;
    case 'junkLine':
      ls.splice(i, 0, JSON.stringify({ kind: 'memory', record: { id: '__proto__', text: 5 } }));
      break;
    case 'header':
      ls[0] = ls[0]!.replace('"version":1', '"version":99');
      break;
  }
  return ref.asLines ? ls : `${ls.join('\n')}\n`;
}

/** Replaces id and export references by real values. */
function resolve(args: unknown[], ids: string[], exported: string): unknown[] {
  const one = (v: unknown, depth: number): unknown => {
    if (v instanceof IdRef) return ids.length ? ids[v.k % ids.length] : 'no-memory-yet';
    if (v instanceof ExportRef) return damaged(exported, v);
    if (Array.isArray(v) && depth < 2) return v.map((x) => one(x, depth + 1));
    return v;
  };
  return args.map((a) => one(a, 0));
}

/** Marks every `metadata` object in a result, to see whether the engine handed out its own. */
const POISON = '__fuzz_changed_by_caller';
function poison(result: unknown): void {
  const stack: [unknown, number][] = [[result, 0]];
  const seen = new Set<object>();
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null || seen.has(v) || depth > 4 || ArrayBuffer.isView(v))
      continue;
    seen.add(v);
    const o = v as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && !Object.isFrozen(o.metadata))
      (o.metadata as Record<string, unknown>)[POISON] = true;
    for (const x of Array.isArray(v) ? v : Object.values(o)) stack.push([x, depth + 1]);
  }
}

/** What a memory looks like for comparisons. */
function shape(m: unknown): string {
  const r = m as { id: string; memory: string; metadata: unknown; version: number; state: string };
  return JSON.stringify([r.id, r.memory, r.version, r.state, r.metadata]);
}

/** Puts a varied history into a fresh store; returns its export. */
async function seed(t: FuzzTarget): Promise<string> {
  await t.add('I live in Berlin', { userId: 'ada', metadata: { topic: 'home', n: 1 } });
  await t.add('The meeting is at 3pm', { userId: 'ada', metadata: { n: 2 } });
  const many = (await t.addMany([
    {
      text: 'note about the garden',
      userId: 'bob',
      metadata: { topic: 'garden', when: '2021-06-01' },
    },
    { text: 'Bob sails on Sundays', userId: 'bob', agentId: 'x', link: true },
  ])) as { results: { id: string }[] };
  await t.update(many.results[0]!.id, 'note about the garden roses', {
    metadata: { topic: 'garden' },
  });
  return t.exportText();
}

/** Fails unless `e` is an EngramError with a documented code fit for bad input. */
function checkError(e: unknown, call: Call): string {
  if (e instanceof Hang) throw new Error(`${call.method} hung: ${e.message}`);
  const code = (e as { code?: unknown } | null)?.code;
  const name = (e as { name?: unknown } | null)?.name;
  if (name !== 'EngramError' || typeof code !== 'string' || !(code in ERROR_CODES))
    throw new Error(
      `${call.method} let a non-Engram error escape: ${String(name)}: ${String((e as Error)?.message ?? e)}\n` +
        String((e as Error)?.stack ?? '')
          .split('\n')
          .slice(1, 9)
          .join('\n'),
    );
  if (!INPUT_CODES.has(code))
    throw new Error(
      `${call.method} answered bad input with ${code}: ${String((e as Error).message)}`,
    );
  if (typeof (e as Error).message !== 'string' || !(e as Error).message)
    throw new Error(`${call.method}: ${code} without a message`);
  return code;
}

/** The store is consistent: the log verifies, verify() is clean, every memory reads back. */
async function checkConsistent(t: FuzzTarget, where: string): Promise<string[]> {
  const log = await t.verifyLog();
  if (!log.ok) throw new Error(`${where}: verifyLog failed: ${describe(log)}`);
  const v = await t.verify();
  if (!v.ok) throw new Error(`${where}: verify() found mismatches: ${describe(v)}`);
  const all = (await t.getAll()).results;
  for (const m of all) {
    const got = await t.get(m.id);
    if (shape(got) !== shape(m)) throw new Error(`${where}: get(${m.id}) differs from getAll`);
  }
  return all.map(shape);
}

/**
 * Runs the property: `runs` sequences of up to `callsPerRun` hostile calls, each on a fresh
 * seeded store. Returns what it did; `failure` holds fast-check's report when a run failed.
 */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { seed: o.seed, runs: 0, calls: 0, perMethod: {}, codes: {}, ms: 0 };
  const t0 = Date.now();
  let n = 0;
  const phase: Record<string, number> = {};
  const timed = async <T>(k: string, p: Promise<T>): Promise<T> => {
    const s0 = Date.now();
    try {
      return await p;
    } finally {
      phase[k] = (phase[k] ?? 0) + Date.now() - s0;
    }
  };
  (report as { phase?: Record<string, number> }).phase = phase;
  const property = fc.asyncProperty(
    fc.array(callArbitrary(o.settings, o.only), {
      minLength: 1,
      maxLength: o.callsPerRun,
      size: 'max',
    }),
    async (calls) => {
      const name = `fuzz-${o.seed}-${n++}`;
      const step = <T>(what: string, p: Promise<T>) =>
        timed(what, withTimeout(p, o.callTimeoutMs, `the harness step ${what}`));
      let t = await step('open', o.open(name));
      try {
        const exported = await step('seed', seed(t));
        report.runs++;
        const dump = () => (o.rawDump ? o.rawDump(name) : t.dump()).then(fingerprint);
        let before: string | undefined;
        let lastOk: string | undefined;
        for (const call of calls) {
          const reads = (await step('getAll', t.getAll())).results;
          if (lastOk && reads.some((m) => shape(m).includes(POISON)))
            throw new Error(
              `${lastOk} returned the engine's own objects: changing them changed getAll`,
            );
          lastOk = undefined;
          const ids = reads.map((m) => m.id);
          const args = resolve(call.args, ids, exported);
          const where = (): string => `${call.method}(${args.map(describe).join(', ')})`;
          before ??= await step('dump', dump());
          const readsBefore = reads.map(shape).join('\n');
          const stats = (report.perMethod[call.method] ??= { calls: 0, ok: 0, rejected: 0, ms: 0 });
          const started = Date.now();
          stats.calls++;
          report.calls++;
          const fn = (t as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
            call.method
          ]!;
          let threw = false;
          try {
            // A synchronous throw counts like a rejection.
            const result = await withTimeout(
              Promise.resolve().then(() => fn.apply(t, args)),
              o.callTimeoutMs,
              call.method,
            );
            stats.ok++;
            poison(result);
            lastOk = call.method;
          } catch (e) {
            threw = true;
            let code: string;
            try {
              code = checkError(e, call);
            } catch (why) {
              throw new Error(`${(why as Error).message}\n  in ${where()}`);
            }
            stats.rejected++;
            report.codes[code] = (report.codes[code] ?? 0) + 1;
          }
          stats.ms += Date.now() - started;
          if (threw) {
            const after = await step('dump', dump());
            if (after !== before) throw new Error(`a failing call changed the store: ${where()}`);
            const readsAfter = (await step('getAll', t.getAll())).results.map(shape).join('\n');
            if (readsAfter !== readsBefore)
              throw new Error(`a failing call changed what getAll reads: ${where()}`);
          } else if (!READ_ONLY.has(call.method)) before = undefined;
        }
        const held = await step('consistent', checkConsistent(t, 'after the run'));
        // Nothing lives only in memory: a reopened store reads the same.
        await step('close', o.close(t));
        before = undefined;
        t = await step('open', o.open(name));
        const reopened = await step('consistent', checkConsistent(t, 'after reopening'));
        if (reopened.join('\n') !== held.join('\n'))
          throw new Error(
            `the reopened store differs:\n  before ${held.join('\n  ')}\n  after  ${reopened.join('\n  ')}`,
          );
      } finally {
        await withTimeout(o.close(t), o.callTimeoutMs, 'close').catch(() => {});
        await withTimeout(o.drop(name), o.callTimeoutMs, 'drop').catch(() => {});
      }
    },
  );
  const result = await fc.check(property, {
    seed: o.seed,
    numRuns: o.runs,
    endOnFailure: o.noShrink ?? false,
  });
  report.ms = Date.now() - t0;
  if (result.failed) {
    // fast-check's own report would stringify the deepest hostile values; keep it short.
    const err = result.errorInstance as Error | undefined;
    const calls = (result.counterexample?.[0] ?? []) as Call[];
    report.failure =
      `${err?.message ?? 'failed'}\n  seed ${result.seed}, path ${String(result.counterexamplePath)}, ` +
      `shrunk ${result.numShrinks} times; the sequence:\n` +
      calls.map((c) => `  ${c.method}(${c.args.map(describe).join(', ')})`).join('\n');
  }
  return report;
}
