// The options page: page memory on or off, and its allow-list.
/// <reference types="chrome" />
import { loadSettings, saveSettings } from './settings';

const form = document.querySelector<HTMLFormElement>('#settings-form')!;
const enabled = document.querySelector<HTMLInputElement>('#page-memory')!;
const list = document.querySelector<HTMLTextAreaElement>('#allow-list')!;
const saved = document.querySelector<HTMLElement>('#saved')!;

const settings = await loadSettings();
enabled.checked = settings.pageMemory;
list.value = settings.allowList.join('\n');

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  void saveSettings({ pageMemory: enabled.checked, allowList: list.value.split('\n') }).then(
    (clean) => {
      list.value = clean.allowList.join('\n');
      saved.textContent = clean.pageMemory
        ? `Saved: pages of ${clean.allowList.length} site(s) are remembered.`
        : 'Saved: page memory is off.';
    },
  );
});
