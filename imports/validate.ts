// Field checks shared by the importers. Each returns a reason (string) or null when fine.

import { NOT_A_COUNTRY } from '../billing/vat-number';
import { luhnValid } from '../billing/ocr';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

// Billing dates and event times must fall in these years. 2000 is the first year a period
// can have (billing/period.ts); anything before it or after 2999 is a typo, and some of it
// (year 0) PostgreSQL cannot even store, which used to abort the whole file.
export const MIN_YEAR = 2000;
export const MAX_YEAR = 2999;
const YEARS = `the years ${MIN_YEAR}-${MAX_YEAR}`;

/** Characters of a value a message shows; the rest is summarised by its length. */
const SHOWN_CHARS = 60;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A value as a message quotes it: in double quotes, on one line (control characters as
 * \uXXXX), cut after 60 characters so a stray 10,000-character cell cannot flood the output.
 */
export function quote(value: string): string {
  const { text, length } = cut(value);
  return length === null ? `"${text}"` : `"${text}…" (${length} characters)`;
}

/** A row's key for a report: as it is when it could be a key, else cut like quote(). */
export function shortKey(key: string): string {
  if (key.length <= MAX_KEY_CHARS && !CONTROL.test(key)) return key;
  const { text, length } = cut(key);
  return length === null ? text : `${text}… (${length} characters)`;
}
const MAX_KEY_CHARS = 200; // the longest event id there is

