// Billing periods: calendar months in Europe/Stockholm, as half-open UTC instants.
// Pure: calendar arithmetic is done on integers (no Date quirks for small years);
// Intl is used only to read the Stockholm wall clock of an instant.

import type { Refusal } from './refusals';

export const BILLING_TIME_ZONE = 'Europe/Stockholm';

const MS_PER_DAY = 86_400_000;
/** Periods before this year are refused as typos (the product did not exist). */
const MIN_YEAR = 2000;
/** The last year a period can have; a later one is a typo (the imports refuse dates after it too). */
export const MAX_PERIOD_YEAR = 2999;

export interface Period {
  id: string; // YYYY-MM
  year: number;
  month: number; // 1..12
  startMs: number; // UTC ms of the 1st, 00:00 Stockholm
  endMs: number; // UTC ms of the 1st of the next month, 00:00 Stockholm (exclusive)
  firstDay: string; // YYYY-MM-DD
  lastDay: string; // YYYY-MM-DD
  daysInMonth: number;
}

export class PeriodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeriodError';
  }
}

// ---------------------------------------------------------------- calendar (pure integers)

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
function civilFromDays(z: number): { y: number; m: number; d: number } {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d };
}

/** Quotes an input for an error message; JSON-quotes it when it has spaces or odd characters. */
function quote(text: unknown): string {
  if (typeof text !== 'string') return String(text);
  return /^[\x21-\x26\x28-\x7e]*$/.test(text) ? `'${text}'` : JSON.stringify(text);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatDate(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/** Parses a strict YYYY-MM-DD calendar date; throws PeriodError naming the input. */
export function parseDate(date: string): { year: number; month: number; day: number } {
  const m = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!m) throw new PeriodError(`date ${quote(date)}: not in the form YYYY-MM-DD`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) throw new PeriodError(`date '${date}': month must be 01-12; write YYYY-MM-DD`);
  if (day < 1 || day > daysInMonth(year, month)) {
    throw new PeriodError(`date '${date}': day must be 01-${daysInMonth(year, month)}; write YYYY-MM-DD`);
  }
  return { year, month, day };
}

export function isValidDate(date: string): boolean {
  try {
    parseDate(date);
    return true;
  } catch {
    return false;
  }
}

/** Pure calendar arithmetic on YYYY-MM-DD strings (no time zones involved). */
export function addDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new PeriodError(`addDays: n must be an integer, got ${n}`);
  const { year, month, day } = parseDate(date);
  const c = civilFromDays(daysFromCivil(year, month, day) + n);
  return formatDate(c.y, c.m, c.d);
}

/** Number of calendar days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  const a = parseDate(from);
  const b = parseDate(to);
  return daysFromCivil(b.year, b.month, b.day) - daysFromCivil(a.year, a.month, a.day);
}

// ---------------------------------------------------------------- Stockholm wall clock (Intl)

let stockholmFormat: Intl.DateTimeFormat | undefined;

function wallClock(ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  // Created lazily and reused: constructing a DateTimeFormat is costly.
  stockholmFormat ??= new Intl.DateTimeFormat('en-US', {
    timeZone: BILLING_TIME_ZONE,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts: Record<string, number> = {};
  for (const p of stockholmFormat.formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return { y: parts.year!, m: parts.month!, d: parts.day!, h: parts.hour!, mi: parts.minute!, s: parts.second! };
}

function assertInstant(ms: number, what: string): void {
  if (!Number.isFinite(ms)) throw new PeriodError(`${what}: not a finite instant (${ms})`);
}

/** Stockholm UTC offset (local − UTC, in ms) at the instant. */
function offsetMs(ms: number): number {
  const w = wallClock(ms);
  const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
  return (daysFromCivil(w.y, w.m, w.d) * 86_400 + w.h * 3600 + w.mi * 60 + w.s) * 1000 - wholeSecond;
}

/** Stockholm's UTC offset (local − UTC) in minutes at the instant: 60, or 120 in summer time. */
export function stockholmOffsetMinutes(ms: number): number {
  return Math.round(offsetMs(ms) / 60_000);
}

/** The Stockholm calendar date (YYYY-MM-DD) of an instant. */
export function stockholmDate(ms: number): string {
  assertInstant(ms, 'stockholmDate');
  const w = wallClock(ms);
  return formatDate(w.y, w.m, w.d);
}

