// Warming the search path in idle time. The first ≈ 100 default searches after a store is opened
// or filled run code V8 has not compiled yet: each new kind of question (a date, "how many days
// between", an order, a summary) reaches stages and parsers for the first time, and on two
// cores the optimising compilers' threads take the core the search runs on (bench/RESULTS.md,
// "Nineteenth pass": 300–400 ms of background compilation over the first 100 searches at 10k, ≈ 50
// over the next 100). So once the store is large enough for a cold search to show, the engine
// runs its own searches — built-in questions of each kind and a few of the store's own texts,
// `reinforce: false` — while nothing else is asked of it, and the user's first questions meet
// compiled code. A warm-up search reads like any search and writes nothing; a call to the
// engine stops the warm-up between two of its searches and it resumes after the next pause.

import { backgroundTimer } from '../util/tasks';

/** Questions of the kinds the default pipeline treats apart (time windows, spans, order, …). */
export const WARM_UP_QUESTIONS: readonly string[] = [
  'How many days passed between when I started the project and when I sent the first draft?',
  'How many weeks were there between my first interview and the offer?',
  'What is the order in which I brought up the database, the login page and the deployment?',
  'Can you summarize how my plans have changed over the past few months?',
  'What did I say last Tuesday about the budget?',
  'When did I first mention moving to a new apartment?',
  'What is my current job title?',
  'Which restaurant did I recommend to my sister?',
  'Did I ever talk about learning to play the piano?',
  'How many times did I mention my dog?',
  'What happened on 12 March 2024?',
  'What was I working on two weeks ago?',
  "I'm planning a trip to Japan next spring. What should I pack, and which apps would you suggest?",
  'What changed in my schedule after I moved?',
  'Who did I meet at the conference in Berlin?',
  'Which version of the library did I decide to use in the end?',
];

/** Warm-up searches in all: about what V8 takes to compile the search path (RESULTS). */
export const WARM_UP_SEARCHES = 100;

/** Fewest active memories for a warm-up: below, a cold search is short enough not to show. */
export const WARM_UP_MIN_MEMORIES = 1000;

/** Quiet time before the warm-up starts or resumes, ms: it never runs beside a burst of calls. */
export const WARM_UP_IDLE_MS = 500;

/** Longest store text a warm-up search asks, in characters. */
export const WARM_UP_TEXT_CHARS = 300;

/**
 * The ids of up to `count` active memories spread evenly over `records` (in their order): their
 * texts make queries of the store's own words, whatever its language. Ids, not texts: the
 * warm-up reads each text when it searches for it, so a memory erased or changed meanwhile is
 * not asked about (no copy of an erased text outlives its erasure).
 * @param ids - the memories (every state), in order
 * @param askable - whether a memory is active with a text that is not blank
 * @param count - most ids
 */
export function sampleIds(
  ids: Iterable<string>,
  askable: (id: string) => boolean,
  count: number,
): string[] {
  const active: string[] = [];
  for (const id of ids) if (askable(id)) active.push(id);
  const n = Math.min(count, active.length);
  const step = active.length / n;
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(active[Math.floor(i * step)]!);
  return out;
}

/**
 * Runs `search(0)`, `search(1)`, … up to `total − 1`, each in a task of its own, once it is
 * wanted ({@link want}) and the engine has had `idleMs` with no call in flight; a call
 * ({@link callStarted}) stops it between two searches, and it resumes where it stopped once
 * the calls have ended ({@link callEnded}) and `idleMs` more have passed. Done once per open
 * engine: what it warms is compiled code, which stays.
 */
export class SearchWarmUp {
  private next = 0;
  private wanted = false;
  /** Calls in flight (searches, writes): the warm-up waits until there are none. */
  private busy = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private job: Promise<void> | undefined;
  private closed = false;
  private hasEnded = false;

  /**
   * @param search - the i-th warm-up search (it must write nothing)
   * @param total - searches in all
   * @param idleMs - quiet time before it starts or resumes
   * @param yieldTask - resolves in a later task (between two searches)
   * @param log - the engine's log
   * @param ended - called once when it will run no more searches: all run, given up on an
   *   error, or closed (what the searches kept, the caller drops here)
   */
  constructor(
    private readonly search: (i: number) => Promise<void>,
    private readonly total: number,
    private readonly idleMs: number,
    private readonly yieldTask: () => Promise<void>,
    private readonly log: (line: string) => void,
    private readonly ended: () => void = () => {},
  ) {}

  /** Whether it is wanted and searches are still to run (waiting for a pause, or running). */
  get pending(): boolean {
    return this.wanted && !this.closed && this.next < this.total;
  }

  /** The store is large enough: run once the engine is idle (again and again: a no-op once done). */
  want(): void {
    this.wanted = true;
    this.armIfIdle();
  }

  /** A call starts: a running warm-up stops after its search in flight, a waiting one waits. */
  callStarted(): void {
    this.busy++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A call has ended: with none left in flight, the wait for a pause starts again. */
  callEnded(): void {
    this.busy = Math.max(0, this.busy - 1);
    this.armIfIdle();
  }

  /** Stops for good and waits for the search in flight. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.job;
    this.end();
  }

  private end(): void {
    if (this.hasEnded) return;
    this.hasEnded = true;
    this.ended();
  }

  private armIfIdle(): void {
    if (!this.pending || this.busy > 0 || this.job) return;
    clearTimeout(this.timer);
    this.timer = backgroundTimer(() => {
      this.timer = undefined;
      if (this.busy === 0 && !this.job) this.job = this.run();
    }, this.idleMs);
  }

  private async run(): Promise<void> {
    const t0 = performance.now();
    const from = this.next;
    try {
      while (this.pending && this.busy === 0) {
        await this.yieldTask();
        if (!this.pending || this.busy > 0) break;
        await this.search(this.next);
        this.next++;
      }
    } catch (e) {
      // A warm-up is never worth an error: log it and give up (the searches stay correct, only cold).
      this.log(`engram: search warm-up stopped: ${String(e)}`);
      this.next = this.total;
      this.end();
      return;
    } finally {
      this.job = undefined;
    }
    const ms = Math.round(performance.now() - t0);
    if (this.next >= this.total && !this.closed) {
      this.log(`engram: search path warmed (${this.next - from} searches in ${ms} ms)`);
      this.end();
    } else this.armIfIdle(); // stopped by a call: resumes after the next pause
  }
}
