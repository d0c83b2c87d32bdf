import { describe, expect, it } from 'vitest';
import { ageingBucket, receivable } from '../../billing/receivable';

// The receivable rules the CLI, the ledger, the reminders and (restated in SQL, held equal by
// test/store/receivables-page.test.ts) the console's Kundfordringar share.

describe('receivable', () => {
  const today = '2026-03-31';
  it('remaining, overpaid and days overdue from total, credits and payments', () => {
    expect(receivable({ totalOre: 10_000, creditedOre: 0, paidOre: 0, dueDate: '2026-03-01', today })).toEqual({ remainingOre: 10_000, overpaidOre: 0, daysOverdue: 30, status: 'overdue' });
    expect(receivable({ totalOre: 10_000, creditedOre: -4_000, paidOre: 1_000, dueDate: '2026-04-30', today })).toEqual({ remainingOre: 5_000, overpaidOre: 0, daysOverdue: 0, status: 'partly_paid' });
    expect(receivable({ totalOre: 10_000, creditedOre: 0, paidOre: 12_000, dueDate: '2026-03-01', today })).toEqual({ remainingOre: 0, overpaidOre: 2_000, daysOverdue: 0, status: 'overpaid' });
    // Paid, then credited in full: everything paid is the customer's.
    expect(receivable({ totalOre: 10_000, creditedOre: -10_000, paidOre: 10_000, dueDate: '2026-03-01', today })).toEqual({ remainingOre: 0, overpaidOre: 10_000, daysOverdue: 0, status: 'overpaid' });
    expect(receivable({ totalOre: 10_000, creditedOre: -10_000, paidOre: 0, dueDate: '2026-03-01', today }).status).toBe('credited');
    // Due today is not overdue.
    expect(receivable({ totalOre: 10_000, creditedOre: -1, paidOre: 0, dueDate: today, today })).toMatchObject({ daysOverdue: 0, status: 'partly_credited' });
  });

  it('ages by the last day of each bucket', () => {
    const edges: [number, string][] = [[0, 'not_due'], [1, '1-30'], [30, '1-30'], [31, '31-60'], [60, '31-60'], [61, '61-90'], [90, '61-90'], [91, 'over_90'], [10_000, 'over_90']];
    for (const [days, bucket] of edges) expect(ageingBucket(days), String(days)).toBe(bucket);
  });
});