/** UTC ms of 00:00 Stockholm on the given date. */
export function stockholmMidnightMs(date: string): number {
  const { year, month, day } = parseDate(date);
  const localAsUtc = daysFromCivil(year, month, day) * MS_PER_DAY;
  // Two passes: the offset at the first guess may differ from the offset at midnight
  // when a DST change lies between them. Midnight itself is never skipped in Stockholm
  // (changes happen at 02:00/03:00), so this converges.
  let t = localAsUtc - offsetMs(localAsUtc);
  t = localAsUtc - offsetMs(t);
  const w = wallClock(t);
  if (formatDate(w.y, w.m, w.d) !== date || w.h !== 0 || w.mi !== 0 || w.s !== 0) {
    throw new PeriodError(`date '${date}': 00:00 does not exist in ${BILLING_TIME_ZONE}`);
  }
  return t;
}

// ---------------------------------------------------------------- periods

function makePeriod(year: number, month: number): Period {
  if (year < MIN_YEAR || year > 9999) {
    throw new PeriodError(`period '${pad(year, 4)}-${pad(month, 2)}': year must be ${MIN_YEAR}-9999`);
  }
  const id = `${pad(year, 4)}-${pad(month, 2)}`;
  const days = daysInMonth(year, month);
  const firstDay = `${id}-01`;
  const lastDay = `${id}-${pad(days, 2)}`;
  const nextFirst = addDays(lastDay, 1);
  return {
    id,
    year,
    month,
    startMs: stockholmMidnightMs(firstDay),
    endMs: stockholmMidnightMs(nextFirst),
    firstDay,
    lastDay,
    daysInMonth: days,
  };
}

/** Parses a strict `YYYY-MM` period id. */
export function parsePeriod(text: string): Period {
  const m = typeof text === 'string' ? /^(\d{4})-(\d{2})$/.exec(text) : null;
  if (!m) throw new PeriodError(`period ${quote(text)}: not in the form YYYY-MM (e.g. 2024-11)`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  if (month < 1 || month > 12) throw new PeriodError(`period '${text}': month must be 01-12; write YYYY-MM`);
  if (year < MIN_YEAR) throw new PeriodError(`period '${text}': year must be ${MIN_YEAR} or later; write YYYY-MM`);
  // Its end (the next month's first day) must be a date too: 9999-12 would end in year 10000.
  if (year > MAX_PERIOD_YEAR) throw new PeriodError(`period '${text}': year must be ${MAX_PERIOD_YEAR} or earlier; write YYYY-MM`);
  return makePeriod(year, month);
}

/** The Stockholm month that contains the instant. */
export function periodContaining(ms: number): Period {
  assertInstant(ms, 'periodContaining');
  return parsePeriod(stockholmDate(ms).slice(0, 7));
}

function toPeriod(p: Period | string): Period {
  return typeof p === 'string' ? parsePeriod(p) : p;
}

export function previousPeriod(p: Period | string): Period {
  const { year, month } = toPeriod(p);
  return month === 1 ? makePeriod(year - 1, 12) : makePeriod(year, month - 1);
}

export function nextPeriod(p: Period | string): Period {
  const { year, month } = toPeriod(p);
  return month === 12 ? makePeriod(year + 1, 1) : makePeriod(year, month + 1);
}

// ---------------------------------------------------------------- which periods can be closed

/** True once the period's last Stockholm day is over (billing-rules.md: only an ended month is closed). */
export function periodHasEnded(p: Period | string, nowMs: number): boolean {
  assertInstant(nowMs, 'periodHasEnded');
  return nowMs >= toPeriod(p).endMs;
}

/** Why the period cannot be closed yet at `nowMs`, or null when it has ended. One text for every path. */
export function periodNotEndedReason(p: Period | string, nowMs: number): string | null {
  return periodNotEnded(p, nowMs)?.cli ?? null;
}

/** The same with its facts, for the console's Swedish (billing/refusal-sv.ts). */
export function periodNotEnded(p: Period | string, nowMs: number): Extract<Refusal, { code: 'period_not_ended' }> | null {
  const period = toPeriod(p);
  if (periodHasEnded(period, nowMs)) return null;
  const future = nowMs < period.startMs;
  const closableFrom = addDays(period.lastDay, 1);
  const cli =
    `period ${period.id} ${future ? 'is in the future' : 'is still in progress'}: only a month that has ended (in ${BILLING_TIME_ZONE}) can be closed or invoiced; ` +
    `${period.id} can be closed from ${closableFrom} 00:00. Use 'month-close preview --customer ID --period ${period.id}' to see it so far`;
  return { code: 'period_not_ended', period: period.id, future, closableFrom, cli };
}

/** Throws PeriodError unless the period has ended at `nowMs`. */
export function assertPeriodEnded(p: Period | string, nowMs: number): void {
  const reason = periodNotEndedReason(p, nowMs);
  if (reason !== null) throw new PeriodError(reason);
}
