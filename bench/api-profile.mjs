// `node bench/run.mjs api-profile [--n=10000] [--queries=50] [--rounds=3] [--mode=ivf] [--profile=4]`
// Where a dense-only `search(…, { vector, retrieval: false })` spends its time: the vector
// index alone, the engine in the page (`worker: false`) and the engine in its Worker, timed in
// turns on the same real-512 queries (bench/api-profile-page.ts); then, with --profile=S,
// S seconds of Worker searches under a DevTools CPU profile of the page and of the Worker
// (self time by function, top 25 each side). The parts beside them: a bare Worker's round trip
// (the floor), a Comlink call the engine never sees, a result list's clone.
// `--wire [--wire-rounds=30]`: only the wire, no store: a bare Worker answering with nothing,
// with a 10-result list as objects, columns or JSON, raw bytes; the query vector transferred
// or cloned (the ways in turns, each round starting at another).
import { spawnSync } from 'node:child_process';
import { callPage, openBenchPage, parseFlags, startBench } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const n = flags.number('n', 10_000);
const nq = flags.number('queries', 50);
const rounds = flags.number('rounds', 3);
const mode = flags.text('mode', 'ivf');
const profileS = flags.number('profile', 0);

const r = spawnSync('node_modules/.bin/tsx', ['bench/locomo-vectors.ts', '../shared/data/locomo'], {
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);

const { browser, baseUrl, close } = await startBench();
const call = (page, name, ...args) => callPage(page, '/bench/api-profile-page.ts', name, ...args);
try {
  const page = await openBenchPage(browser, baseUrl, '/bench/engines.html');
  if (flags.has('wire')) {
    const w = await call(page, 'wire', { rounds: flags.number('wire-rounds', 30) });
    console.log('wire, ms per round trip (median):', JSON.stringify(w));
  } else await profileApi(page);
} finally {
  await close();
}

async function profileApi(page) {
  const set = await call(page, 'setup', { n, nq, mode });
  console.log(`${n} × 512 real, mode ${mode}: filled in ${(set.fillMs / 1000).toFixed(1)} s`);
  console.log(`info(): ${JSON.stringify(set.info)}`);
  const t = await call(page, 'time', { rounds });
  console.log(`ms/query (median of ${rounds} × ${nq}):`, JSON.stringify(t.msPerQuery));
  console.log('parts, ms:', JSON.stringify(t.parts));
  console.log(`worker and page stores give the same ids and scores: ${t.sameResults}`);
  if (profileS > 0) {
    const pageCdp = await page.context().newCDPSession(page);
    const worker = await attachWorker(browser);
    await pageCdp.send('Profiler.enable');
    await pageCdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await worker.send('Profiler.enable');
    await worker.send('Profiler.setSamplingInterval', { interval: 50 });
    await pageCdp.send('Profiler.start');
    await worker.send('Profiler.start');
    const searches = await call(page, 'spin', { path: 'worker', seconds: profileS });
    const pageProfile = (await pageCdp.send('Profiler.stop')).profile;
    const workerProfile = (await worker.send('Profiler.stop')).profile;
    console.log(`\nprofile: ${searches} worker searches in ${profileS} s`);
    for (const [side, p] of [
      ['page', pageProfile],
      ['worker', workerProfile],
    ]) {
      console.log(`\n${side}: self time, ms per search (top 25)`);
      for (const [name, ms] of selfTimes(p).slice(0, 25))
        console.log(`  ${(ms / searches).toFixed(4).padStart(8)}  ${name}`);
    }
    await worker.detach();
  }
  await call(page, 'teardown');
}

/** Self time per function (ms), largest first, from a DevTools CPU profile. */
function selfTimes(profile) {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    const f = node.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/').split('?')[0]}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (timeDeltas[i] ?? 0) / 1000);
  }
  return [...self].sort((a, b) => b[1] - a[1]);
}

/** A DevTools session on the engine's Worker (`engram:…`), over the browser session. */
async function attachWorker(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { targetInfos } = await cdp.send('Target.getTargets');
  const w = targetInfos.find((t) => t.type === 'worker');
  if (!w) throw new Error('no Worker target');
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: w.targetId,
    flatten: false,
  });
  let nextId = 1;
  const pending = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    pending.get(m.id)?.(m);
  });
  return {
    send: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, (m) => (m.error ? reject(new Error(m.error.message)) : resolve(m.result)));
        cdp
          .send('Target.sendMessageToTarget', {
            sessionId,
            message: JSON.stringify({ id, method, params }),
          })
          .catch(reject);
      }),
    detach: async () => {
      await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => {});
      await cdp.detach();
    },
  };
}
