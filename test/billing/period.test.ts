import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  addDays,
  assertPeriodEnded,
  periodHasEnded,
  periodNotEndedReason,
  daysBetween,
  nextPeriod,
  parsePeriod,
  PeriodError,
  periodContaining,
  previousPeriod,
  stockholmDate,
  stockholmMidnightMs,
} from '../../billing/period';

const HOUR = 3_600_000;

describe('parsePeriod', () => {
  it('builds November 2024 as [2024-10-31T23:00Z, 2024-11-30T23:00Z)', () => {
    const p = parsePeriod('2024-11');
    expect(p).toEqual({
      id: '2024-11',
      year: 2024,
      month: 11,
      startMs: Date.parse('2024-10-31T23:00:00Z'),
      endMs: Date.parse('2024-11-30T23:00:00Z'),
      firstDay: '2024-11-01',
      lastDay: '2024-11-30',
      daysInMonth: 30,
    });
  });

  it('uses summer time (UTC+2) for a summer month', () => {
    const p = parsePeriod('2024-07');
    expect(new Date(p.startMs).toISOString()).toBe('2024-06-30T22:00:00.000Z');
    expect(new Date(p.endMs).toISOString()).toBe('2024-07-31T22:00:00.000Z');
  });

  it('October 2024 is 745 hours and March 2025 is 743 hours (DST)', () => {
    const oct = parsePeriod('2024-10');
    const mar = parsePeriod('2025-03');
    expect((oct.endMs - oct.startMs) / HOUR).toBe(745);
    expect((mar.endMs - mar.startMs) / HOUR).toBe(743);
    expect((parsePeriod('2024-11').endMs - parsePeriod('2024-11').startMs) / HOUR).toBe(720);
  });

  it('knows leap years', () => {
    expect(parsePeriod('2024-02').daysInMonth).toBe(29);
    expect(parsePeriod('2024-02').lastDay).toBe('2024-02-29');
    expect(parsePeriod('2025-02').daysInMonth).toBe(28);
    expect(parsePeriod('2100-02').daysInMonth).toBe(28);
    expect(parsePeriod('2000-02').daysInMonth).toBe(29);
  });

  it.each([
    ['2025-13', "period '2025-13': month must be 01-12; write YYYY-MM"],
    ['2025-00', "period '2025-00': month must be 01-12; write YYYY-MM"],
    ['2025-3', "period '2025-3': not in the form YYYY-MM (e.g. 2024-11)"],
    ['25-03', "period '25-03': not in the form YYYY-MM (e.g. 2024-11)"],
    [' 2025-03', 'period " 2025-03": not in the form YYYY-MM (e.g. 2024-11)'],
    ['2025-03 ', 'period "2025-03 ": not in the form YYYY-MM (e.g. 2024-11)'],
    ['2025/03', "period '2025/03': not in the form YYYY-MM (e.g. 2024-11)"],
    ['2025-03-01', "period '2025-03-01': not in the form YYYY-MM (e.g. 2024-11)"],
    ['', "period '': not in the form YYYY-MM (e.g. 2024-11)"],
    ['２０２５-03', 'period "２０２５-03": not in the form YYYY-MM (e.g. 2024-11)'],
    ['1999-12', "period '1999-12': year must be 2000 or later; write YYYY-MM"],
  ])('rejects %j', (input, message) => {
    expect(() => parsePeriod(input)).toThrow(PeriodError);
    expect(() => parsePeriod(input)).toThrow(message);
  });

  it('rejects non-strings', () => {
    expect(() => parsePeriod(202503 as unknown as string)).toThrow(PeriodError);
  });
});

describe('periodContaining', () => {
  it('puts 00:00 on the 1st in the new month and one ms before in the old one', () => {
    const nov = parsePeriod('2024-11');
    expect(periodContaining(nov.startMs).id).toBe('2024-11');
    expect(periodContaining(nov.startMs - 1).id).toBe('2024-10');
    expect(periodContaining(nov.endMs - 1).id).toBe('2024-11');
    expect(periodContaining(nov.endMs).id).toBe('2024-12');
  });

  it('uses Stockholm, not UTC: 2024-10-31T23:30Z is already November', () => {
    expect(periodContaining(Date.parse('2024-10-31T23:30:00Z')).id).toBe('2024-11');
    expect(periodContaining(Date.parse('2024-06-30T22:30:00Z')).id).toBe('2024-07');
  });

  it('contains the instant for random instants 2000-2100', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2099-12-01T00:00:00Z') }), (ms) => {
        const p = periodContaining(ms);
        return p.startMs <= ms && ms < p.endMs && stockholmDate(ms).startsWith(p.id);
      }),
      { numRuns: 300 },
    );
  });
});

describe('previousPeriod / nextPeriod', () => {
  it('cross year boundaries and accept ids or periods', () => {
    expect(previousPeriod('2025-01').id).toBe('2024-12');
    expect(nextPeriod('2024-12').id).toBe('2025-01');
    expect(nextPeriod(parsePeriod('2024-02')).id).toBe('2024-03');
    expect(previousPeriod(parsePeriod('2024-03')).id).toBe('2024-02');
  });

  it('tile time without gaps or overlaps', () => {
    let p = parsePeriod('2023-01');
    for (let i = 0; i < 36; i++) {
      const n = nextPeriod(p);
      expect(n.startMs).toBe(p.endMs);
      expect(previousPeriod(n)).toEqual(p);
      p = n;
    }
  });

  it('refuses bad input', () => {
    expect(() => nextPeriod('2024-13')).toThrow(PeriodError);
  });
});

