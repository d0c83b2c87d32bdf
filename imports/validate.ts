// Field checks shared by the importers. Each returns a reason (string) or null when fine.

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** A customer or partner id: letters, digits, '_', '.', '-', at most 64, not starting with a sign. */
export function checkId(column: string, value: string): string | null {
  if (value === '') return `${column} is empty`;
  if (!ID_PATTERN.test(value)) return `${column} "${value}" is malformed: use letters, digits, '_', '.' or '-' (at most 64)`;
  return null;
}

export function checkRequired(column: string, value: string): string | null {
  return value === '' ? `${column} is empty` : null;
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

export function checkDate(column: string, value: string): string | null {
  if (value === '') return `${column} is empty`;
  return isRealDate(value) ? null : `${column} "${value}" is not a date (YYYY-MM-DD)`;
}

/** A non-negative integer written with digits only: no sign, decimals, spaces or exponent. */
export function checkCount(column: string, value: string, max = Number.MAX_SAFE_INTEGER): string | null {
  if (value === '') return `${column} is empty`;
  if (!/^\d+$/.test(value)) return `${column} "${value}" is not a whole number of digits only`;
  if (Number(value) > max) return `${column} ${value} is too large`;
  return null;
}

/** Luhn (mod 10) over all digits, as used for Swedish organisation and personal numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

export type IsoTime = { ok: true; epochMs: number } | { ok: false; reason: string };

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO 8601 date and time with Z or an offset; a time without a zone is ambiguous and refused. */
export function parseIsoTime(column: string, value: string): IsoTime {
  const m = ISO_TIME.exec(value);
  if (!m) return { ok: false, reason: `${column} "${value}" is not an ISO 8601 time (e.g. 2024-11-01T10:00:00Z)` };
  if (!m[8]) return { ok: false, reason: `${column} "${value}" has no time zone: add Z or an offset such as +01:00` };
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const zone = m[8];
  const offsetHours = zone === 'Z' ? 0 : Number(zone.slice(1, 3));
  const offsetMinutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  const real =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) &&
    hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 14 && offsetMinutes <= 59;
  if (!real) return { ok: false, reason: `${column} "${value}" is not a valid date and time` };
  const sign = zone.startsWith('-') ? -1 : 1;
  const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
  const epochMs = Date.UTC(year, month - 1, day, hour, minute, second, fraction) - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return { ok: true, epochMs };
}
