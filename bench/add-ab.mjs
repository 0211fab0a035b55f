// `node bench/add-ab.mjs --base=DIR [--n=10000] [--rounds=10] [--adds=30] [--fill-first=base] [--settle=0]`
// add() rate of two checkouts side by side, under the same load: this one ("head") and the
// worktree DIR ("base", which needs this bench/add-ab-page.ts copied in). One Chromium, one Vite
// server per checkout (two origins, two IndexedDB databases), each store filled to N through the
// public API (Worker, CPU, hash-256, default index), then rounds of --adds single add() calls,
// base and head taking turns (which goes first alternates). Prints add()/s per round and the
// head/base ratio of each round (of add()/s, and of the round's median add() time inverted),
// their geometric means (also by quarter of the rounds), and a JSON last line. The stores write
// no idle checkpoint. The store filled last starts its rounds with more of its fill still being
// compacted by the browser's LevelDB (at 100k that slows its first minutes of adds): --fill-first
// names the side filled first (base or head), --settle waits that many seconds after the fills.
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, findChromium } from '../scripts/find-chromium.mjs';
import { loadBeamTexts } from './beam-texts.mjs';
import { callPage, loadAverages, openBenchPage, parseFlags, serveCheckout } from './launch.mjs';

const flags = parseFlags(process.argv.slice(2), import.meta.url);
const baseDir = flags.text('base', '');
if (!baseDir) throw new Error('--base=DIR (a worktree of the checkout to compare with) is needed');
const n = flags.number('n', 10000);
const rounds = flags.number('rounds', 10);
const count = flags.number('adds', 30);
const fillFirst = flags.text('fill-first', 'base');
const settleS = flags.number('settle', 0);
const { texts } = loadBeamTexts(flags.text('data', '../shared/data/beam/100K'));

const sides = [
  { name: 'base', ...(await serveCheckout(resolve(baseDir), 'bench-ab')) },
  { name: 'head', ...(await serveCheckout(process.cwd(), 'bench-ab')) },
];
const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
const mod = '/bench/add-ab-page.ts';
try {
  for (const s of fillFirst === 'head' ? [sides[1], sides[0]] : sides) {
    s.page = await openBenchPage(browser, s.url, '/test/pages/blank.html');
    const fillS = await callPage(s.page, mod, 'fill', texts, n);
    console.log(`${s.name}: filled ${n} in ${fillS.toFixed(1)} s`);
    s.rates = [];
    s.times = [];
  }
  if (settleS > 0) await new Promise((res) => setTimeout(res, settleS * 1000));
  const ratios = [];
  const medianRatios = [];
  const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [sides[1], sides[0]] : sides;
    for (const s of order) {
      const t = await callPage(s.page, mod, 'adds', count);
      s.times.push(...t);
      s.last = t;
      s.rates.push(count / (t.reduce((a, b) => a + b, 0) / 1000));
    }
    ratios.push(sides[1].rates[r] / sides[0].rates[r]);
    medianRatios.push(median(sides[0].last) / median(sides[1].last));
    if (rounds <= 50)
      console.log(
        `round ${r + 1}: base ${sides[0].rates[r].toFixed(1)}/s, head ${sides[1].rates[r].toFixed(1)}/s, head/base ${ratios[r].toFixed(3)} (by the median add: ${medianRatios[r].toFixed(3)}); load ${loadAverages()[0]}`,
      );
  }
  const gmean = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
  const geo = gmean(ratios);
  const geoMedian = gmean(medianRatios);
  const summary = sides.map((s) => {
    const t = [...s.times].sort((a, b) => a - b);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    return { name: s.name, perS: 1000 / mean, p50: t[t.length >> 1], mean };
  });
  const p50Ratio = summary[0].p50 / summary[1].p50;
  const quarters = [0, 1, 2, 3].map((q) =>
    gmean(ratios.slice(Math.floor((q * rounds) / 4), Math.floor(((q + 1) * rounds) / 4))),
  );
  console.log(`head/base by quarter of the rounds: ${quarters.map((x) => x.toFixed(3)).join(' ')}`);
  for (const s of summary)
    console.log(
      `${s.name}: ${s.perS.toFixed(1)} add()/s overall, p50 ${s.p50.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms`,
    );
  console.log(
    `head/base per round, geometric mean: ${geo.toFixed(3)} (add()/s), ${geoMedian.toFixed(3)} (median add); base p50 / head p50 over all adds ${p50Ratio.toFixed(3)}; load ${loadAverages().join(' ')}`,
  );
  console.log(
    JSON.stringify({
      n,
      rounds,
      adds: count,
      ...(rounds <= 50 ? { ratios, medianRatios } : {}),
      geo,
      geoMedian,
      p50Ratio,
      quarters,
      fillFirst,
      settleS,
      summary,
      load: loadAverages(),
    }),
  );
  for (const s of sides) await callPage(s.page, mod, 'done');
} finally {
  await browser.close();
  for (const s of sides) await s.server.close();
}
