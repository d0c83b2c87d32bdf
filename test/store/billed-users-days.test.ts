import { describe, expect, it } from 'vitest';
import { parsePeriod, stockholmMidnightMs } from '../../billing';
import { activeDays } from '../../store/billed-users';

// Active days as a customer admin reads them: Stockholm calendar days touched by the user's
// active intervals inside the counted part of the month, up to the stated time.

const at = (iso: string) => new Date(iso).getTime();

describe('activeDays', () => {
  const october = parsePeriod('2024-10');
  it('counts Stockholm days, across the change to winter time, and only inside the window', () => {
    // Active 2024-10-26 23:30 to 2024-10-28 00:30 Stockholm (the clocks went back on the 27th): three days.
    expect(activeDays([{ from: at('2024-10-26T23:30:00+02:00'), to: at('2024-10-28T00:30:00+01:00') }], october.startMs, october.endMs)).toBe(3);
    // An interval that began before the month counts from the 1st; one still open counts to the window's end.
    expect(activeDays([{ from: at('2024-09-20T10:00:00+02:00'), to: Number.POSITIVE_INFINITY }], october.startMs, stockholmMidnightMs('2024-10-06'))).toBe(5);
  });

  it('counts a day once when a user left and came back on it, and nothing before a pro rata start', () => {
    const twice = [
      { from: at('2024-10-10T08:00:00+02:00'), to: at('2024-10-10T09:00:00+02:00') },
      { from: at('2024-10-10T15:00:00+02:00'), to: at('2024-10-11T00:00:00+02:00') },
    ];
    expect(activeDays(twice, october.startMs, october.endMs)).toBe(1);
    expect(activeDays(twice, stockholmMidnightMs('2024-10-16'), october.endMs)).toBe(0);
  });
});
