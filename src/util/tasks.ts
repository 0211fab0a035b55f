// Giving the thread back: long work (k-means, an idle checkpoint, a batch of recall writes) runs
// in pieces, each in a task of its own, so that what is queued meanwhile (a search's message, an
// IndexedDB event) runs between two pieces instead of after all of them.

/**
 * Resolves in a task of its own, after what is already queued.
 *
 * Not `setTimeout(0)`: browsers clamp a chain of more than five nested timers to 4 ms each
 * (and throttle them in a hidden tab), so thousands of slices would add seconds; measured in
 * headless Chromium by `bench/yield-page.ts`. A message on a fresh channel is not clamped; Node
 * has `setImmediate`. Either keeps a Node process alive until it resolves.
 * @example
 * for (const slice of slices) { write(slice); await nextTask(); }
 */
export function nextTask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(0);
  });
}

/** How {@link runInSlices} paces a generator. */
export interface SlicePace {
  /**
   * Time a slice may run before the next task (ms): steps run until it has passed. 0: one
   * step per task. Default 8.
   */
  sliceMs?: number;
  /** Runs at the start of every slice but the first (it may throw to stop the work). */
  between?: () => void;
}

/**
 * Runs a generator to its end in slices, each in a task of its own ({@link nextTask}): work
 * queued meanwhile (searches, writes) waits at most one slice. It yields first, so the caller's
 * own task ends before any of the work runs.
 * @param steps - the work: it yields wherever it may be paused and returns its result
 * @param pace - time per slice and a check between two
 * @returns what the generator returns
 * @example
 * const centroids = await runInSlices(kMeansSteps(points, dim, { lists }));
 */
export async function runInSlices<T>(steps: Generator<void, T>, pace: SlicePace = {}): Promise<T> {
  const sliceMs = pace.sliceMs ?? 8;
  for (let first = true; ; first = false) {
    await nextTask();
    if (!first) pace.between?.();
    const t0 = performance.now();
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      if (performance.now() - t0 >= sliceMs) break;
    }
  }
}

/**
 * `setTimeout` for background work (a recall flush, an idle checkpoint, a warm-up): in Node the
 * pending timer does not keep the process alive (tests, scripts); in a browser it is a plain
 * timer.
 * @param fn - runs when the timer fires
 * @param ms - delay
 */
export function backgroundTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
  return t;
}

/**
 * Runs a generator to its end at once, in the caller's task (the pieces of work that
 * {@link runInSlices} would spread over tasks, when no pause is wanted).
 * @param steps - the work
 * @returns what the generator returns
 */
export function runAll<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
