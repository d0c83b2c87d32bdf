import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditRequestReads } from '../../store/credits';
import { closeRunsOf } from '../../store/close-runs';
import { startCustomerClose } from '../../client/close';
import { CreditRequestRefused, decideCredit, requestCredit } from '../../client/credit';
import { approveDraft } from '../../client/drafts';
import { periodStatus } from '../../client/status';
import { creditStatusQuery } from '../../contracts/credit-messages';
import { approveSignal, statusQuery } from '../../contracts/close-messages';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// Corrections that went wrong under an adversarial probe (issue 19), on the real dev server and
// PostgreSQL: a re-issue lost while the original close was still delivering; control characters
// in a credit reason; the requester approving its own credit; "approved" for a refused credit.

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';
let h: CloseHarness;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url, 'Partner P-TEST');
}, 120_000);
afterAll(async () => h?.close());

/** A customer of the worked example with its invoice for 2024-11 final (3 588 kr). */
async function invoicedCustomer(): Promise<{ customerId: string; number: string }> {
  const customerId = await seedCustomer(h.db);
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  await approveDraft(h.client, PERIOD, customerId, FINANCE);
  const summary = await handle.result();
  return { customerId, number: summary.invoiceNumber! };
}

async function approveWhenWaiting(workflowId: string, by = FINANCE) {
  const handle = h.client.workflow.getHandle(workflowId);
  await waitFor(async () => (await handle.query(creditStatusQuery)).state === 'awaiting_approval');
  return decideCredit(h.client, workflowId, { kind: 'approve', by });
}

describe('--reissue while the original close still runs', () => {
  it('waits for the close still delivering the invoice, then drafts anew; status shows the invoice credited, then replaced', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    // The partner's webhook answers 503: after approval the close keeps retrying invoice_final.
    h.webhook.failNext(100_000);
    const { handle: close } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    await waitFor(async () => (await close.query(statusQuery)).state === 'awaiting_approval');
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    await waitFor(async () => (await close.query(statusQuery)).invoiceNumber !== null);
    const number = (await close.query(statusQuery)).invoiceNumber!;
    await waitFor(() => h.webhook.requests.some((r) => r.body.includes(number)));
    const firstRun = (await close.describe()).runId;
    expect((await close.describe()).status.name).toBe('RUNNING');

    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'Olle Operatör', reason: 'fel antal användare', lines: null, reissue: true });
    expect((await approveWhenWaiting(started.workflowId)).outcome).toBe('approved');
    const credit = h.client.workflow.getHandle(started.workflowId);
    // The credit note is issued, but the re-issue waits for the old close and says so.
    await waitFor(async () => /waits for close-/.test((await credit.query(creditStatusQuery)).reason ?? ''), 30_000, 'the credit to say the re-issue waits');
    const waiting = await credit.query(creditStatusQuery);
    expect(waiting).toMatchObject({ state: 'final', reissueWorkflowId: null });
    expect(waiting.creditNoteNumber).toMatch(/^K\d+$/);
    expect((await credit.describe()).status.name).toBe('RUNNING');
    // close status: the invoice is no longer shown as a plain final one.
    const during = (await periodStatus(await closeRunsOf(h.db, PERIOD), h.client, PERIOD)).customers.find((c) => c.customer_id === customerId)!;
    expect(during).toMatchObject({ invoice_number: number, invoice_status: 'credited', credited_by: [waiting.creditNoteNumber] });

    // The webhook recovers: the old close completes, then the re-issue starts and drafts anew.
    h.webhook.failNext(0);
    const done = await credit.result();
    expect(done).toMatchObject({ state: 'final', reissueWorkflowId: `close-${PERIOD}-${customerId}`, reason: null });
    await waitFor(async () => (await close.describe()).runId !== firstRun, 60_000, 'a new run of the close');
    await waitFor(async () => (await h.client.workflow.getHandle(done.reissueWorkflowId!).query(statusQuery)).state === 'awaiting_approval', 60_000, 'draft of the re-issue');
    const drafts = await h.db('drafts').where({ customer_id: customerId, period: PERIOD }).orderBy('version').pluck('version');
    expect(drafts).toEqual([1, 2]);
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    const reissued = await h.client.workflow.getHandle(done.reissueWorkflowId!).result();
    expect(reissued.invoiceNumber).not.toBe(number);
    const after = (await periodStatus(await closeRunsOf(h.db, PERIOD), h.client, PERIOD)).customers.find((c) => c.customer_id === customerId)!;
    expect(after).toMatchObject({ state: 'final', invoice_number: reissued.invoiceNumber, invoice_status: 'live', replaces: number });
  }, 240_000);
});

