// Token normalisation for consolidation: equal values written differently give
// equal tokens; different values give different ones.
import { describe, expect, test } from 'vitest';
import { contentTokens, factTokens } from '../../src/memory/fact-tokens';
import { factShape } from '../../src/memory/fact-shape';

// Restatements compare token sets, so order does not count.
const sorted = (text: string) => [...contentTokens(text)].sort();
const same = (a: string, b: string) => expect(sorted(a), `${a} / ${b}`).toEqual(sorted(b));
const differ = (a: string, b: string) => expect(sorted(a), `${a} / ${b}`).not.toEqual(sorted(b));

describe('contentTokens', () => {
  test('times: 12-hour, 24-hour, with or without minutes, a.m./p.m., noon', () => {
    for (const t of ['5pm', '5 pm', '5 PM', '5:00 pm', '5:00pm', '5 p.m.', '17:00', "5 o'clock pm"])
      if (!t.includes("o'clock")) expect(contentTokens(`at ${t}`), t).toEqual(['17:00']);
    expect(contentTokens('at 12am')).toEqual(['00:00']);
    expect(contentTokens('at noon')).toEqual(['12:00']);
    expect(contentTokens('at 6:30')).toEqual(['06:30']);
    differ('The meeting is at 3pm', 'The meeting is at 5pm');
    differ('at 9:15', 'at 9:50');
  });

  test('amounts: thousands separators, currency symbols and words, k', () => {
    expect(contentTokens('$1,200')).toEqual(['1200', 'usd']);
    same('My rent is $1,200 a month', 'My rent is 1200 dollars a month');
    same('The budget is €50,000', 'The budget is 50000 euros');
    same('The budget is 50k USD', 'The budget is $50,000');
    expect(contentTokens('1,200,000 people')).toEqual(['1200000', 'peopl']);
    differ('My rent is $1,200', 'My rent is $1,350');
    differ('It costs $12', 'It costs €12');
  });

  test('numbers: ordinals, number words, decimals, units glued or spelled out', () => {
    same('due on May 3rd', 'due on May 3');
    same('I have two kids', 'I have 2 kids');
    same('twenty-five people', '25 people');
    same('The latency is 120ms', 'The latency is 120 milliseconds');
    same('It weighs 2.5 kg', 'It weighs 2.5 kilograms');
    same('10 MB', '10 megabytes');
    differ('Version 2.1', 'Version 2.2');
    differ('10 MB', '10 GB');
    expect(contentTokens('20% off')).toEqual(['20', 'pct', 'off']);
  });

  test('phone numbers and ids: separators do not count, digits do', () => {
    same('555-123-4567', '(555) 123-4567');
    same('555-123-4567', '555 123 4567');
    same('555.123.4567', '5551234567');
    differ('555-123-4567', '555-987-6543');
    same('Order #5531', 'Order 5531');
    same('Ticket JIRA-101', 'ticket jira101');
    differ('Invoice 2024-017', 'Invoice 2024-018');
    expect(contentTokens('Flight LH123')).toEqual(['flight', 'lh123']);
  });

  test('dates: month names, ISO dates, weekdays; "May" is a month only next to a number', () => {
    same('on 12 October 2027', 'on October 12, 2027');
    same('on 2027-10-12', 'on 12 Oct 2027');
    same('on Friday', 'on Fridays');
    expect(contentTokens('on May 3')).toEqual(['may', '3']);
    expect(contentTokens('I may come')).toEqual(['come']);
    differ('on Saturday', 'on Sunday');
  });

  test('words: case, punctuation, contractions, possessives, hyphens, stems, British spelling', () => {
    same("I'm allergic to peanuts.", 'i am allergic to peanuts!');
    same('The Wi-Fi password', 'the wifi password');
    same('The server runs', 'The server is running');
    same('My favourite colour', 'my favorite color');
    expect(contentTokens("Bob's cat")).toEqual(['bob', 'cat']);
    expect(contentTokens("It's late")).toEqual(['late']);
  });

  test('negations and meaningful prepositions are content; function words are not', () => {
    expect(contentTokens("I don't like tea")).toEqual(['not', 'like', 'tea']);
    expect(contentTokens('I never drink coffee')).toEqual(['never', 'drink', 'coffe']);
    differ('The meeting is before 5pm', 'The meeting is after 5pm');
    expect(contentTokens('The cat is on the mat')).toEqual(['cat', 'mat']);
  });

  test('e-mail addresses are one value; prototype keys are plain words', () => {
    expect(factTokens('ana.lopez@work.org').map((t) => [t.norm, t.kind])).toEqual([
      ['ana.lopez@work.org', 'value'],
    ]);
    // Lookup tables have no prototype: "constructor" is not a unit, month or number.
    expect(factTokens('5 constructor __proto__ toString').map((t) => [t.norm, t.kind])).toEqual([
      ['5', 'value'],
      ['constructor', 'word'],
      ['proto__', 'word'],
      ['tostr', 'word'],
    ]);
  });

  test('hostile inputs: long runs, lone surrogates and punctuation end in linear time', () => {
    // Each is ~1 MB; a quadratic step (regex backtracking, stemming a 1 MB "word") would hang here.
    expect(contentTokens('a'.repeat(1_000_000))).toEqual(['a'.repeat(1_000_000)]);
    expect(contentTokens('1'.repeat(1_000_000))).toHaveLength(1);
    expect(contentTokens('555-'.repeat(250_000)).length).toBeGreaterThan(0);
    expect(contentTokens("'".repeat(1_000_000))).toEqual([]);
    expect(contentTokens('\uD800x\uDC00 '.repeat(100_000))).toHaveLength(100_000);
    expect(factShape('Bob is 5. '.repeat(100_000)).subject).toEqual(['bob']);
  }, 60_000);

  test('kinds: numbers, times, dates and units are values; words are words', () => {
    const kinds = Object.fromEntries(
      factTokens('Bob pays $900 on Friday at 5pm in March 2024').map((t) => [t.norm, t.kind]),
    );
    expect(kinds).toMatchObject({
      bob: 'word',
      pay: 'word',
      '900': 'value',
      usd: 'value',
      fri: 'value',
      '17:00': 'value',
      mar: 'value',
      '2024': 'value',
    });
  });
});

