// Explain panel: the last search's results side by side, each pipeline stage's contribution
// to their scores (`search(q, { explain: true })`), with the stages that did not run greyed.
import type { Panel } from './context';
import { escape, note, short } from './dom';

export const explainPanel: Panel = async (ctx, el) => {
  el.replaceChildren();
  const last = ctx.lastSearch;
  const first = last?.results[0]?.explanation;
  if (!last || !first) return note(el, 'Search first: its results are explained here.');
  const head = document.createElement('p');
  head.id = 'explain-mode';
  head.className = 'meta';
  head.textContent =
    first.mode === 'hybrid'
      ? `“${last.query}”: hybrid scores, relative to this search — BM25 share (best match 1) + dense share (best 0.7), then each stage's boost. Contributions add up to the score.`
      : `“${last.query}”: dense scores — cosine similarity, blended with retention.`;
  const table = document.createElement('table');
  table.id = 'explain-table';
  const top = last.results.slice(0, 6);
  table.innerHTML =
    '<tr><th>stage</th>' +
    top.map((r) => `<th title="${escape(r.memory)}">${escape(short(r.memory, 18))}</th>`).join('') +
    '</tr>';
  first.stages.forEach(({ stage }, i) => {
    const tr = table.insertRow();
    tr.dataset.stage = stage;
    if (top.every((r) => !r.explanation!.stages[i]!.on)) tr.className = 'off';
    tr.insertCell().textContent = stage;
    for (const r of top) {
      const { contribution } = r.explanation!.stages[i]!;
      const td = tr.insertCell();
      td.dataset.id = r.id;
      td.dataset.value = String(contribution);
      td.textContent = contribution === 0 ? '·' : signed(contribution);
    }
  });
  const total = table.insertRow();
  total.className = 'total';
  total.dataset.stage = 'score';
  total.insertCell().textContent = 'score';
  for (const r of top) {
    const td = total.insertCell();
    td.dataset.id = r.id;
    td.dataset.value = String(r.score);
    td.textContent = r.score.toFixed(3);
  }
  el.append(head, table);
};

const signed = (v: number) => (v > 0 ? '+' : '') + v.toFixed(3);
