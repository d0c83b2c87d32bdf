import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodContaining, previousPeriod } from '../../billing';
import { createSchedule, deleteSchedule, describeSchedule, triggerSchedule } from '../../client/schedule';
import { monthlyCloseWorkflowId } from '../../workflows/ids';
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
  it('runs on the 1st at 06:00 Stockholm time and, when triggered, closes the month before the scheduled time', async () => {
    const expected = previousPeriod(periodContaining(Date.now())).id;
    const ids = [await seedCustomer(h.db), await seedCustomer(h.db)];
    for (const id of ids) await seedEvents(h.db, id, [{ at: `${expected}-05T10:00:00Z`, type: 'module', id: 'smart', action: 'activated' }]);

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
    const monthly = h.client.workflow.getHandle(monthlyCloseWorkflowId(expected));
    await waitFor(async () => (await monthly.describe()).status.name === 'COMPLETED', 60_000, 'the triggered monthly close');
    await maybeRecordHistory(h.client, monthly.workflowId, 'monthly-close-scheduled');
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
