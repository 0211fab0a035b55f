// The extension's page-memory allow-list: what counts as a listed site.
import { describe, expect, test } from 'vitest';
import { isAllowed, parseAllowList } from '../../examples/extension/src/settings';

describe('parseAllowList', () => {
  test('keeps host names as typed lines give them, lower case, once', () => {
    expect(
      parseAllowList([
        ' https://Example.com/blog?x=1 ',
        '*.wikipedia.org',
        'localhost:5173',
        'example.com.',
        '',
        '   ',
        'EXAMPLE.com',
      ]),
    ).toEqual(['example.com', 'wikipedia.org', 'localhost']);
  });
});

describe('isAllowed', () => {
  const list = ['example.com', '127.0.0.1'];
  test('a listed host and its subdomains, any port and path', () => {
    expect(isAllowed('https://example.com/a', list)).toBe(true);
    expect(isAllowed('http://docs.example.com:8080/b?c', list)).toBe(true);
    expect(isAllowed('http://127.0.0.1:4000/glaciers.html', list)).toBe(true);
  });
  test('not a host that only ends with the same letters, nor another host', () => {
    expect(isAllowed('https://notexample.com/', list)).toBe(false);
    expect(isAllowed('https://example.com.evil.net/', list)).toBe(false);
    expect(isAllowed('http://localhost:4000/', list)).toBe(false);
  });
  test('only web pages: not extension, file or browser pages, nor a malformed URL', () => {
    expect(isAllowed('chrome-extension://example.com/popup.html', list)).toBe(false);
    expect(isAllowed('file:///example.com/x.html', list)).toBe(false);
    expect(isAllowed('not a url', list)).toBe(false);
  });
  test('an empty list allows nothing', () => {
    expect(isAllowed('https://example.com/', [])).toBe(false);
  });
});
