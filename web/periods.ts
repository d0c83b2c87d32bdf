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
