// The built-in redactor: e-mail addresses, phone numbers and payment card numbers (those
// that pass the Luhn check) become placeholders before anything is stored.
import type { AdmitDecision } from './admission';

/** What {@link redactText} replaced, by kind. */
export interface Redaction {
  text: string;
  emails: number;
  phones: number;
  cards: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d+-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
// An optional +country code, an optional (area) code, then 2–5 groups of digits joined by
// space, dot or dash; or one run of 7–15 digits after a +.
const PHONE =
  /(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,8}){1,4}(?![\w-])|\+\d{7,15}(?!\d)/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when the digits pass the Luhn checksum (every card number does; 1 in 10 others). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function looksLikePhone(match: string): boolean {
  const digits = match.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  if (ISO_DATE.test(match)) return false;
  // Plain grouped numbers need a phone-like shape: a + or (area code), or 3+ groups.
  return /^[+(]/.test(match) || match.split(/[ .-]/).length >= 3;
}

/**
 * Replaces e-mail addresses with `[email]`, card numbers (13–19 digits, Luhn-valid) with
 * `[card]` and phone numbers (7–15 digits in a phone-like shape) with `[phone]`.
 */
export function redactText(text: string): Redaction {
  let emails = 0;
  let phones = 0;
  let cards = 0;
  let out = text.replace(EMAIL, () => (emails++, '[email]'));
  out = out.replace(CARD, (m) => {
    if (!luhnValid(m.replace(/\D/g, ''))) return m;
    cards++;
    return '[card]';
  });
  out = out.replace(PHONE, (m) => {
    if (!looksLikePhone(m)) return m;
    phones++;
    return '[phone]';
  });
  return { text: out, emails, phones, cards };
}

/**
 * The built-in admission hook: redacts e-mail addresses, phone numbers and card numbers,
 * accepts everything else as it is.
 * @example
 * const mem = await Engram.open({ name: 'assistant', admit: redactPersonalData });
 * await mem.add('Mail me at ada@example.com'); // stored: 'Mail me at [email]'
 */
export function redactPersonalData(fact: string): AdmitDecision {
  const r = redactText(fact);
  return r.emails + r.phones + r.cards > 0 ? { redact: r.text } : 'accept';
}
