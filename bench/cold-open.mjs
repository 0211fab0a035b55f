// `node bench/cold-open.mjs [--memories=100000] [--dim=512] [--runs=3] [--mode=ivf] [--refill]
//   [--formats=2,3] [--settle] [--built] [--embedder=use-lite] [--texts=turns] [--port=41731] [--profile=DIR]
//   [--data=../shared/data]`
// Cold open of a persisted store to its first search result, through the public API (Engram in
// its Worker, hash embedder of USE-lite's dimension, CPU backend) in headless Chromium. The
// store is filled once with LoCoMo/BEAM message texts (../shared/data, repeated to `memories`)
// into a browser profile kept under os.tmpdir(); each run then starts a NEW Chromium on that
// profile (nothing cached in the renderer) and times Engram.open → first result. The phase
// split comes from the engine's own open log line. With `--formats=2,3` the stored checkpoint is
// rewritten before each run in each format in turn (2: JSON text chunks, as written before the
// columnar checkpoint; 3: columns), so old and new are timed side by side on one store and one
// machine state. `--settle` (also right after a fill): open, search until the index has settled
// (IVF lists trained past 20k rows in the default 'auto' mode), close, so the lists are stored
// as after a session that searched. `--built`: the cold opens import the library build
// (dist/, run `npx vite build` first) instead of the sources, so the Worker loads its few bundled
// chunks as in an app, not every source module from the dev server. `--embedder=use-lite`: the
// store is opened with the offline model (its load part of each open; the fill gives hash
// vectors, the dimension 512) on a store of its own. `--texts=turns`: a store of its own filled
// with the end-to-end bench's chat-like turns (`turn(i)` of bench/e2e-page.ts: a number each, so
// a vocabulary that grows with the store, as a real one does; that of the repeated LoCoMo/BEAM
// texts stops growing once each text is in). The fill reports its progress per batch of 5,000. See
// bench/RESULTS.md ("Cold open").
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';
import { callPage, openBenchPage, parseFlags } from './launch.mjs';

// Not bench/launch.mjs's startBench: this needs a fixed origin (IndexedDB belongs to
// scheme://host:port, and the filled store is reused) and a new Chromium per run on one profile.
const flags = parseFlags(process.argv.slice(2), import.meta.url);
const memories = flags.number('memories', 100000);
const dim = flags.number('dim', 512);
const runs = flags.number('runs', 3);
const data = resolve(flags.text('data', '../shared/data'));
const port = flags.number('port', 41731);
const profile = flags.text('profile', join(tmpdir(), 'engram-bench-cold-open'));
const mode = flags.text('mode', '');
const model = flags.text('embedder', 'hash');
if (model !== 'hash' && model !== 'use-lite') throw new Error(`--embedder: hash or use-lite`);
if (model === 'use-lite' && dim !== 512) throw new Error('--embedder=use-lite is 512-d');
const textsKind = flags.text('texts', 'chats');
if (textsKind !== 'chats' && textsKind !== 'turns') throw new Error(`--texts: chats or turns`);
const name = `cold-open-${memories}-${dim}${mode ? `-${mode}` : ''}${model === 'use-lite' ? '-use-lite' : ''}${textsKind === 'turns' ? '-turns' : ''}`;
/** Checkpoint formats to time (empty: the store as it is). */
const formats = flags
  .text('formats', '')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .filter((f) => f === 2 || f === 3);

/** Message texts of the LoCoMo conversations and BEAM chats found under `dir`. */
function messageTexts(dir) {
  const texts = [];
  const locomo = join(dir, 'locomo');
  for (const f of existsSync(locomo) ? readdirSync(locomo) : []) {
    if (!f.endsWith('.json')) continue;
    const conv = JSON.parse(readFileSync(join(locomo, f), 'utf8'));
    for (const [k, v] of Object.entries(conv))
      if (/^session_\d+$/.test(k) && Array.isArray(v))
        for (const t of v) if (typeof t.text === 'string') texts.push(t.text);
  }
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      if (typeof v.content === 'string' && typeof v.role === 'string') texts.push(v.content);
      else Object.values(v).forEach(walk);
    }
  };
  const beam = join(dir, 'beam', '100K');
  for (const c of existsSync(beam) ? readdirSync(beam) : []) {
    const f = join(beam, c, 'chat.json');
    if (existsSync(f)) walk(JSON.parse(readFileSync(f, 'utf8')));
  }
  return texts.filter((t) => t.trim().length > 0).map((t) => t.slice(0, 2000));
}

const server = await createServer({
  configFile: resolve('vite.config.ts'),
  server: { port, strictPort: true, host: '127.0.0.1', hmr: false, watch: null },
  logLevel: 'error',
});
await server.listen();
// The port listened on (`--port=0`: a free one, e.g. for a test with its own --profile).
const baseUrl = `http://127.0.0.1:${server.httpServer.address().port}`;

