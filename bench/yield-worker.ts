// Runs in a Worker for bench/yield-page.ts: chains of yields and sliced busy work, yielding by
// `setTimeout(0)` or by `nextTask()` (src/util/tasks.ts); answers pings at once.
import { nextTask } from '../src/util/tasks';

const yields: Record<string, () => Promise<void>> = {
  setTimeout: () => new Promise((resolve) => setTimeout(resolve, 0)),
  nextTask,
};

function busy(ms: number): void {
  const t0 = performance.now();
  while (performance.now() - t0 < ms);
}

self.onmessage = async (e: MessageEvent) => {
  const m = e.data as { cmd: string; how: string; n: number; sliceMs: number };
  if (m.cmd === 'ping') return postMessage('pong');
  const give = yields[m.how]!;
  const t0 = performance.now();
  for (let i = 0; i < m.n; i++) {
    if (m.cmd === 'work') busy(m.sliceMs);
    await give();
  }
  postMessage({ ms: performance.now() - t0 });
};
