// Loaded in a bench page by bench/yield.mjs: how a Worker gives the thread back between two
// slices of work, by `setTimeout(0)` or by `nextTask()` (a message on a fresh channel), in
// headless Chromium. See bench/RESULTS.md ("Giving the thread back").

/** Result of one {@link measureYields} for one way of yielding. */
export interface YieldFigures {
  how: string;
  /** A chain of `n` yields and nothing else, ms in all. */
  chainMs: number;
  /** `n` slices of `sliceMs` busy work, a yield after each: ms in all. */
  workMs: number;
  /** Ping round trips from the page answered while that work ran. */
  pings: number;
  /** The longest of those round trips, ms. */
  maxPingMs: number;
}

function reply(w: Worker): Promise<unknown> {
  return new Promise((resolve) =>
    w.addEventListener('message', (e) => resolve(e.data), { once: true }),
  );
}

/**
 * For each way (`setTimeout`, `nextTask`), in a fresh Worker: `n` chained yields; then `n`
 * slices of `sliceMs` busy work while the page pings the Worker one round trip after another.
 */
export async function measureYields(
  n: number,
  sliceMs: number,
  order: string[],
): Promise<YieldFigures[]> {
  const out: YieldFigures[] = [];
  for (const how of order) {
    const w = new Worker(new URL('./yield-worker.ts', import.meta.url), { type: 'module' });
    w.postMessage({ cmd: 'chain', how, n: 20, sliceMs: 0 }); // warm up
    await reply(w);
    w.postMessage({ cmd: 'chain', how, n, sliceMs: 0 });
    const chainMs = ((await reply(w)) as { ms: number }).ms;
    let done: { ms: number } | undefined;
    const lat: number[] = [];
    const finished = new Promise<void>((resolve) => {
      w.onmessage = (e) => {
        if (e.data !== 'pong') {
          done = e.data as { ms: number };
          resolve();
        }
      };
    });
    w.postMessage({ cmd: 'work', how, n, sliceMs });
    void (async () => {
      while (!done) {
        const t0 = performance.now();
        const pong = new Promise<void>((resolve) => {
          const on = (e: MessageEvent) => {
            if (e.data === 'pong') {
              w.removeEventListener('message', on);
              resolve();
            }
          };
          w.addEventListener('message', on);
        });
        w.postMessage({ cmd: 'ping' });
        await Promise.race([pong, finished]);
        if (!done) lat.push(performance.now() - t0);
      }
    })();
    await finished;
    w.terminate();
    out.push({ how, chainMs, workMs: done!.ms, pings: lat.length, maxPingMs: Math.max(0, ...lat) });
  }
  return out;
}
