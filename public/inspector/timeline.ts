// Timeline panel: every version of the selected memory on two time axes — valid time (when
// the fact held: validFrom → validTo) and recorded time (when Engram knew it: recordedAt →
// supersededAt) — as a list and as bars.
import type { SearchResult } from '../../src/index';
import type { Panel } from './context';
import { escape, note, svg, when } from './dom';

const WIDTH = 480;
const ROW = 34;
const LEFT = 40;

export const timelinePanel: Panel = async (ctx, el) => {
  const m = ctx.selected;
  el.replaceChildren();
  if (!m) return note(el, 'Select a memory (its “inspect” button).');
  // Past versions are what a search with includeSuperseded returns; its own text finds them.
  const scope = {
    ...(m.userId ? { userId: m.userId } : {}),
    ...(m.agentId ? { agentId: m.agentId } : {}),
    ...(m.runId ? { runId: m.runId } : {}),
  };
  const { results } = await ctx.mem.search(m.memory, {
    ...scope,
    includeSuperseded: true,
    limit: 1000,
    reinforce: false,
  });
  const versions = results.filter((r) => r.id === m.id).sort((a, b) => a.version - b.version);
  const now = Date.now();
  const end = (t: number | undefined) => t ?? now;
  const times = versions.flatMap((v) => [
    v.validFrom,
    end(v.validTo),
    v.recordedAt,
    end(v.supersededAt),
  ]);
  const lo = Math.min(...times);
  const span = Math.max(...times) - lo || 1;
  const x = (t: number) => LEFT + ((t - lo) / span) * (WIDTH - LEFT - 10);

  const chart = svg('svg', {
    id: 'timeline-chart',
    width: WIDTH,
    height: versions.length * ROW + 24,
    viewBox: `0 0 ${WIDTH} ${versions.length * ROW + 24}`,
  });
  const list = document.createElement('ol');
  list.id = 'timeline';
  versions.forEach((v, i) => {
    const current = v.superseded !== true;
    const y = 8 + i * ROW;
    svg('text', { x: 0, y: y + 12, class: 'axis' }, chart).textContent = `v${v.version}`;
    bar(chart, x(v.validFrom), x(end(v.validTo)), y, 'valid', current);
    bar(chart, x(v.recordedAt), x(end(v.supersededAt)), y + 14, 'recorded', current);
    list.append(versionRow(v, current));
  });
  const legend = svg('text', { x: LEFT, y: versions.length * ROW + 20, class: 'axis' }, chart);
  legend.textContent = `${when(lo)} → ${when(lo + span)} · upper bar: valid time · lower: recorded time`;
  el.append(chart, list);
};

function bar(
  chart: SVGSVGElement,
  x0: number,
  x1: number,
  y: number,
  kind: string,
  current: boolean,
) {
  svg(
    'rect',
    {
      x: x0,
      y,
      width: Math.max(2, x1 - x0),
      height: 11,
      class: `${kind}${current ? ' current' : ''}`,
    },
    chart,
  );
}

function versionRow(v: SearchResult, current: boolean): HTMLLIElement {
  const li = document.createElement('li');
  li.className = current ? 'current' : 'superseded';
  li.dataset.version = String(v.version);
  li.dataset.validFrom = String(v.validFrom);
  li.dataset.validTo = String(v.validTo ?? '');
  li.dataset.recordedAt = String(v.recordedAt);
  li.dataset.supersededAt = String(v.supersededAt ?? '');
  li.innerHTML =
    `<b>v${v.version}</b> ${current ? 'current' : 'superseded'} · ${escape(v.memory)}<br>` +
    `<span class="meta">valid ${when(v.validFrom)} → ${v.validTo === undefined ? 'now' : when(v.validTo)}` +
    ` · recorded ${when(v.recordedAt)} → ${v.supersededAt === undefined ? 'now' : when(v.supersededAt)}</span>`;
  return li;
}
