// LoCoMo retrieval eval: `npm run eval:locomo -- [--data DIR] [--k 5,10,25] [--json] [--conv ID]
// [--no-ablation] [--cache DIR]`. Prints recall@k per category, the ablation, latency; with --json
// a last line with the default stages' numbers.
import { performance } from 'node:perf_hooks';
import { CATEGORIES, DEFAULT_ROW, parseArgs, runLocomo } from './harness';
import { table } from './tally';
import { exitOnError } from './usage-error';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const r = await runLocomo(args);
  const def = r.rows.find((row) => row.name === DEFAULT_ROW)!;
  const cats = Object.keys(def.byCategory);
  console.log(
    `LoCoMo retrieval, ${r.questions} questions, ${args.data} (default stages, via ${r.via})\n`,
  );
  console.log(
    table(
      ['recall', ...cats.map((c) => `${c} ${CATEGORIES[c] ?? ''}`.trim()), 'overall'],
      r.k.map((k) => [
        `@${k}`,
        ...cats.map((c) => def.byCategory[c]![`recall@${k}`]!),
        def.overall[`recall@${k}`]!,
      ]),
    ),
  );
  if (r.rows.length > 1) {
    const k = r.k.includes(10) ? 10 : r.k[0]!;
    const k5 = r.k.includes(5) ? 5 : r.k[0]!;
    console.log(`\nAblation (recall@${k}; overall recall@${k5} last):\n`);
    console.log(
      table(
        ['stages', ...cats.map((c) => CATEGORIES[c] ?? c), 'overall', `overall@${k5}`],
        r.rows.map((row) => [
          row.name,
          ...cats.map((c) => row.byCategory[c]![`recall@${k}`]!),
          row.overall[`recall@${k}`]!,
          row.overall[`recall@${k5}`]!,
        ]),
      ),
    );
  }
  console.log(
    `\nsearch latency (default stages, Node CPU): median ${r.latency.median} ms, p95 ${r.latency.p95} ms`,
  );
  console.log(
    `texts embedded (cache misses): ${r.embedded}; total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
  if (args.json)
    console.log(
      JSON.stringify({
        data: r.data,
        questions: r.questions,
        k: r.k,
        overall: def.overall,
        byCategory: def.byCategory,
      }),
    );
}

main().catch(exitOnError);
