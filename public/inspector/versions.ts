// Versions panel: the selected memory's history (ADD, UPDATE, DELETE, …) from the event log.
import type { Panel } from './context';
import { escape, item, note, short, when } from './dom';

export const versionsPanel: Panel = async (ctx, el) => {
  const m = ctx.selected;
  const title = document.createElement('h3');
  title.id = 'history-of';
  const list = document.createElement('ol');
  list.id = 'history';
  el.replaceChildren(title, list);
  if (!m) return note(el, 'Select a memory (its “inspect” button).');
  title.textContent = `of “${short(m.memory, 40)}”`;
  for (const h of await ctx.mem.history(m.id)) {
    const li = item(
      list,
      `<b>${h.event}</b> v${h.version} <span class="meta">${when(h.createdAt)} · ${escape(h.actor)}</span><br>` +
        (h.previousMemory ? `<s>${escape(h.previousMemory)}</s> → ` : '') +
        escape(h.newMemory ?? '(deleted)'),
    );
    li.dataset.event = h.event;
    li.dataset.version = String(h.version);
  }
};
