import { expect, test } from 'vitest';
import {
  dateWords,
  hasTimeIntent,
  mentionsTime,
  parseTimeWindows,
  windowFit,
} from '../../src/retrieval/time';

const NOW = Date.UTC(2023, 9, 15); // 15 Oct 2023
const span = (q: string) =>
  parseTimeWindows(q, NOW).map((w) => [
    new Date(w.start).toISOString().slice(0, 10),
    new Date(w.end).toISOString().slice(0, 10),
  ]);

test('dates, months, years, seasons and relative phrases become windows', () => {
  expect(span('What did she do in May 2023?')).toEqual([['2023-05-01', '2023-06-01']]);
  expect(span('Who did Maria have dinner with on May 3, 2023?')).toEqual([
    ['2023-05-03', '2023-05-04'],
  ]);
  expect(span('What happened in 2022?')).toEqual([['2022-01-01', '2023-01-01']]);
  expect(span('What did he do last May?')).toEqual([['2023-05-01', '2023-06-01']]);
  expect(span('When did they go camping in November?')).toEqual([['2022-11-01', '2022-12-01']]);
  expect(span('Trips during the summer of 2022')).toEqual([['2022-06-01', '2022-09-01']]);
  expect(span('What did they do last year?')).toEqual([['2022-01-01', '2023-01-01']]);
  expect(span('What is her favourite colour?')).toEqual([]);
});

test('time intent and time mentions', () => {
  expect(hasTimeIntent('When did Caroline go to the support group?')).toBe(true);
  expect(hasTimeIntent('How long has Melanie been painting?')).toBe(true);
  expect(hasTimeIntent('What does Melanie paint?')).toBe(false);
  expect(mentionsTime('I went to a support group yesterday')).toBe(true);
  expect(mentionsTime('Last Saturday we ran a charity race')).toBe(true);
  expect(mentionsTime('I love painting sunsets')).toBe(false);
});

test('window fit decays outside the window; event dates as words', () => {
  const [w] = parseTimeWindows('in June 2023', NOW);
  expect(windowFit(Date.UTC(2023, 5, 10), [w!])).toBe(1);
  expect(windowFit(Date.UTC(2023, 6, 8), [w!])).toBeCloseTo(0.5, 5);
  expect(windowFit(Date.UTC(2023, 6, 8), [])).toBe(0);
  expect(dateWords(Date.UTC(2023, 4, 8, 13, 56))).toBe('8 May 2023');
});
