import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMonthlyClose } from '../../client/close';
import { approveAllWaiting, approveDraft, waitingDrafts } from '../../client/drafts';
import { failedCustomers, rerunCustomers } from '../../client/rerun';
import { closeRunsOf } from '../../store/close-runs';
import { countByState, periodStatus } from '../../client/status';
import { approveAllSignal, progressQuery } from '../../contracts/close-messages';
import { closeWorkflowId } from '../../contracts/workflow-ids';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedPrices, uid } from '../support/seed';
import { waitFor } from '../support/wait';
import { maybeRecordHistory } from '../support/histories';
import { approvalsIn, closeRunOf, closeRunsIn, invoicesIn } from '../support/queries';

// A whole period on the real dev server: a few hundred customers, bounded concurrency,
// continue-as-new, approve-all as a signal and as a command, and a re-run after a data fix.

const PERIOD = '2025-03'; // a daylight-saving month
const FINANCE = 'Anna Ekonom';
const CUSTOMERS = 200;
const MAX_CONCURRENT = 40;

let h: CloseHarness;
let ids: string[];
let broken: string;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2025-04-01T07:00:00+02:00'), maxConcurrentCloses: MAX_CONCURRENT });
  await seedPrices(h.db);
  await h.db('partners').insert({ partner_id: 'P-TEST', name: 'Partner P-TEST' });
  ids = Array.from({ length: CUSTOMERS }, () => uid('M')).sort();
  broken = ids[17];
  await h.db.batchInsert(
    'customers',
    ids.map((id) => ({
      customer_id: id,
      name: `Kund ${id} AB`,
      org_number: '556123-4567',
      vat_number: id === broken ? null : 'SE556123456701',
      billing_email: `admin@${id.toLowerCase()}.example`,
      street: 'Storgatan 1',
      postal_code: '411 38',
      city: 'Göteborg',
      country: 'SE',
      partner_id: 'P-TEST',
      monthly_billing_from: '2025-01-01',
    })),
    500,
  );
  await h.db.batchInsert(
    'usage_events',
    ids.flatMap((id, i) => [
      { event_id: `${id}-m`, customer_id: id, occurred_at: new Date('2025-02-01T09:00:00+01:00'), subject_type: 'module', subject_id: 'smart', action: 'activated', role: null as string | null },
      { event_id: `${id}-u`, customer_id: id, occurred_at: new Date('2025-03-10T09:00:00+01:00'), subject_type: 'user', subject_id: 'u1', action: 'activated', role: i % 2 ? 'portal_user' : 'superuser' },
    ]),
    1000,
  );
}, 120_000);
afterAll(async () => h?.close());

/** The run a workflow id started with (the later ones continued it as new). */
async function firstRunId(workflowId: string): Promise<string> {
  const runs: { runId: string; startTime: Date }[] = [];
  for await (const run of h.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())[0]!.runId;
}

