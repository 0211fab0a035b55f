// `node bench/scale-search-ab.mjs --base=DIR [--n=10000] [--searches=200] [--rounds=1]`
// Default search of two checkouts side by side, under the same load, in bench/scale.mjs's flow:
// this one ("head") and the worktree DIR ("base", which needs bench/scale-search-ab-page.ts
// copied in). One Chromium, one Vite server per checkout (two origins, two IndexedDB databases),
// each store filled to N through the public API (Worker, CPU, hash-256, default options); then
// the first search and 20 warm-up searches (scale.mjs's ten and timeSearches' ten), then the
// --searches timed default searches (BEAM's questions in order, as scale.mjs times them), then
// the same questions again (warm), then dense-only ones, and 200 `info()` round trips (the
// Worker hop's floor). Base and head take turns search by search (which goes first alternates).
// Prints each side's p50 / p95 / max per phase, head/base ratios, the load, and a JSON last line.
// --rounds > 1 fills fresh stores for each round (base first in odd rounds, head first in even).
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, serveCheckout } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const baseDir = flags.text('base', '');
if (!baseDir) throw new Error('--base=DIR (a worktree of the checkout to compare with) is needed');
const n = flags.number('n', 10000);
const searches = flags.number('searches', 200);
const rounds = flags.number('rounds', 1);
const { texts, queries } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));

const pct = (t, p) => {
  const s = [...t].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const stats = (t) => ({ p50: pct(t, 50), p95: pct(t, 95), max: Math.max(...t), n: t.length });
const mod = '/bench/scale-search-ab-page.ts';
const sides = [
  { name: 'base', ...(await serveCheckout(resolve(baseDir), 'bench-search-ab')) },
  { name: 'head', ...(await serveCheckout(process.cwd(), 'bench-search-ab')) },
];
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const out = [];
try {
  for (let round = 0; round < rounds; round++) {
    const phases = {
      first: [[], []],
      warm: [[], []],
      timed: [[], []],
      again: [[], []],
      dense: [[], []],
      trip: [[], []],
    };
    // The side filled last has its fill's garbage still to collect when the searches start:
    // which side fills first alternates by round.
    for (const s of round % 2 ? [sides[1], sides[0]] : sides) {
      s.page ??= await openBenchPage(browser, s.url, '/test/pages/blank.html');
      const fillS = await callPage(s.page, mod, 'fill', texts, n);
      console.log(`round ${round + 1} ${s.name}: filled ${n} in ${fillS.toFixed(1)} s`);
    }
    // Each step: both sides, base first on even steps.
    let step = 0;
    const both = async (phase, ...args) => {
      const order = step++ % 2 ? [1, 0] : [0, 1];
      for (const i of order)
        phases[phase][i].push(await callPage(sides[i].page, mod, 'search', ...args));
    };
    await both('first', queries[0]);
    for (let i = 0; i < 10; i++) await both('warm', queries[(i * 7) % queries.length]);
    for (let i = 0; i < 10; i++) await both('warm', queries[(i * 7) % queries.length]);
    for (let i = 0; i < searches; i++) await both('timed', queries[i % queries.length]);
    for (let i = 0; i < searches; i++) await both('again', queries[i % queries.length]);
    for (let i = 0; i < searches; i++) await both('dense', queries[i % queries.length], true);
    for (const i of step++ % 2 ? [1, 0] : [0, 1])
      phases.trip[i] = await callPage(sides[i].page, mod, 'trips', 200);
    const row = { round: round + 1, load: loadAverages() };
    for (const [phase, [b, h]] of Object.entries(phases)) {
      const parts =
        phase === 'timed'
          ? {
              timed: [b, h],
              'timed 1st half': [b.slice(0, searches >> 1), h.slice(0, searches >> 1)],
              'timed 2nd half': [b.slice(searches >> 1), h.slice(searches >> 1)],
            }
          : { [phase]: [b, h] };
      for (const [label, [bt, ht]] of Object.entries(parts)) {
        const bs = stats(bt);
        const hs = stats(ht);
        row[label] = { base: bs, head: hs };
        const f = (x) => x.toFixed(2).padStart(7);
        console.log(
          `${label.padEnd(15)} base p50 ${f(bs.p50)} p95 ${f(bs.p95)} max ${f(bs.max)} | head p50 ${f(hs.p50)} p95 ${f(hs.p95)} max ${f(hs.max)} | head/base p50 ${(hs.p50 / bs.p50).toFixed(3)} p95 ${(hs.p95 / bs.p95).toFixed(3)}`,
        );
      }
    }
    console.log(`load ${row.load.join(' ')}`);
    out.push(row);
    for (const s of sides) await callPage(s.page, mod, 'done');
  }
  console.log(JSON.stringify({ n, searches, rounds: out }));
} finally {
  await browser.close();
  for (const s of sides) await s.server.close();
}
