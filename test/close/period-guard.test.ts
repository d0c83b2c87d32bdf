import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { periodContaining, PeriodError } from '../../billing/period';
import { startCustomerClose, startMonthlyClose } from '../../client/close';
import type { CustomerCloseInput, MonthlyCloseInput } from '../../contracts/close-messages';
import { approveUpdate, statusQuery } from '../../contracts/close-messages';
import { Failure } from '../../contracts/failures';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCustomer, seedEvents, seedPrices, uid, workedExampleEvents } from '../support/seed';
import { maybeRecordHistory } from '../support/histories';
import { waitFor } from '../support/wait';
import { closeRunOf, draftsOf, invoicesOf } from '../support/queries';

// billing-rules.md "Which periods can be closed" (added 2026-12): the current or a future month
// is refused on every path: the clients, the workflows themselves (for any other client), and
// finalisation (for drafts made before the check existed).

const FINANCE = 'Anna Ekonom';
let h: CloseHarness;

beforeAll(async () => {
  // The activities' clock says 20 November 2024: November has not ended for them.
  h = await createCloseHarness({ now: () => new Date('2024-11-20T10:00:00+01:00') });
  await seedPrices(h.db);
});
afterAll(async () => h?.close());

/** The business failure type a failed workflow ended with (unwrapping CloseFailed's cause chain). */
async function failureOf(handle: WorkflowHandle): Promise<{ type: string | undefined; message: string }> {
  const err = await handle.result().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: (cause as ApplicationFailure).type ?? undefined, message: (cause as ApplicationFailure).message };
}

function rawInput(customerId: string, period: string): CustomerCloseInput {
  return { customerId, period, approvers: h.settings.approvers, reminderIntervalMs: h.settings.reminderIntervalMs, reportTo: null };
}

describe('a month that has not ended is never closed', () => {
  const current = periodContaining(Date.now()).id;

  it('the clients refuse the current and a future month before starting anything', async () => {
    const customerId = await seedCustomer(h.db);
    await expect(startCustomerClose(h.client, h.settings, customerId, current)).rejects.toThrow(PeriodError);
    await expect(startCustomerClose(h.client, h.settings, customerId, '2099-06')).rejects.toThrow(/period 2099-06 is in the future/);
    await expect(startMonthlyClose(h.client, h.settings, '2099-06')).rejects.toThrow(PeriodError);
    const started = await h.client.workflow.count(`CustomerId = "${customerId}"`);
    expect(started.count).toBe(0);
  });

  it('a customer close started by another client for a future month ends at once, issuing and recording nothing', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const handle = await h.client.workflow.start('customerClose', {
      workflowId: `close-2099-06-${customerId}`,
      taskQueue: h.config.taskQueue,
      args: [rawInput(customerId, '2099-06')],
    });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(Failure.PeriodNotEnded);
    expect(failure.message).toMatch(/^period 2099-06 is in the future: only a month that has ended/);
    expect(await closeRunOf(h.db, customerId, '2099-06')).toBeUndefined();
    expect(await draftsOf(h.db, customerId)).toHaveLength(0);
    expect(await invoicesOf(h.db, customerId)).toHaveLength(0);
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-period-not-ended');
  });

  it('a monthly close started by another client for the current month starts no customer', async () => {
    const customerId = await seedCustomer(h.db);
    const input: MonthlyCloseInput = { period: current, approvers: h.settings.approvers, reminderIntervalMs: h.settings.reminderIntervalMs, maxConcurrent: 4 };
    const handle = await h.client.workflow.start('monthlyClose', { workflowId: uid(`monthly-${current}`), taskQueue: h.config.taskQueue, args: [input] });
    expect((await failureOf(handle)).type).toBe(Failure.PeriodNotEnded);
    expect(await closeRunOf(h.db, customerId, current)).toBeUndefined();
  });

  it('an approved draft of a month that has not ended takes no number: the close fails with the reason', async () => {
    // The workflow's clock (2026) lets November 2024 be drafted; the activities' clock (20 Nov 2024)
    // stands for a draft made before the check existed and approved while the month still runs.
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, '2024-11');
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval', 60_000, 'draft awaiting approval');
    const series = await h.db('invoice_number_series').select('*');
    await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE }] });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(Failure.CloseFailed);
    expect(failure.message).toMatch(/period 2024-11 is still in progress/);
    const state = await closeRunOf(h.db, customerId, '2024-11');
    expect(state.state).toBe('failed');
    expect(state.reason).toMatch(/period 2024-11 is still in progress/);
    expect(await invoicesOf(h.db, customerId)).toHaveLength(0);
    expect(await h.db('invoice_number_series').select('*')).toEqual(series); // no number taken
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-finalise-refused');
  }, 90_000);
});

describe('a close of a customer that does not exist', () => {
  it('ends with the reason instead of retrying forever', async () => {
    const handle = await h.client.workflow.start('customerClose', {
      workflowId: uid('close-2024-11-NOPE'),
      taskQueue: h.config.taskQueue,
      args: [rawInput(uid('NOPE'), '2024-11')],
    });
    const failure = await failureOf(handle);
    expect(failure.type).toBe(Failure.CloseFailed);
    // The remedy follows the reason (contracts/failures.ts).
    expect(failure.message).toMatch(/failed: unknown customer "(NOPE-[0-9a-f]+)"\. Import it with 'month-close customers import FILE', then 'month-close close rerun --period 2024-11 --customer \1'$/);
  }, 60_000);
});
