import { parsePeriod, periodContaining, previousPeriod } from '../billing';

/** The month before `period` (YYYY-MM). */
export function previousPeriodId(period: string): string {
  return previousPeriod(period).id;
}

/** The month finance and operators work on by default: the one that ended last. */
export function lastEndedPeriod(nowMs: number): string {
  return previousPeriod(periodContaining(nowMs)).id;
}

/** A period from a URL, or null when it is not YYYY-MM. */
export function periodParam(text: string): string | null {
  try {
    return parsePeriod(text).id;
  } catch {
    return null;
  }
}

/** The months around `period` for navigation: a year back, and forward up to the last ended one. */
export function periodNav(period: string, nowMs: number): { current: string; previous: string; next: string | null; months: string[] } {
  const last = lastEndedPeriod(nowMs);
  const months: string[] = [];
  let m = last > period ? last : period;
  for (let i = 0; i < 13; i++, m = previousPeriodId(m)) months.push(m);
  // A period further back than the picker's year is still the one selected.
  if (!months.includes(period)) months.push(period);
  months.sort().reverse();
  const next = period < last ? parsePeriod(nextMonth(period)).id : null;
  return { current: period, previous: previousPeriodId(period), next, months };
}

function nextMonth(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}
