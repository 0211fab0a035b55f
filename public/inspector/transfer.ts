// Import/export panel: the store as versioned JSONL (`export()`), shown and offered as a
// download; JSONL pasted back in with `import()` (into an empty store, or merged).
import type { Panel } from './context';
import { button } from './dom';

export const transferPanel: Panel = async (ctx, el) => {
  const text = document.createElement('textarea');
  text.id = 'transfer-text';
  text.rows = 10;
  text.placeholder = 'Export fills this; or paste an export here and import it.';
  const summary = document.createElement('p');
  summary.id = 'transfer-summary';
  const link = document.createElement('a');
  link.id = 'export-download';
  link.download = 'engram-export.jsonl';
  const mode = document.createElement('select');
  mode.id = 'import-mode';
  mode.innerHTML =
    '<option value="merge">merge (new ids only)</option><option value="empty">empty store</option>';

  const exportAll = async () => {
    const reader = (await ctx.mem.export()).getReader();
    let out = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += r.value;
    text.value = out;
    const lines = out.split('\n').filter((l) => l !== '');
    summary.textContent = `exported ${lines.length} lines (${out.length} characters)`;
    summary.dataset.lines = String(lines.length);
    URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([out], { type: 'application/x-ndjson' }));
    link.textContent = 'download';
  };
  const importText = async () => {
    const r = await ctx.mem.import(text.value, { mode: mode.value as 'merge' | 'empty' });
    summary.textContent = `imported ${r.imported}, skipped ${r.skipped} (${r.mode})`;
    summary.dataset.imported = String(r.imported);
    summary.dataset.skipped = String(r.skipped);
    await ctx.reloadList();
  };
  const bar = document.createElement('div');
  bar.className = 'row';
  bar.append(
    button('Export', exportAll, ctx.showError),
    link,
    mode,
    button('Import', importText, ctx.showError),
  );
  bar.children[0]!.id = 'export-button';
  bar.children[3]!.id = 'import-button';
  el.replaceChildren(bar, text, summary);
};