function cut(value: string): { text: string; length: number | null } {
  const chars = [...value];
  const long = chars.length > SHOWN_CHARS;
  const text = (long ? chars.slice(0, SHOWN_CHARS).join('') : value).replace(
    new RegExp(CONTROL.source, 'g'),
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return { text, length: long ? chars.length : null };
}

/** A customer or partner id: letters, digits, '_', '.', '-', at most 64, not starting with a sign. */
export function checkId(column: string, value: string): string | null {
  if (value === '') return `${column} is empty`;
  if (!ID_PATTERN.test(value)) return `${column} ${quote(value)} is malformed: use letters, digits, '_', '.' or '-' (at most 64)`;
  return null;
}

export function checkRequired(column: string, value: string): string | null {
  return value === '' ? `${column} is empty` : null;
}

/** Required text of at most `max` characters (names and addresses end up on the invoice). */
export function checkText(column: string, value: string, max: number): string | null {
  if (value === '') return `${column} is empty`;
  const length = [...value].length;
  return length > max ? `${column} is ${length} characters long: at most ${max}` : null;
}

/**
 * The first value with a control character (a line break, a tab, …), or null. Values go
 * into invoices, e-mail headers and one-line logs, where such a character breaks the layout
 * or means something else; a cell with Alt+Enter in a spreadsheet is the usual source.
 */
export function checkOneLine(columns: readonly string[], values: Readonly<Record<string, string>>): string | null {
  for (const column of columns) {
    const value = values[column] ?? '';
    const m = CONTROL.exec(value);
    if (!m) continue;
    const code = m[0].charCodeAt(0);
    const what =
      m[0] === '\n' || m[0] === '\r' || code === 0x2028 || code === 0x2029
        ? 'a line break'
        : m[0] === '\t'
          ? 'a tab'
          : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return `${column} contains ${what} (after ${quote(value.slice(0, m.index))}): a value must be one line of text`;
  }
  return null;
}

// Master data of customers and partners.

// Lengths that fit an invoice's address block; longer is a shifted or merged column.
export const MAX_NAME = 200;
export const MAX_CITY = 100;

/** The value when it can be a country code, else null (see checkCountry for why). */
export function countryCode(value: string): string | null {
  return /^[A-Z]{2}$/.test(value) && !NOT_A_COUNTRY[value] ? value : null;
}

export function checkCountry(value: string): string | null {
  if (countryCode(value)) return null;
  const alias = NOT_A_COUNTRY[value];
  if (alias) return `country ${quote(value)} is not a country code: ${alias}`;
  return `country ${quote(value)} is not an ISO 3166 two-letter code in capitals (e.g. SE)`;
}

export function checkOrgNumber(value: string, swedish: boolean): string | null {
  if (!swedish) return checkText('org_number', value, 40); // other countries' company numbers have no common format
  if (value === '') return 'org_number is empty';
  if (!/^\d{6}-\d{4}$/.test(value)) return `org_number ${quote(value)} is not a Swedish organisation number (NNNNNN-NNNN)`;
  if (!luhnValid(value.replace('-', ''))) return `org_number ${quote(value)} has a wrong check digit`;
  return null;
}

export function checkPostalCode(value: string, swedish: boolean): string | null {
  if (!swedish) return checkText('postal_code', value, 20);
  if (value === '') return 'postal_code is empty';
  return /^\d{3} ?\d{2}$/.test(value) ? null : `postal_code ${quote(value)} is not a Swedish postal code (NNN NN)`;
}

export function checkEmail(column: string, value: string): string | null {
  if (value === '') return `${column} is empty`;
  return /^[^\s@,;<>]+@[^\s@,;<>]+\.[A-Za-z]{2,}$/.test(value) && value.length <= 254
    ? null
    : `${column} ${quote(value)} is not an e-mail address`;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate(); // day 0 of the next month
}

/** A real calendar date written YYYY-MM-DD (2024-02-30 is not one). */
export function isRealDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function yearInRange(year: number): boolean {
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/** A required date YYYY-MM-DD in the years 2000-2999. */
export function checkDate(column: string, value: string): string | null {
  if (value === '') return `${column} is empty`;
  return checkOptionalDate(column, value);
}

/** Like checkDate, but empty is fine. */
export function checkOptionalDate(column: string, value: string): string | null {
  if (value === '') return null;
  if (!isRealDate(value)) return `${column} ${quote(value)} is not a date (YYYY-MM-DD)`;
  if (!yearInRange(Number(value.slice(0, 4)))) return `${column} ${quote(value)} is out of range: dates must be in ${YEARS}`;
  return null;
}

/**
 * A whole number written with digits only (no sign, decimals, spaces or exponent) in
 * [min, max]. The bounds keep every value inside its column and exact as a JS number.
 */
export function checkCount(column: string, value: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): string | null {
  if (value === '') return `${column} is empty`;
  if (!/^\d+$/.test(value)) return `${column} ${quote(value)} is not a whole number of digits only`;
  const n = Number(value);
  if (n < min) return `${column} ${value} is too small: at least ${min}`;
  if (n > max) return `${column} ${quote(value)} is too large: at most ${max}`;
  return null;
}

export type IsoTime = { ok: true; epochMs: number } | { ok: false; reason: string };

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * ISO 8601 date and time with Z or an offset, in the years 2000-2999; a time without a
 * zone is ambiguous and refused.
 */
export function parseIsoTime(column: string, value: string): IsoTime {
  const m = ISO_TIME.exec(value);
  if (!m) {
    const space = ISO_TIME.test(value.replace(' ', 'T')) ? ': write a T between the date and the time' : ' (e.g. 2024-11-01T10:00:00Z)';
    return { ok: false, reason: `${column} ${quote(value)} is not an ISO 8601 time${space}` };
  }
  if (!m[8]) return { ok: false, reason: `${column} ${quote(value)} has no time zone: add Z or an offset such as +01:00` };
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const zone = m[8];
  const offsetHours = zone === 'Z' ? 0 : Number(zone.slice(1, 3));
  const offsetMinutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  const real =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 14 && offsetMinutes <= 59;
  if (!real) return { ok: false, reason: `${column} ${quote(value)} is not a valid date and time` };
  if (!yearInRange(year)) return { ok: false, reason: `${column} ${quote(value)} is out of range: times must be in ${YEARS}` };
  const sign = zone.startsWith('-') ? -1 : 1;
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, fraction) - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { ok: true, epochMs };
}
