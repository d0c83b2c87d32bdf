import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { approveDraft, rejectDraft } from '../../client/drafts';
import { approveSignal, approveUpdate, recomputeSignal, statusQuery } from '../../contracts/close-messages';
import { verifySignature } from '../../notify/webhook';
import { pdfText, plain } from '../pdf/pdf-text';
import { getDocument } from '../../store/documents';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { seedCloseTenant, seedCustomer, seedEvents, seedPrices, seedSubscriber, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { maybeRecordHistory } from '../support/histories';
import { periodStatus } from '../../client/status';
import { closeRunsOf } from '../../store/close-runs';
import { Failure } from '../../contracts/failures';

const PERIOD = '2024-11';
const FINANCE = 'Anna Ekonom';

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
  return h.db('close_runs').where({ customer_id: customerId, period: PERIOD }).first();
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

describe('customerClose on the real dev server', () => {
  it('drafts, waits for finance, issues one final invoice and tells every subscriber once', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);

    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
    const status = await handle.query(statusQuery);
    expect(status.totalOre).toBe(358_800);
    expect((await closeState(customerId)).state).toBe('awaiting_approval');
    // The draft PDF is marked UTKAST and has no OCR.
    const draft = await h.db('drafts').where({ customer_id: customerId }).first();
    const draftText = await textOf(draft.pdf_sha256);
    expect(draftText).toContain('UTKAST');
    expect(draftText).not.toMatch(/OCR-nummer\s*\d/);
    // finance heard about the draft
    await waitFor(async () => h.smtp.messages.some((m) => m.to.includes('ekonomi@nordiskrapportering.se') && m.subject.includes('granskning')));

    // Hold the series' counter row so the issuing transaction waits: the close is certainly
    // still running (finalising) when the duplicates arrive.
    const counter = await holdInvoiceCounter();
    try {
      const result = await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE, draftVersion: status.draftVersion! }] });
      expect(result.outcome).toBe('approved');
      await waitFor(async () => (await waitingOnLocks()) > 0, 30_000, 'finaliseInvoice waiting for the counter row');
      expect((await handle.query(statusQuery)).state).toBe('finalising');
      // A second approval, as an update and as a signal, changes nothing.
      const again = await handle.executeUpdate(approveUpdate, { args: [{ by: FINANCE, draftVersion: status.draftVersion! }] });
      expect(again.outcome).toBe('duplicate');
      await handle.signal(approveSignal, { by: FINANCE });
    } finally {
      await counter.release();
    }
    const summary = await handle.result();
    expect(summary.state).toBe('final');
    expect(summary.totalOre).toBe(358_800);
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-phase-deliveries-approved');

    const invoices = await h.db('invoices').where({ customer_id: customerId });
    expect(invoices).toHaveLength(1);
    expect(invoices[0].total_ore).toBe(358_800);
    expect(invoices[0].rounding_ore).toBe(50);
    expect(invoices[0].issue_date).toBe('2024-12-02');
    expect(invoices[0].due_date).toBe('2025-01-01');
    const lines = await h.db('invoice_lines').where({ invoice_id: invoices[0].id }).orderBy('position');
    expect(lines.map((l) => [l.description, l.quantity, l.amount_ore])).toEqual([
      ['OneStop Reporting - Smart', 1, 149_500],
      ['OneStop Reporting - Extra företag', 2, 59_000],
      ['OneStop Reporting - Superanvändare', 1, 39_500],
      ['OneStop Reporting - Portalanvändare', 2, 39_000],
    ]);

    // The final PDF carries number, OCR and the exact descriptions.
    const doc = await h.db('invoice_documents').where({ invoice_id: invoices[0].id }).first();
    const text = await textOf(doc.pdf_sha256);
    expect(text).toContain(`${h.config.invoiceSeries}${invoices[0].number}`);
    expect(text).toContain(invoices[0].ocr);
    expect(text).toContain('OneStop Reporting - Superanvändare');
    expect(text.replace(/\s+/g, ' ')).toContain('3 588,00 kr');
    expect(text).toContain('Återförsäljare: Ekonomipartner i Väst AB (P-TEST)');

    // The customer's admin got the invoice with the PDF attached, byte for byte.
    const customer = await h.db('customers').where({ customer_id: customerId }).first();
    await waitFor(async () => h.smtp.messages.some((m) => m.to.includes(customer.billing_email)));
    const mail = h.smtp.messages.find((m) => m.to.includes(customer.billing_email))!;
    const stored = (await getDocument(h.db, doc.pdf_sha256))!.content;
    expect(mail.attachments[0].content.equals(stored)).toBe(true);
    expect(mail.text).toContain('Återförsäljare: Ekonomipartner i Väst AB');

    // The partner's webhook arrived once, signed.
    await waitFor(async () => h.webhook.requests.some((r) => JSON.parse(r.body).data.customer_id === customerId));
    const hooks = h.webhook.requests.filter((r) => JSON.parse(r.body).data.customer_id === customerId);
    expect(hooks).toHaveLength(1);
    const hook = hooks[0];
    expect(verifySignature('s3cret', String(hook.headers['x-monthclose-timestamp']), hook.body, String(hook.headers['x-monthclose-signature']))).toBe(true);
    expect(JSON.parse(hook.body).data.total_ore).toBe(358_800);

    // Exactly one delivery per subscriber and event, all delivered: finance heard of the draft;
    // the customer's admin, the partner and finance of the invoice.
    const deliveries = await h.db('notification_deliveries').where({ customer_id: customerId });
    expect(deliveries.map((d) => d.event).sort()).toEqual(['draft_ready', 'invoice_final', 'invoice_final', 'invoice_final']);
    expect(deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const keys = deliveries.map((d) => `${d.subject_key}|${d.subscriber_id}|${d.event}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Every decision request is on record, the duplicate too.
    const requests = await h.db('approval_requests').where({ customer_id: customerId }).orderBy('id');
    expect(requests.map((r) => r.outcome)).toEqual(['approved (update)', 'duplicate (update)', 'duplicate (signal)']);
    const approvals = await h.db('approvals').where({ customer_id: customerId });
    expect(approvals).toHaveLength(1);
    expect(approvals[0].decided_by).toBe(FINANCE);
  });

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
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-phase-deliveries-rejected-recomputed');

    const invoices = await h.db('invoices').where({ customer_id: customerId });
    expect(invoices).toHaveLength(1);
    const portal = await h.db('invoice_lines').where({ invoice_id: invoices[0].id, article: 'portal_user' }).first();
    expect(portal.quantity).toBe(1);
    const drafts = await h.db('drafts').where({ customer_id: customerId }).orderBy('version');
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
    expect(await h.db('invoices').where({ customer_id: customerId })).toHaveLength(1);
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
    await maybeRecordHistory(h.client, handle.workflowId, 'customer-close-phase-deliveries-bad-master-data');
  });

  it('refuses at the database any change to an issued invoice, its lines and its PDF', async () => {
    const customerId = await seedCustomer(h.db);
    await seedEvents(h.db, customerId, workedExampleEvents());
    const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
    await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
    await handle.signal(approveSignal, { by: FINANCE });
    expect((await handle.result()).state).toBe('final');
    const invoice = await h.db('invoices').where({ customer_id: customerId }).first();
    const lines = await h.db('invoice_lines').where({ invoice_id: invoice.id }).orderBy('position');
    const document = await h.db('invoice_documents').where({ invoice_id: invoice.id }).first();
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
    expect(await h.db('invoice_lines').where({ invoice_id: invoice.id }).orderBy('position')).toEqual(lines);
    expect(await h.db('invoice_documents').where({ invoice_id: invoice.id }).first()).toEqual(document);
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
    expect(await h.db('drafts').where({ customer_id: idle })).toHaveLength(0);
  });
});