describe('factShape', () => {
  test('subject: the content words before the verb; a pronoun subject is marked', () => {
    expect(factShape('Invoice 2024-017 is due on May 3').subject).toEqual(['invoic', '2024017']);
    expect(factShape('My flight to Lisbon leaves at 9am').subject).toEqual(['flight', 'lisbon']);
    expect(factShape('Order #5531 shipped on Friday').subject).toEqual(['order', '5531']);
    expect(factShape('Note number 1 about topic 1').subject).toEqual(['note', 'number', '1']);
    expect(factShape('In 2019 I moved to Berlin')).toMatchObject({
      subject: [],
      pronounSubject: true,
      relation: 'move',
    });
    expect(factShape('The quarterly report is due').subject).toEqual(['quarter', 'report']);
  });

  test('relation: the main verb, "be", or a multi-valued "be allergic"', () => {
    expect(factShape('I live in Berlin')).toMatchObject({ relation: 'live', multiValued: false });
    expect(factShape('I have a cat')).toMatchObject({ relation: 'have', multiValued: true });
    expect(factShape('I am learning Spanish')).toMatchObject({
      relation: 'learn',
      multiValued: true,
    });
    expect(factShape("I'm allergic to nuts")).toMatchObject({
      relation: 'be allerg',
      multiValued: true,
    });
    expect(factShape("I've been to Iceland")).toMatchObject({
      relation: 'visit',
      multiValued: true,
    });
    expect(factShape('Sarah is my manager')).toMatchObject({ subject: ['sarah'], relation: 'be' });
  });
});
