import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveDraft, rejectDraft } from '../../client/drafts';
import { approveSignal, approveUpdate, recomputeSignal, statusQuery, type CloseStatus, type CloseSummary, type DecisionResult } from '../../contracts/close-messages';
import { verifySignature } from '../../notify/webhook';
import { pdfText, plain } from '../pdf/pdf-text';
import { getDocument } from '../../store/documents';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant, seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { approvalsOf, closeRunOf, customerOf, deliveriesOf, draftsOf, invoiceDocumentOf, invoiceLinesOf, invoicesOf, requestsOf } from '../support/queries';
import { maybeRecordHistory } from '../support/histories';
import { periodStatus } from '../../client/status';
import { closeRunsOf } from '../../store/close-runs';
import { Failure } from '../../contracts/failures';

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';
const FINANCE_MAILBOX = 'ekonomi@nordiskrapportering.se';

let h: CloseHarness;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedCloseTenant(h.db, h.webhook.url);
});
afterAll(async () => h?.close());

async function textOf(sha256: string): Promise<string> {
  return plain((await pdfText((await getDocument(h.db, sha256))!.content)).join('\n'));
}

async function closeState(customerId: string) {
  return closeRunOf(h.db, customerId, PERIOD);
}

/** Lock the invoice series' counter row in a transaction of the test's own, until release(). */
async function holdInvoiceCounter(): Promise<{ release(): Promise<void> }> {
  const series = h.config.invoiceSeries;
  await h.db('invoice_number_series').insert({ series, next_number: h.config.firstInvoiceNumber }).onConflict('series').ignore();
  const trx = await h.db.transaction();
  await trx('invoice_number_series').where({ series }).forUpdate().first();
  return { release: async () => void (trx.isCompleted() ? undefined : await trx.rollback()) };
}

/** Sessions of this test's database waiting for a lock (the worker's issuing transaction). */
async function waitingOnLocks(): Promise<number> {
  const { rows } = await h.db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return rows[0].n;
}