describe('control characters in a credit reason', () => {
  it('are refused before anything is stored or issued, by the client and by the workflow for any other client', async () => {
    const { number } = await invoicedCustomer();
    const kBefore = await h.db('invoices').where({ kind: 'credit_note' }).count('* as n').first();
    const bad = { invoiceNumber: number, requestedBy: 'Olle Operatör', reason: 'line1\nline2\x07bell', lines: [{ article: 'smart' as const, quantity: 1 }], reissue: false };
    await expect(requestCredit(creditRequestReads(h.db), h.client, h.settings, bad)).rejects.toThrow(CreditRequestRefused);
    await expect(requestCredit(creditRequestReads(h.db), h.client, h.settings, bad)).rejects.toThrow(/--reason contains a line break \(U\+000A\) at character 6/);
    // A client that starts the workflow itself: the activity that stores the request refuses it.
    const direct = await h.client.workflow.start('creditNote', {
      workflowId: `credit-${number}-bad0bad0bad0`,
      taskQueue: h.settings.taskQueue,
      args: [{ ...bad, requestKey: 'bad0bad0bad0', approvers: h.settings.approvers, reminderIntervalMs: 3_600_000 }],
    });
    await expect(direct.result()).rejects.toThrow();
    expect(await direct.query(creditStatusQuery)).toMatchObject({ state: 'refused', creditNoteNumber: null, reason: expect.stringMatching(/--reason contains the control character U\+0007|--reason contains a line break/) });
    expect(await h.db('credit_requests').where({ request_key: 'bad0bad0bad0' }).first()).toBeUndefined();
    expect(await h.db('invoices').where({ kind: 'credit_note' }).count('* as n').first()).toEqual(kBefore);
  }, 120_000);
});

describe('segregation of duties for credit notes', () => {
  const BERTIL = 'Bertil Controller';

  it('the requester never approves, by update or by signal, whatever the case and spacing of the name', async () => {
    const { number } = await invoicedCustomer();
    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: BERTIL, reason: 'en användare för mycket', lines: [{ article: 'portal_user', quantity: 1 }], reissue: false });
    const credit = h.client.workflow.getHandle(started.workflowId);
    await waitFor(async () => (await credit.query(creditStatusQuery)).state === 'awaiting_approval');
    await expect(decideCredit(h.client, started.workflowId, { kind: 'approve', by: BERTIL })).rejects.toThrow(/Bertil Controller asked for this and may not approve it \(segregation of duties\): an approver other than Bertil Controller must/);
    await credit.signal(approveSignal, { by: BERTIL });
    await waitFor(async () => (await h.db('credit_approval_requests').where({ workflow_id: started.workflowId }).pluck('outcome')).some((o: string) => /refused \(signal\): Bertil Controller asked for this/.test(o)));
    expect((await credit.query(creditStatusQuery)).state).toBe('awaiting_approval');
    expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: FINANCE })).outcome).toBe('approved');
    expect((await credit.result()).state).toBe('final');
  }, 120_000);

  it('four eyes means two approvers other than the requester', async () => {
    const { number } = await invoicedCustomer();
    const policy = h.config.approvalPolicy;
    h.config.approvalPolicy = { ...policy, fourEyesAboveOre: 100_000 }; // the full credit (3 588 kr) needs two
    try {
      const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'bertil  controller', reason: 'hela fakturan', lines: null, reissue: false });
      const credit = h.client.workflow.getHandle(started.workflowId);
      await waitFor(async () => (await credit.query(creditStatusQuery)).state === 'awaiting_approval');
      expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: FINANCE })).outcome).toBe('needs_second');
      await expect(decideCredit(h.client, started.workflowId, { kind: 'approve', by: BERTIL })).rejects.toThrow(/may not approve it \(segregation of duties\): 2 approvers other than bertil  controller must/);
      expect((await credit.query(creditStatusQuery)).state).toBe('awaiting_approval');
      expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: 'finance-bot' })).outcome).toBe('approved');
      expect((await credit.result()).state).toBe('final');
      const approvers = await h.db('credit_approvals as a').join('credit_requests as r', 'r.id', 'a.credit_request_id').where('r.workflow_id', started.workflowId).orderBy('a.id').pluck('a.decided_by');
      expect(approvers).toEqual([FINANCE, 'finance-bot']);
    } finally {
      h.config.approvalPolicy = policy;
    }
  }, 120_000);
});

describe('credit-approve tells the real outcome', () => {
  it('an approval the issuing transaction refuses answers with the reason, and asking again gives it too', async () => {
    const { number } = await invoicedCustomer();
    const base = { invoiceNumber: number, requestedBy: 'Olle Operatör', reissue: false };
    const some = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { ...base, reason: 'superanvändaren', lines: [{ article: 'superuser', quantity: 1 }] });
    const all = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { ...base, reason: 'allt', lines: null });
    expect((await approveWhenWaiting(all.workflowId)).outcome).toBe('approved');
    await h.client.workflow.getHandle(all.workflowId).result();
    // The concurrent request would over-credit: not "approved", but the reason.
    await expect(approveWhenWaiting(some.workflowId)).rejects.toThrow(/approved, but the credit note was not issued: superuser: crediting 1 would credit more than/);
    // Asking again while the workflow ends, and after: the reason both times.
    await expect(decideCredit(h.client, some.workflowId, { kind: 'approve', by: FINANCE }, h.db)).rejects.toThrow(/refused: superuser: crediting 1 would credit more than/);
    await h.client.workflow.getHandle(some.workflowId).result().catch(() => undefined);
    await expect(decideCredit(h.client, some.workflowId, { kind: 'approve', by: FINANCE }, h.db)).rejects.toThrow(new RegExp(`${some.workflowId} was refused: superuser: crediting 1 would credit more than`));
    await expect(decideCredit(h.client, all.workflowId, { kind: 'approve', by: FINANCE }, h.db)).rejects.toThrow(/is already decided: credit note K\d+ was issued/);
  }, 120_000);
});
