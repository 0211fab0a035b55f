// Functions that chrome.scripting.executeScript runs inside a web page: each must be
// self-contained (it is serialized; no imports, no outer variables).

/** The page's selected text. */
export function readSelection(): string {
  return window.getSelection()?.toString() ?? '';
}

/** The page's title and its first paragraph of some length (40+ characters, cut at 1000). */
export function readPage(): { title: string; paragraph: string } {
  const paragraphs = Array.from(document.querySelectorAll('p'), (p) =>
    (p.textContent ?? '').replace(/\s+/g, ' ').trim(),
  );
  const first = paragraphs.find((t) => t.length >= 40) ?? '';
  return { title: document.title.trim(), paragraph: first.slice(0, 1000) };
}
