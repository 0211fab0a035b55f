// Link graph panel: the selected memory, the memories linked to it (two hops), and the links
// among them, drawn on a circle around it; the edges also listed with their similarity.
import type { Panel } from './context';
import { item, note, short, svg } from './dom';

const SIZE = 420;

export const linksPanel: Panel = async (ctx, el) => {
  const m = ctx.selected;
  el.replaceChildren();
  if (!m) return note(el, 'Select a memory (its “inspect” button).');
  const { results: related } = await ctx.mem.related(m.id, { depth: 2, limit: 12 });
  const nodes = [m, ...related];
  const ids = nodes.map((n) => n.id);
  const adjacency = await ctx.mem.links(ids);
  const edges: { from: string; to: string; score: number }[] = [];
  for (const [from, list] of Object.entries(adjacency))
    for (const { id: to, score } of list)
      if (from < to && ids.includes(to)) edges.push({ from, to, score });

  const c = SIZE / 2;
  const at = new Map<string, [number, number]>([[m.id, [c, c]]]);
  related.forEach((r, i) => {
    const a = (2 * Math.PI * i) / related.length - Math.PI / 2;
    const radius = r.depth === 1 ? c * 0.55 : c * 0.8;
    at.set(r.id, [c + radius * Math.cos(a), c + radius * Math.sin(a)]);
  });
  const chart = svg('svg', {
    id: 'link-graph',
    width: SIZE,
    height: SIZE,
    viewBox: `0 0 ${SIZE} ${SIZE}`,
  });
  for (const e of edges) {
    const [x1, y1] = at.get(e.from)!;
    const [x2, y2] = at.get(e.to)!;
    const line = svg(
      'line',
      {
        x1,
        y1,
        x2,
        y2,
        'data-from': e.from,
        'data-to': e.to,
        'stroke-width': 1 + 3 * Math.max(0, e.score),
      },
      chart,
    );
    svg('title', {}, line).textContent = e.score.toFixed(3);
  }
  for (const n of nodes) {
    const [x, y] = at.get(n.id)!;
    const g = svg('g', { 'data-id': n.id, class: n.id === m.id ? 'node selected' : 'node' }, chart);
    svg('circle', { cx: x, cy: y, r: n.id === m.id ? 9 : 6 }, g);
    svg('text', { x: x + 10, y: y + 4 }, g).textContent = short(n.memory, 24);
  }
  const list = document.createElement('ul');
  list.id = 'link-list';
  const text = new Map(nodes.map((n) => [n.id, n.memory]));
  for (const e of edges) {
    const li = item(list, '');
    li.textContent = `${short(text.get(e.from)!)} — ${short(text.get(e.to)!)} · ${e.score.toFixed(3)}`;
    li.dataset.score = String(e.score);
  }
  if (edges.length === 0)
    note(el, 'No links: memories link on insert when their vectors are close.');
  el.append(chart, list);
};
