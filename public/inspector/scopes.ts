// Scopes panel: every userId, agentId and runId in the store with its number of active
// memories; clicking one limits the memory list and searches to it.
import type { Scope } from '../../src/index';
import type { Panel } from './context';
import { escape } from './dom';

const FIELDS = ['userId', 'agentId', 'runId'] as const;

export const scopesPanel: Panel = async (ctx, el) => {
  const { results } = await ctx.mem.getAll();
  const counts = new Map<string, { field: (typeof FIELDS)[number]; value: string; n: number }>();
  let unscoped = 0;
  for (const m of results) {
    if (FIELDS.every((f) => m[f] === undefined)) unscoped++;
    for (const field of FIELDS) {
      const value = m[field];
      if (value === undefined) continue;
      const key = `${field}\u0000${value}`;
      const c = counts.get(key) ?? { field, value, n: 0 };
      c.n++;
      counts.set(key, c);
    }
  }
  const table = document.createElement('table');
  table.id = 'scope-table';
  table.innerHTML = '<tr><th>scope</th><th>value</th><th>memories</th></tr>';
  const row = (scope: Scope, label: string, value: string, n: number) => {
    const tr = table.insertRow();
    const [field] = Object.keys(scope);
    tr.dataset.field = field ?? '';
    tr.dataset.value = value;
    tr.dataset.count = String(n);
    const chosen =
      JSON.stringify(scope) === JSON.stringify(ctx.scope) ||
      (field === undefined && Object.keys(ctx.scope).length === 0);
    if (chosen) tr.className = 'chosen';
    tr.innerHTML = `<td>${label}</td><td>${escape(value)}</td><td>${n}</td>`;
    tr.onclick = () => void ctx.setScope(scope).catch(ctx.showError);
  };
  row({}, 'all', '', results.length);
  for (const { field, value, n } of [...counts.values()].sort(
    (a, b) => FIELDS.indexOf(a.field) - FIELDS.indexOf(b.field) || (a.value < b.value ? -1 : 1),
  ))
    row({ [field]: value }, field, value, n);
  if (unscoped) row({}, 'no scope', '', unscoped);
  el.replaceChildren(table);
};