describe('a close that finance approves once, while duplicates of the approval arrive', () => {
  let customerId: string;
  let atRest: CloseStatus;
  let recordedAtRest: string;
  let draftText: string;
  let firstAnswer: DecisionResult;
  let stateWhileIssuing: string;
  let duplicateAnswer: DecisionResult;
  let summary: CloseSummary;
  let invoice: Record<string, any>;
  let invoicePdf: string;

  beforeAll(async () => {
    customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
    atRest = await handle.query(statusQuery);
    recordedAtRest = (await closeState(customerId)).state;
    draftText = await textOf((await draftsOf(h.db, customerId))[0].pdf_sha256);
    await waitFor(async () => h.smtp.messages.some((m) => m.to.includes(FINANCE_MAILBOX) && m.subject.includes('granskning')));

    // Hold the series' counter row so the issuing transaction waits: the close is certainly
    // still running (finalising) when the duplicates arrive.
    const counter = await holdInvoiceCounter();
    try {
      firstAnswer = await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE, draftVersion: atRest.draftVersion! }] });
      await waitFor(async () => (await waitingOnLocks()) > 0, 30_000, 'finaliseInvoice waiting for the counter row');
      stateWhileIssuing = (await handle.query(statusQuery)).state;
      duplicateAnswer = await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE, draftVersion: atRest.draftVersion! }] });
      await handle.signal(approveSignal, { by: FINANCE });
    } finally {
      await counter.release();
    }
    summary = await handle.result();
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-approved');
    [invoice] = await invoicesOf(h.db, customerId);
    invoicePdf = (await invoiceDocumentOf(h.db, invoice.id)).pdf_sha256;
  });

  it('waits for finance with the rated total, and records that it waits', () => {
    expect(atRest.totalOre).toBe(358_800);
    expect(atRest.state).toBe('awaiting_approval');
    expect(recordedAtRest).toBe('awaiting_approval');
  });

  it('renders the draft PDF as UTKAST, without an OCR number', () => {
    expect(draftText).toContain('UTKAST');
    expect(draftText).not.toMatch(/OCR-nummer\s*\d/);
  });

  it('answers the approval and is finalising while the invoice is issued', () => {
    expect(firstAnswer.outcome).toBe('approved');
    expect(stateWhileIssuing).toBe('finalising');
  });

  it('answers a second approval as a duplicate and records every request, the duplicates too', async () => {
    expect(duplicateAnswer.outcome).toBe('duplicate');
    expect((await requestsOf(h.db, customerId)).map((r) => r.outcome)).toEqual(['approved (update)', 'duplicate (update)', 'duplicate (signal)']);
    expect((await approvalsOf(h.db, customerId)).map((a) => a.decided_by)).toEqual([FINANCE]);
  });

  it('ends final with one invoice: total, öresavrundning, issue and due date', async () => {
    expect(summary).toMatchObject({ state: 'final', totalOre: 358_800 });
    expect(await invoicesOf(h.db, customerId)).toHaveLength(1);
    expect(invoice).toMatchObject({ total_ore: 358_800, rounding_ore: 50, issue_date: '2024-12-02', due_date: '2025-01-01' });
  });

  it('invoices the worked example line by line', async () => {
    expect((await invoiceLinesOf(h.db, invoice.id)).map((l) => [l.description, l.quantity, l.amount_ore])).toEqual([
      ['OneStop Reporting - Smart', 1, 149_500],
      ['OneStop Reporting - Extra företag', 2, 59_000],
      ['OneStop Reporting - Superanvändare', 1, 39_500],
      ['OneStop Reporting - Portalanvändare', 2, 39_000],
    ]);
  });

  it('renders the final PDF with number, OCR, the exact descriptions, the total and the partner', async () => {
    const text = await textOf(invoicePdf);
    expect(text).toContain(`${h.config.invoiceSeries}${invoice.number}`);
    expect(text).toContain(invoice.ocr);
    expect(text).toContain('OneStop Reporting - Superanvändare');
    expect(text.replace(/\s+/g, ' ')).toContain('3 588,00 kr');
    expect(text).toContain('Återförsäljare: Ekonomipartner i Väst AB (P-TEST)');
  });

  it("e-mails the customer's admin the invoice with the stored PDF attached, byte for byte", async () => {
    const { billing_email } = await customerOf(h.db, customerId);
    await waitFor(async () => h.smtp.messages.some((m) => m.to.includes(billing_email)));
    const mail = h.smtp.messages.find((m) => m.to.includes(billing_email))!;
    expect(mail.attachments[0].content.equals((await getDocument(h.db, invoicePdf))!.content)).toBe(true);
    expect(mail.text).toContain('Återförsäljare: Ekonomipartner i Väst AB');
  });

  it("calls the partner's webhook once, signed, with the total", async () => {
    const ofThisCustomer = () => h.webhook.requests.filter((r) => JSON.parse(r.body).data.customer_id === customerId);
    await waitFor(async () => ofThisCustomer().length > 0);
    const [hook, ...more] = ofThisCustomer();
    expect(more).toHaveLength(0);
    expect(verifySignature('s3cret', String(hook.headers['x-monthclose-timestamp']), hook.body, String(hook.headers['x-monthclose-signature']))).toBe(true);
    expect(JSON.parse(hook.body).data.total_ore).toBe(358_800);
  });

  it('delivers once per subscriber and event: the draft to finance, the invoice to admin, partner and finance', async () => {
    const deliveries = await deliveriesOf(h.db, customerId);
    expect(deliveries.map((d) => d.event).sort()).toEqual(['draft_ready', 'invoice_final', 'invoice_final', 'invoice_final']);
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const keys = deliveries.map((d) => `${d.subject_key}|${d.subscriber_id}|${d.event}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('customerClose on the real dev server', () => {
  it('rejects, waits for corrected data and a recompute, then issues one invoice with the corrected lines', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');

    // An unknown approver and a stale version are refused by the update's validator.
    await expect(rejectDraft(h.client, PERIOD, customerId, 'Mallory', 'no')).rejects.toThrow(/not a configured finance approver/);
    const rejected = await rejectDraft(h.client, PERIOD, customerId, FINANCE, 'p2 left in October', 1);
    expect(rejected.outcome).toBe('rejected');
    await waitFor(async () => (await closeState(customerId))?.state === 'rejected');

    // Portal data corrected: p2 actually left before November.
    await seedEvents(h.db, customerId, [{ at: '2024-10-20T12:00:00+02:00', type: 'user', id: 'p2', action: 'deactivated' }]);
    await handle.signal(recomputeSignal, { by: FINANCE });
    await waitFor(async () => {
      const s = await handle.query(statusQuery);
      return s.state === 'awaiting_approval' && s.draftVersion === 2;
    });
    await expect(approveDraft(h.client, PERIOD, customerId, FINANCE, 1)).rejects.toThrow(/not the current one/);
    await approveDraft(h.client, PERIOD, customerId, FINANCE, 2);
    const summary = await handle.result();
    expect(summary.state).toBe('final');
    expect(summary.draftVersions).toBe(2);
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-rejected-recomputed');

    const invoices = await invoicesOf(h.db, customerId);
    expect(invoices).toHaveLength(1);
    const portal = (await invoiceLinesOf(h.db, invoices[0].id)).find((l) => l.article === 'portal_user');
    expect(portal.quantity).toBe(1);
    const drafts = await draftsOf(h.db, customerId);
    expect(drafts.map((d) => d.status)).toEqual(['rejected', 'approved']);
  });

  it('starting the same customer and period twice gives one close and one invoice', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const first = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    const second = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    expect(first.outcome).toBe('started');
    expect(second.outcome).toBe('already_running');
    await waitFor(async () => (await first.handle.query(statusQuery)).state === 'awaiting_approval');
    await first.handle.signal(approveSignal, { by: FINANCE });
    await first.handle.result();

    // Re-running after the invoice was issued completes without issuing or notifying again.
    const mailsBefore = h.smtp.messages.length;
    const rerun = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    expect(rerun.outcome).toBe('started');
    const summary = await rerun.handle.result();
    expect(summary.state).toBe('final');
    expect(await invoicesOf(h.db, customerId)).toHaveLength(1);
    expect(h.smtp.messages.length).toBe(mailsBefore);
  });

  it('ends as failed with a clear reason when master data is bad or a price is missing', async () => {
    const noVat = await seedCustomer(h.db, { vat_number: null });
    await seedEvents(h.db, noVat, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, noVat, PERIOD);
    await expect(handle.result()).rejects.toThrow();
    const state = await closeState(noVat);
    expect(state.state).toBe('failed');
    expect(state.reason).toMatch(/no VAT number/);
    // The fix is data now: the failure type is recorded and `close status` renders its remedy.
    expect(state.failure_type).toBe(Failure.BadMasterData);
    const failed = (await periodStatus(await closeRunsOf(h.db, PERIOD), null, PERIOD)).customers.find((c) => c.customer_id === noVat);
    expect(failed?.next_step).toBe(`Correct it with 'month-close customers import FILE', then 'month-close close rerun --period ${PERIOD} --customer ${noVat}'`);
    const ended = await handle.result().then(() => null, (e: { cause?: Error }) => e.cause);
    expect(ended?.message).toMatch(/no VAT number \(momsregistreringsnummer\)\. Correct it with 'month-close customers import FILE', then 'month-close close rerun/);
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-bad-master-data');
  });

  it('refuses at the database any change to an issued invoice, its lines and its PDF', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
    await handle.signal(approveSignal, { by: FINANCE });
    expect((await handle.result()).state).toBe('final');
    const [invoice] = await invoicesOf(h.db, customerId);
    const lines = await invoiceLinesOf(h.db, invoice.id);
    const document = await invoiceDocumentOf(h.db, invoice.id);
    expect(lines).toHaveLength(4);

    await expect(h.db('invoices').where({ id: invoice.id }).update({ total_ore: 1 })).rejects.toThrow(/invoices is immutable/);
    await expect(h.db('invoices').where({ id: invoice.id }).update({ due_date: '2030-01-01' })).rejects.toThrow(/invoices is immutable/);
    await expect(h.db('invoices').where({ id: invoice.id }).delete()).rejects.toThrow(/invoices is immutable/);
    await expect(h.db('invoice_lines').where({ invoice_id: invoice.id }).update({ amount_ore: 0 })).rejects.toThrow(/invoice_lines is immutable/);
    await expect(h.db('invoice_lines').where({ invoice_id: invoice.id, position: 0 }).delete()).rejects.toThrow(/invoice_lines is immutable/);
    await expect(h.db('invoice_documents').where({ invoice_id: invoice.id }).update({ pdf_sha256: document.pdf_sha256 })).rejects.toThrow(/invoice_documents is immutable/);
    await expect(h.db('invoice_documents').where({ invoice_id: invoice.id }).delete()).rejects.toThrow(/invoice_documents is immutable/);

    // Nothing half-applied: the invoice reads as it was issued.
    expect(await h.db('invoices').where({ id: invoice.id }).first()).toEqual(invoice);
    expect(await invoiceLinesOf(h.db, invoice.id)).toEqual(lines);
    expect(await invoiceDocumentOf(h.db, invoice.id)).toEqual(document);
  });

  it('records a period with nothing billable as nothing_to_bill, without a draft', async () => {
    const idle = await seedCustomer(h.db);
    await seedEvents(h.db, idle, [
      { at: '2024-10-01T00:00:00+02:00', type: 'module', id: 'smart', action: 'activated' },
      { at: '2024-11-01T00:00:00+01:00', type: 'module', id: 'smart', action: 'deactivated' },
    ]);
    const { handle } = await startCustomerClose(h.client, h.settings, idle, PERIOD);
    const summary = await handle.result();
    expect(summary.state).toBe('nothing_to_bill');
    expect((await closeState(idle)).state).toBe('nothing_to_bill');
    expect(await draftsOf(h.db, idle)).toHaveLength(0);
  });
});
