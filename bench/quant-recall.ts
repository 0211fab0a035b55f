// Node: the recall/bytes/time table of the quantized modes on the CPU twin.
// npx tsx bench/quant-recall.ts [n ...]   (default 10000 100000)
import { runQuantBench } from './quant-page';

const sizes = process.argv.slice(2).map(Number);
const header =
  'data       n       dim  mode                 recall@10  B/vec  cache  ms/q    p95     build ms';
console.log(header);
for (const n of sizes.length ? sizes : [10_000, 100_000]) {
  for (const dim of [384, 512]) {
    for (const data of ['clustered', 'random'] as const) {
      for (const r of await runQuantBench({ n, dim, data, nq: 20 })) {
        console.log(
          [
            r.data.padEnd(10),
            String(r.n).padEnd(7),
            String(r.dim).padEnd(4),
            r.mode.padEnd(20),
            r.recallAt10.toFixed(3).padEnd(9),
            String(r.bytesPerVector).padEnd(6),
            String(r.cacheBytesPerVector).padEnd(6),
            r.msPerQuery.toFixed(2).padEnd(7),
            r.p95Ms.toFixed(2).padEnd(7),
            r.buildMs.toFixed(0),
          ].join(' '),
        );
      }
    }
  }
}
