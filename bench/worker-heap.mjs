// Reads the JS heap of a page's dedicated Worker(s) over the DevTools protocol: the
// engine lives there, so the page's own `performance.memory` does not see it.
// Runtime.getHeapUsage: usedSize (V8 heap) + embedderHeapUsedSize + backingStorageSize
// (ArrayBuffer and WebAssembly memory, where the vectors are), after a forced GC.

/**
 * Bytes held by every dedicated Worker target of the browser, summed, after a GC in each.
 * @param {import('playwright-core').Browser} browser
 * @returns {Promise<{ bytes: number, workers: number }>}
 */
export async function workerHeapBytes(browser) {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const workers = targetInfos.filter((t) => t.type === 'worker');
    let bytes = 0;
    for (const w of workers) {
      const { sessionId } = await cdp.send('Target.attachToTarget', {
        targetId: w.targetId,
        flatten: false,
      });
      let nextId = 1;
      const pending = new Map();
      const onMessage = (e) => {
        if (e.sessionId !== sessionId) return;
        const m = JSON.parse(e.message);
        pending.get(m.id)?.(m);
      };
      cdp.on('Target.receivedMessageFromTarget', onMessage);
      const send = (method, params = {}) =>
        new Promise((resolve, reject) => {
          const id = nextId++;
          pending.set(id, (m) =>
            m.error ? reject(new Error(m.error.message)) : resolve(m.result),
          );
          cdp
            .send('Target.sendMessageToTarget', {
              sessionId,
              message: JSON.stringify({ id, method, params }),
            })
            .catch(reject);
        });
      try {
        await send('HeapProfiler.collectGarbage');
        const h = await send('Runtime.getHeapUsage');
        bytes += h.usedSize + (h.embedderHeapUsedSize ?? 0) + (h.backingStorageSize ?? 0);
      } finally {
        cdp.off('Target.receivedMessageFromTarget', onMessage);
        await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
      }
    }
    return { bytes, workers: workers.length };
  } finally {
    await cdp.detach();
  }
}