/** A new Chromium on the bench profile, with a page at a blank test page. */
async function launch() {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: findChromium(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
  const page = await openBenchPage(context, baseUrl, '/test/pages/blank.html');
  return { context, page };
}
const call = async (page, fn, ...args) => {
  if (mode) await callPage(page, '/bench/cold-open-page.ts', 'useMode', mode);
  if (model !== 'hash') await callPage(page, '/bench/cold-open-page.ts', 'useEmbedder', model);
  if (flags.has('built')) await callPage(page, '/bench/cold-open-page.ts', 'useBuilt', true);
  return callPage(page, '/bench/cold-open-page.ts', fn, ...args);
};

const f = (v) => (typeof v === 'number' ? v.toFixed(0) : '–').padStart(8);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
try {
  let { context, page } = await launch();
  const have = flags.has('refill') ? 0 : await call(page, 'stored', name, dim);
  if (have !== memories) {
    // turns: made in the page (`turn(i)` of bench/e2e-page.ts), none passed.
    const texts = textsKind === 'turns' ? [] : messageTexts(data);
    if (textsKind === 'chats' && !texts.length) throw new Error(`no message texts under ${data}`);
    console.log(
      `filling ${memories} memories (${textsKind === 'turns' ? "the end-to-end bench's turns" : `${texts.length} distinct message texts`})…`,
    );
    const filled = await call(page, 'fill', name, dim, texts, memories);
    console.log(
      `filled ${filled.n} in ${(filled.ms / 1000).toFixed(1)} s (${((filled.n * 1000) / filled.ms).toFixed(0)} memories/s)`,
    );
  }
  // Below 1,000 rows no index mode trains lists: nothing to settle after such a fill.
  if ((have !== memories && memories >= 1000) || flags.has('settle')) {
    const settled = await call(page, 'settle', name, dim);
    console.log(
      `index settled in ${settled.s.toFixed(1)} s (${settled.mode}), lists stored at close`,
    );
  }
  console.log(
    `engram bench cold-open — ${memories} memories, ${model === 'hash' ? `${dim}-d hash embedder` : 'offline model (USE-lite)'}, Worker, CPU, index ${mode || 'default'}`,
  );
  const phaseNames = [];
  const rows = [];
  const plan = [];
  for (let i = 0; i < runs; i++)
    for (const format of formats.length ? formats : [0]) plan.push(format);
  for (const format of plan) {
    // The checkpoint is rewritten in the Chromium still open (the fill's, or the last cold
    // open's, its store closed), then that Chromium ends and a new one opens the store cold.
    const written = format ? await call(page, 'rewriteCheckpoint', name, format) : undefined;
    await context.close();
    ({ context, page } = await launch());
    const loadBefore = load();
    const r = await call(page, 'coldOpen', name, dim, 'where did Caroline go to the support group');
    // "engram: opened N memories in T ms (a 12 ms, catch-up 3 ms)" → { aMs: 12, catchUpMs: 3 }
    const line = r.log.find((l) => /^engram: opened \d+ memories/.test(l)) ?? '';
    const phases = Object.fromEntries(
      [
        ...(line.match(/\((.*)\)$/)?.[1] ?? '').matchAll(/([a-z][a-z -]*?) (\d+(?:\.\d+)?) ms/g),
      ].map((m) => [
        m[1].trim().replace(/[ -](\w)/g, (_, c) => c.toUpperCase()) + 'Ms',
        Number(m[2]),
      ]),
    );
    for (const k of Object.keys(phases)) if (!phaseNames.includes(k)) phaseNames.push(k);
    // What open spent outside the engine's load: the Worker, its modules, the database opening.
    const engineMs = Number(line.match(/ in (\d+) ms/)?.[1] ?? NaN);
    phases.outsideLoadMs = Math.round(r.openMs - engineMs);
    rows.push({ ...r, format, written, phases, load: loadBefore, openLog: line });
  }
  await context.close();
  if (!rows.length) process.exit(0);
  const cols = ['run', 'format', 'cp MB', 'open', 'search#1', 'search#2', 'total', ...phaseNames];
  cols.push('load avg');
  console.log(cols.map((c) => c.padStart(8)).join(' '));
  rows.forEach((r, i) =>
    console.log(
      [
        String(i + 1).padStart(8),
        (r.format ? String(r.format) : 'as is').padStart(8),
        (r.written ? (r.written.bytes / 1e6).toFixed(1) : '–').padStart(8),
        f(r.openMs),
        f(r.firstSearchMs),
        f(r.secondSearchMs),
        f(r.coldOpenMs),
        ...phaseNames.map((p) => f(r.phases[p])),
        `  ${r.load}`,
      ].join(' '),
    ),
  );
  console.log(`(ms; phases from the engine's log: ${rows[0]?.openLog ?? ''})`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const best = rows.reduce((a, b) => (b.coldOpenMs < a.coldOpenMs ? b : a));
  const summary = (rs) => ({
    coldOpenMs: median(rs.map((r) => r.coldOpenMs)),
    openMs: median(rs.map((r) => r.openMs)),
    firstSearchMs: median(rs.map((r) => r.firstSearchMs)),
    checkpointBytes: rs[0]?.written?.bytes,
  });
  const byFormat = Object.fromEntries(
    formats.map((fmt) => [`format${fmt}`, summary(rows.filter((r) => r.format === fmt))]),
  );
  const same = rows.every((r) => JSON.stringify(r.ids) === JSON.stringify(rows[0].ids));
  console.log(
    JSON.stringify({
      memories: rows[0]?.count,
      dim,
      mode: mode || 'default',
      texts: textsKind,
      runs,
      coldOpenMs: median(rows.map((r) => r.coldOpenMs)),
      openMs: median(rows.map((r) => r.openMs)),
      firstSearchMs: median(rows.map((r) => r.firstSearchMs)),
      secondSearchMs: median(rows.map((r) => r.secondSearchMs)),
      bestColdOpenMs: best.coldOpenMs,
      phases: Object.fromEntries(
        phaseNames.map((p) => [p, median(rows.map((r) => r.phases[p] ?? 0))]),
      ),
      sameResultsEveryRun: same,
      // The first run's top ids: compared across commits on copies of one store.
      firstIds: rows[0]?.ids,
      ...(formats.length ? { byFormat } : {}),
      loadAvg: rows.map((r) => r.load),
    }),
  );
} finally {
  await server.close();
}
