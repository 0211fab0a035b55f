// bench/search.html: runs the search benchmark in this browser and shows the table.
import { env, runCase, type BenchRow } from './search-page';

const fmt = (v: number | null, digits = 2): string => (v === null ? '–' : v.toFixed(digits));

function render(rows: BenchRow[]): void {
  const head = ['N', 'dim', 'batch', 'WebGPU ms/q', 'CPU ms/q', 'speedup', 'auto', 'agreement'];
  const body = rows.map((r) =>
    [
      r.n,
      r.dim,
      r.batch,
      fmt(r.gpuMs),
      fmt(r.cpuMs),
      fmt(r.speedup),
      `${r.auto} ${fmt(r.autoMs)}`,
      fmt(r.agreement, 3),
    ]
      .map((c) => `<td>${c}</td>`)
      .join(''),
  );
  document.querySelector('#out')!.innerHTML =
    `<tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>` +
    body.map((b) => `<tr>${b}</tr>`).join('');
}

document.querySelector('#run')!.addEventListener('click', async () => {
  const e = await env(384);
  document.querySelector('#env')!.textContent =
    `adapter: ${e.adapter ?? 'none'}\nauto: ${e.autoReason}`;
  const rows: BenchRow[] = [];
  for (const dim of [384, 512])
    for (const n of [10_000, 100_000])
      for (const batch of [1, 16]) {
        rows.push(await runCase({ n, dim, batch }));
        render(rows);
      }
});