describe('stockholmDate / stockholmMidnightMs', () => {
  it('converts midnights both sides of DST changes', () => {
    expect(new Date(stockholmMidnightMs('2025-03-30')).toISOString()).toBe('2025-03-29T23:00:00.000Z'); // CET
    expect(new Date(stockholmMidnightMs('2025-03-31')).toISOString()).toBe('2025-03-30T22:00:00.000Z'); // CEST
    expect(new Date(stockholmMidnightMs('2024-10-27')).toISOString()).toBe('2024-10-26T22:00:00.000Z'); // CEST
    expect(new Date(stockholmMidnightMs('2024-10-28')).toISOString()).toBe('2024-10-27T23:00:00.000Z'); // CET
  });

  it('has 23- and 25-hour days', () => {
    expect(stockholmMidnightMs('2025-03-31') - stockholmMidnightMs('2025-03-30')).toBe(23 * HOUR);
    expect(stockholmMidnightMs('2024-10-28') - stockholmMidnightMs('2024-10-27')).toBe(25 * HOUR);
  });

  it('reads the local date of an instant', () => {
    expect(stockholmDate(Date.parse('2024-11-30T22:59:59.999Z'))).toBe('2024-11-30');
    expect(stockholmDate(Date.parse('2024-11-30T23:00:00.000Z'))).toBe('2024-12-01');
    expect(stockholmDate(Date.parse('2024-07-31T21:59:59.999Z'))).toBe('2024-07-31');
    expect(stockholmDate(Date.parse('2024-07-31T22:00:00.000Z'))).toBe('2024-08-01');
  });

  it('round-trips every day for random dates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 * 80 }), (n) => {
        const date = addDays('2000-01-01', n);
        const ms = stockholmMidnightMs(date);
        return stockholmDate(ms) === date && stockholmDate(ms - 1) === addDays(date, -1);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed dates', () => {
    expect(() => stockholmMidnightMs('2024-02-30')).toThrow("date '2024-02-30': day must be 01-29");
    expect(() => stockholmMidnightMs('2024-2-03')).toThrow(PeriodError);
    expect(() => stockholmDate(Number.NaN)).toThrow(PeriodError);
  });
});

describe('addDays', () => {
  it('does calendar arithmetic', () => {
    expect(addDays('2024-11-15', 1)).toBe('2024-11-16');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-03-31', 0)).toBe('2024-03-31');
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01'); // no Date.UTC two-digit-year trap
  });

  it('agrees with Date.UTC arithmetic and daysBetween', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: -5000, max: 5000 }), (start, n) => {
        const base = new Date(Date.UTC(1950, 0, 1 + start)).toISOString().slice(0, 10);
        const expected = new Date(Date.UTC(1950, 0, 1 + start + n)).toISOString().slice(0, 10);
        return addDays(base, n) === expected && daysBetween(base, expected) === n;
      }),
      { numRuns: 500 },
    );
  });

  it('rejects non-integer n and bad dates', () => {
    expect(() => addDays('2024-01-01', 1.5)).toThrow(PeriodError);
    expect(() => addDays('2024-13-01', 1)).toThrow("date '2024-13-01': month must be 01-12");
  });
});

describe('which periods can be closed (added 2026-12)', () => {
  const oct = parsePeriod('2024-10'); // ends 2024-11-01 00:00 CET = 2024-10-31T23:00Z (DST ended on 27 Oct)

  it('a period has ended from 00:00 Stockholm on the 1st of the next month, not a millisecond earlier', () => {
    expect(oct.endMs).toBe(Date.parse('2024-10-31T23:00:00Z'));
    expect(periodHasEnded(oct, oct.endMs - 1)).toBe(false);
    expect(periodHasEnded(oct, oct.endMs)).toBe(true);
    expect(periodHasEnded('2024-06', Date.parse('2024-06-30T22:00:00Z'))).toBe(true); // 00:00 CEST on 1 July
    expect(periodHasEnded('2024-06', Date.parse('2024-06-30T21:59:59.999Z'))).toBe(false);
  });

  it('says why, names the month and when it can be closed, and points to preview', () => {
    expect(periodNotEndedReason(oct, oct.endMs)).toBeNull();
    expect(periodNotEndedReason(oct, oct.startMs + 1)).toBe(
      "period 2024-10 is still in progress: only a month that has ended (in Europe/Stockholm) can be closed or invoiced; " +
        "2024-10 can be closed from 2024-11-01 00:00. Use 'month-close preview --customer ID --period 2024-10' to see it so far",
    );
    expect(periodNotEndedReason('2027-06', Date.parse('2026-12-01T07:00:00Z'))).toMatch(/^period 2027-06 is in the future: /);
    expect(() => assertPeriodEnded('2027-06', Date.parse('2026-12-01T07:00:00Z'))).toThrow(PeriodError);
    expect(() => assertPeriodEnded('2026-11', Date.parse('2026-12-01T07:00:00Z'))).not.toThrow();
  });
});
