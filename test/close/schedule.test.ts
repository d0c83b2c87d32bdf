import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchedule, deleteSchedule, describeSchedule, triggerSchedule } from '../../client/schedule';
import { monthlyCloseWorkflowId } from '../../contracts/workflow-ids';
import { periodToClose } from '../../workflows/scheduled-close';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices } from '../support/seed';
import { waitFor } from '../support/wait';
import { maybeRecordHistory } from '../support/histories';

// The monthly Temporal Schedule on the real dev server: created, described and triggered once.

let h: CloseHarness;
beforeAll(async () => {
  h = await createCloseHarness();
  await seedPrices(h.db);
});
afterAll(async () => {
  await deleteSchedule(h.client).catch(() => undefined);
  await h?.close();
});

describe('the monthly schedule', () => {
  it('closes the month before the scheduled time, in Stockholm time, whenever the run happens', () => {
    expect(periodToClose(new Date('2024-12-01T06:00:00+01:00'))).toBe('2024-11');
    // Around midnight on the 1st: Stockholm's date decides, not UTC's.
    expect(periodToClose(new Date('2024-11-30T23:30:00Z'))).toBe('2024-11'); // 00:30 on 1 December in Stockholm
    expect(periodToClose(new Date('2024-11-30T22:59:59.999Z'))).toBe('2024-10'); // 23:59:59.999 on 30 November
    expect(periodToClose(new Date('2025-03-31T22:00:00Z'))).toBe('2025-03'); // 00:00 on 1 April, summer time
    expect(periodToClose(new Date('2025-01-01T05:00:00Z'))).toBe('2024-12'); // across the year
    expect(periodToClose(new Date('2024-12-07T06:00:00+01:00'))).toBe('2024-11'); // caught up 6 days late
  });

  it('runs on the 1st at 06:00 Stockholm time and, when triggered, closes the month before the scheduled time', async () => {
    // Active long before and ever since: billable whichever month the trigger closes.
    const ids = [await seedCustomer(h.db), await seedCustomer(h.db)];
    for (const id of ids) await seedEvents(h.db, id, [{ at: '2024-01-05T10:00:00Z', type: 'module', id: 'smart', action: 'activated' }]);

    expect(await createSchedule(h.client, h.settings)).toBe('created');
    expect(await createSchedule(h.client, h.settings)).toBe('exists');
    const d = await describeSchedule(h.client);
    expect(d?.timezone).toBe('Europe/Stockholm');
    expect(d!.next_runs.length).toBeGreaterThan(0);
    for (const run of d!.next_runs) {
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', day: 'numeric', hour: 'numeric', minute: 'numeric' }).format(new Date(run));
      expect(local).toBe('1 06:00');
    }

    await triggerSchedule(h.client);
    // The period follows from the time the schedule gave the run, not from this test's clock.
    await waitFor(async () => (await describeSchedule(h.client))!.recent_runs.length === 1, 30_000, 'the triggered run');
    const [run] = (await describeSchedule(h.client))!.recent_runs;
    const expected = periodToClose(new Date(run!.scheduled_at));
    const monthly = h.client.workflow.getHandle(monthlyCloseWorkflowId(expected));
    await waitFor(async () => (await monthly.describe()).status.name === 'COMPLETED', 60_000, 'the triggered monthly close');
    await maybeRecordHistory(h.client, monthly.workflowId, 'monthly-close-scheduled');
    await waitFor(async () => (await h.client.workflow.getHandle(run!.workflow_id).describe()).status.name === 'COMPLETED', 30_000, 'the scheduled run');
    await maybeRecordHistory(h.client, run!.workflow_id, 'scheduled-monthly-close');
    const runs = await h.db('close_runs').whereIn('customer_id', ids);
    expect(runs.map((r) => [r.period, r.state])).toEqual([
      [expected, 'awaiting_approval'],
      [expected, 'awaiting_approval'],
    ]);
    const after = await describeSchedule(h.client);
    expect(after!.recent_runs).toHaveLength(1);
    expect(await deleteSchedule(h.client)).toBe('deleted');
    expect(await describeSchedule(h.client)).toBeNull();
  });
});
