// The service worker: Chrome suspends it when idle, so it keeps no engine state. It registers
// the context menu, the keyboard command and the page listener, and routes every request to
// the engine in the offscreen document (creating that document when it is not there).
/// <reference types="chrome" />
import { failure, isEnvelope, type EngineRequest, type Envelope, type Reply } from './messages';
import { readPage, readSelection } from './page-reading';
import { isAllowed, loadSettings } from './settings';

const MENU_ID = 'remember-selection';
const COMMAND = 'remember-selection';
const OFFSCREEN_URL = 'offscreen.html';

let creating: Promise<void> | undefined;

/** Creates the offscreen document unless it exists (only one may). */
async function ensureOffscreen(): Promise<void> {
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [chrome.runtime.getURL(OFFSCREEN_URL)],
  });
  if (contexts.length > 0) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_URL,
      reasons: [chrome.offscreen.Reason.WORKERS],
      justification: 'Hosts the Engram memory engine (its Worker, IndexedDB store and model).',
    })
    .finally(() => (creating = undefined));
  await creating;
}

/** How often a request is sent again when no engine listened (the document was still starting). */
const DELIVERY_TRIES = 5;

/** True for the error Chrome gives when no extension page listened to a message. */
function undelivered(e: unknown): boolean {
  return e instanceof Error && /Receiving end does not exist/i.test(e.message);
}

/** Passes a request on to the engine and returns its reply. */
async function route(request: EngineRequest): Promise<Reply<unknown>> {
  const envelope: Envelope = { to: 'engine', request };
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureOffscreen();
      const reply = (await chrome.runtime.sendMessage(envelope)) as Reply<unknown> | undefined;
      return reply ?? failure(new Error('the offscreen document did not answer'));
    } catch (e) {
      // Nobody received it, so nothing was done: safe to send again once the document is up.
      if (!undelivered(e) || attempt === DELIVERY_TRIES) return failure(e);
      console.warn(`engram: request ${request.op} not delivered (try ${attempt}), sending again`);
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/** Remembers `text` selected in `tab`; shows ✓ on the toolbar button when stored. */
async function rememberSelection(
  text: string,
  tab: chrome.tabs.Tab | undefined,
): Promise<Reply<unknown>> {
  const reply = await route({
    op: 'remember',
    kind: 'selection',
    text,
    url: tab?.url ?? '',
    title: tab?.title ?? '',
  });
  if (tab?.id !== undefined)
    await chrome.action
      .setBadgeText({ tabId: tab.id, text: reply.ok && reply.value ? '✓' : '' })
      .catch(() => {});
  return reply;
}

/** The context menu's handler ("Remember selection"): Chrome gives the selected text. */
async function onMenuClicked(
  info: chrome.contextMenus.OnClickData,
  tab?: chrome.tabs.Tab,
): Promise<Reply<unknown> | undefined> {
  if (info.menuItemId !== MENU_ID || !info.selectionText) return undefined;
  return rememberSelection(info.selectionText, tab);
}

/** The keyboard command's handler: reads the selection from the page (activeTab grants it). */
async function onCommand(
  command: string,
  tab?: chrome.tabs.Tab,
): Promise<Reply<unknown> | undefined> {
  if (command !== COMMAND || tab?.id === undefined) return undefined;
  const [frame] = await chrome.scripting.executeScript({
    target: { tabId: tab.id },
    func: readSelection,
  });
  const text = typeof frame?.result === 'string' ? frame.result : '';
  if (!text.trim()) return undefined;
  return rememberSelection(text, tab);
}

/** Opt-in page memory: a page of an allow-listed site that finished loading. */
async function onTabUpdated(
  tabId: number,
  change: { status?: string },
  tab: chrome.tabs.Tab,
): Promise<void> {
  if (change.status !== 'complete' || !tab.url) return;
  const settings = await loadSettings();
  if (!settings.pageMemory || !isAllowed(tab.url, settings.allowList)) return;
  const [frame] = await chrome.scripting.executeScript({ target: { tabId }, func: readPage });
  const page = frame?.result;
  if (!page?.paragraph) return;
  const title = page.title || tab.title || tab.url;
  await route({
    op: 'remember',
    kind: 'page',
    text: `${title}\n${page.paragraph}`,
    url: tab.url,
    title,
  });
}

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: 'Remember selection', contexts: ['selection'] });
  void ensureOffscreen();
});
chrome.contextMenus.onClicked.addListener((info, tab) => void onMenuClicked(info, tab));
chrome.commands.onCommand.addListener((command, tab) => void onCommand(command, tab));
chrome.tabs.onUpdated.addListener((tabId, change, tab) => void onTabUpdated(tabId, change, tab));
chrome.runtime.onMessage.addListener((msg: unknown, _sender, sendResponse) => {
  if (!isEnvelope(msg, 'router')) return false;
  void route(msg.request).then(sendResponse);
  return true; // answers asynchronously
});

/** The handlers of the context menu and the keyboard command, as `globalThis.engramExtension`. */
export interface ExtensionHandlers {
  onMenuClicked: typeof onMenuClicked;
  onCommand: typeof onCommand;
}

/**
 * The handlers Chrome calls, reachable from DevTools (and the extension's test, which cannot
 * click a context menu): `await engramExtension.onCommand('remember-selection', tab)`.
 */
const handlers: ExtensionHandlers = { onMenuClicked, onCommand };
Object.assign(globalThis, { engramExtension: handlers });
