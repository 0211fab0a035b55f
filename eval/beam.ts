// BEAM retrieval eval: `npm run eval:beam -- [--data DIR] [--k 5,10,25] [--json] [--chat N,…]
// [--retrieval JSON] [--hash] [--cache DIR]`. Prints recall@k per ability and overall, knowledge-update
// newer-first, latency and run time; with --json a last line with the figures.
import { performance } from 'node:perf_hooks';
import { parseBeamArgs } from './beam-args';
import { table } from './tally';
import { exitOnError } from './usage-error';

async function main(): Promise<void> {
  const args = parseBeamArgs(process.argv.slice(2));
  // The engine and the model load only once the command line has parsed: a refusal costs
  // vite-node's start alone (2.6 CPU-s against 9 with them loaded first).
  const { runBeam } = await import('./beam-harness');
  const t0 = performance.now();
  const r = await runBeam(args);
  const cats = Object.keys(r.byCategory);
  console.log(`BEAM retrieval, ${r.questions} questions, ${args.data}, via ${r.via}\n`);
  console.log(
    table(
      ['ability', ...r.k.map((k) => `recall@${k}`)],
      [
        ...cats.map((c) => [c, ...r.k.map((k) => r.byCategory[c]![`recall@${k}`]!)]),
        ['overall', ...r.k.map((k) => r.overall[`recall@${k}`]!)],
      ],
    ),
  );
  console.log(
    `\nknowledge update, newer first: ${r.knowledgeUpdate.newerFirst.toFixed(3)} (${r.knowledgeUpdate.questions} questions)`,
  );
  console.log(
    `per chat recall@${r.k.includes(10) ? 10 : r.k[0]}: ` +
      r.perChat
        .map(
          (c) =>
            `${c.id} (${r.messages[c.id]}) ${c.overall[`recall@${r.k.includes(10) ? 10 : r.k[0]}`]}`,
        )
        .join(', '),
  );
  console.log(
    `search latency (Node CPU): median ${r.latency.median} ms, p95 ${r.latency.p95} ms; ingest ${r.ingestSeconds} s`,
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
        overall: r.overall,
        byCategory: r.byCategory,
        knowledgeUpdate: { newerFirst: r.knowledgeUpdate.newerFirst },
      }),
    );
}

// Awaited: vite-node closes its server once this module has run, and the harness is imported
// in main() (a dynamic import after that close fails).
await main().catch(exitOnError);
