// Retention panel: each listed memory's forgetting curve R(t) = exp(−Δt / S) over the next
// 30 days (Δt from its last recall, S its strength in days), and the figures it is drawn from.
import { retention } from '../../src/index';
import type { Panel } from './context';
import { item, short, svg } from './dom';

const DAY = 86_400_000;
const DAYS = 30;
const W = 460;
const H = 200;
const PAD = 30;
const COLOURS = ['#2a5bd7', '#d7642a', '#2a9d5b', '#9b2ad7', '#c0392b', '#16a0a8', '#7f8c2a'];

export const retentionPanel: Panel = async (ctx, el) => {
  const now = Date.now();
  const chart = svg('svg', {
    id: 'retention-chart',
    width: W,
    height: H,
    viewBox: `0 0 ${W} ${H}`,
  });
  const x = (d: number) => PAD + (d / DAYS) * (W - PAD - 10);
  const y = (r: number) => H - PAD - r * (H - PAD - 10);
  svg('line', { x1: PAD, y1: y(0), x2: W - 10, y2: y(0), class: 'axis-line' }, chart);
  svg('line', { x1: PAD, y1: y(0), x2: PAD, y2: y(1), class: 'axis-line' }, chart);
  svg('text', { x: 2, y: y(1) + 4, class: 'axis' }, chart).textContent = '1';
  svg('text', { x: 2, y: y(0) + 4, class: 'axis' }, chart).textContent = '0';
  svg('text', { x: W - 60, y: H - 8, class: 'axis' }, chart).textContent = `+${DAYS} days`;
  const list = document.createElement('ol');
  list.id = 'retention-list';
  ctx.memories.forEach((m, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const points = Array.from(
      { length: DAYS + 1 },
      (_, d) => `${x(d)},${y(retention(m, now + d * DAY))}`,
    );
    svg(
      'polyline',
      { points: points.join(' '), stroke: colour, fill: 'none', 'data-id': m.id },
      chart,
    );
    const r = retention(m, now);
    const li = item(list, '');
    li.dataset.id = m.id;
    li.dataset.strength = String(m.strength);
    li.dataset.retention = r.toFixed(4);
    li.style.borderLeft = `4px solid ${colour}`;
    li.textContent = `${short(m.memory, 40)} · S ${m.strength.toFixed(1)} d · now ${r.toFixed(3)} · in 7 d ${retention(m, now + 7 * DAY).toFixed(3)}`;
  });
  el.replaceChildren(chart, list);
};