describe('monthlyClose of a whole period', () => {
  it('closes every customer once, with bounded concurrency and continue-as-new, and approve-all', async () => {
    const { handle } = await startMonthlyClose(h.client, h.settings, PERIOD, { childrenPerRun: 60, pageSize: 50 });

    // Approve-all as a signal while the close is still running: the drafts waiting now.
    await waitFor(async () => (await closeRunsIn(h.db, PERIOD, 'awaiting_approval')).length >= 10, 120_000, 'first drafts');
    // Every draft here is a first invoice (flagged), so approve-all must include flagged ones.
    await handle.signal(approveAllSignal, { by: FINANCE, includeFlagged: true });

    // The progress a person watches is consistent at every moment: never more at rest than started.
    const inconsistent: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const p = await handle.query(progressQuery).catch(() => null);
        if (p && p.atRest > p.started) inconsistent.push(`${p.atRest} at rest of ${p.started} started`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const progress = await handle.result().finally(() => (watching = false));
    await watcher;
    expect(inconsistent).toEqual([]);
    // The first run ends by continuing as new; the last one completes.
    await maybeRecordHistory(h.client, handle.workflowId, 'monthly-close-first-run', await firstRunId(handle.workflowId));
    await maybeRecordHistory(h.client, handle.workflowId, 'monthly-close-last-run');
    expect(progress.started).toBe(CUSTOMERS);
    expect(progress.atRest).toBe(CUSTOMERS);
    expect(progress.runs).toBeGreaterThanOrEqual(4); // 200 children at 60 per run
    expect(progress.peakInFlight).toBeLessThanOrEqual(MAX_CONCURRENT);
    expect(progress.peakInFlight).toBeGreaterThan(1);

    const approvedBySignal = await approvalsIn(h.db, PERIOD);
    expect(approvedBySignal.length).toBeGreaterThanOrEqual(10);
    expect(approvedBySignal.every((a) => a.via === 'approve_all')).toBe(true); // its real channel

    // The rest, as `drafts approve --all` does it.
    // Every good customer's draft is either approved (by the signal) or waiting now.
    const waiting = (await waitingDrafts(h.db, PERIOD)).map((d) => d.customerId);
    const approvedNow = await approvalsIn(h.db, PERIOD);
    expect(waiting.length + approvedNow.length).toBe(CUSTOMERS - 1);
    expect(waiting.length).toBeGreaterThan(0);
    // First invoices are flagged (first_invoice): a bulk approval must include them explicitly.
    const decisions = await approveAllWaiting(h.db, h.client, PERIOD, FINANCE, { includeFlagged: true });
    expect(decisions.map((d) => d.customerId)).toEqual(waiting);
    expect(decisions.map((d) => d.outcome)).toEqual(waiting.map(() => 'approved'));
    await waitFor(async () => countByState(await periodStatus(await closeRunsOf(h.db, PERIOD), h.client, PERIOD)).final === CUSTOMERS - 1, 180_000, 'every good customer final');

    const status = await periodStatus(await closeRunsOf(h.db, PERIOD), h.client, PERIOD);
    const failed = status.customers.filter((c) => c.state === 'failed');
    expect(failed.map((f) => f.customer_id)).toEqual([broken]);
    expect(failed[0].reason).toMatch(/no VAT number/);
    expect(await invoicesIn(h.db, PERIOD)).toHaveLength(CUSTOMERS - 1);
    const approvals = await approvalsIn(h.db, PERIOD);
    expect(approvals).toHaveLength(CUSTOMERS - 1);
    expect(new Set(approvals.map((a) => a.customer_id)).size).toBe(CUSTOMERS - 1);

    // A child tells the monthly close of its rest from its phase step, not by a signal command,
    // whose completion would wake it for one more workflow task: the monthly close above
    // completed, so it heard every child.
    const child = h.client.workflow.getHandle(closeWorkflowId(PERIOD, waiting[0]!));
    await child.result();
    const events = (await child.fetchHistory()).events ?? [];
    const bySignalCommand = events.filter((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes || e.externalWorkflowExecutionSignaledEventAttributes);
    expect(bySignalCommand).toEqual([]);
    await maybeRecordHistory(h.client, child.workflowId, 'customer-close-child-of-monthly');
  }, 600_000);

  it('re-runs the failed customer after its data is fixed, without touching the others', async () => {
    await h.db('customers').where({ customer_id: broken }).update({ vat_number: 'SE556123456701' });
    expect(await failedCustomers(await closeRunsOf(h.db, PERIOD), h.client, PERIOD)).toEqual([broken]);
    const reruns = await rerunCustomers(h.client, h.settings, PERIOD, [broken]);
    expect(reruns).toEqual([{ customerId: broken, outcome: 'started' }]);
    await waitFor(async () => (await closeRunOf(h.db, broken, PERIOD)).state === 'awaiting_approval', 60_000, 're-run draft');
    await approveDraft(h.client, PERIOD, broken, FINANCE);
    await waitFor(async () => (await closeRunOf(h.db, broken, PERIOD)).state === 'final', 60_000, 're-run final');

    const invoices = await invoicesIn(h.db, PERIOD);
    expect(invoices).toHaveLength(CUSTOMERS);
    expect(new Set(invoices.map((i) => i.customer_id)).size).toBe(CUSTOMERS);
    const numbers = invoices.map((i) => i.number);
    expect(numbers).toEqual(numbers.map((_, i) => h.config.firstInvoiceNumber + i));
    // Starting the whole period again issues nothing new.
    const { handle } = await startMonthlyClose(h.client, h.settings, PERIOD, { childrenPerRun: 60, pageSize: 50 });
    await handle.result();
    expect(await invoicesIn(h.db, PERIOD)).toHaveLength(CUSTOMERS);
  }, 600_000);
});
