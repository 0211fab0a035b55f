// Small DOM helpers shared by the playground and its inspector panels.

/** The element with this id. */
export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Appends an `<li>` with this HTML (escape what the user wrote: {@link escape}). */
export function item(parent: HTMLElement, html: string): HTMLLIElement {
  const li = document.createElement('li');
  li.innerHTML = html;
  parent.append(li);
  return li;
}

/** Text made safe for innerHTML. */
export const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A time as `YYYY-MM-DD HH:MM` UTC (the same in every time zone, so tests can read it). */
export const when = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

/** The first words of a memory, for labels. */
export const short = (s: string, n = 28) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes, appended to `parent` when given. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  parent?.append(el);
  return el;
}

/** A button that runs `action`, reporting a failure through `onError`. */
export function button(
  label: string,
  action: () => Promise<void> | void,
  onError: (e: unknown) => void,
): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.onclick = () => void Promise.resolve().then(action).catch(onError);
  return b;
}

/** A line of muted text (e.g. "select a memory"). */
export function note(parent: HTMLElement, text: string): void {
  const p = document.createElement('p');
  p.className = 'meta';
  p.textContent = text;
  parent.append(p);
}
