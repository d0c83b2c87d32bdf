import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { CreditRequestRefused, decideCredit, requestCredit } from '../../client/credit';
import { creditRequestReads } from '../../store/credits';
import { approveDraft } from '../../client/drafts';
import { getDocument } from '../../store/documents';
import { listInvoicesJson } from '../../store/invoices';
import { creditStatusQuery } from '../../contracts/credit-messages';
import { statusQuery } from '../../contracts/close-messages';
import { pdfText, plain } from '../pdf/pdf-text';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { validatePeppol } from '../../devenv/peppol-validation';
import { seedCloseTenant, seedCustomer, seedEvents, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';
import { maybeRecordHistory } from '../support/histories';

// Credit notes and re-issue end to end on the real dev server and PostgreSQL.

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

async function approveCredit(workflowId: string) {
  const handle = h.client.workflow.getHandle(workflowId);
  await waitFor(async () => (await handle.query(creditStatusQuery)).state === 'awaiting_approval');
  expect((await decideCredit(h.client, workflowId, { kind: 'approve', by: FINANCE })).outcome).toBe('approved');
  return handle.result();
}

const creditNotesOf = (invoiceNumber: string) =>
  h.db('invoices as c').join('invoices as i', 'i.id', 'c.credit_of').whereRaw(`i.series || i.number = ?`, [invoiceNumber]).orderBy('c.number').select('c.*');

describe('credit notes', () => {
  it('a partial credit goes through approval, takes K-numbers without gaps, and is de-duplicated and never over-credits', async () => {
    const { customerId, number } = await invoicedCustomer();
    const request = { invoiceNumber: number, requestedBy: 'Olle Operatör', reason: 'En portalanvändare slutade i oktober', lines: [{ article: 'portal_user' as const, quantity: 1 }], reissue: false };
    // The final invoice itself went out with its e-invoice attached, and that XML is valid.
    await waitFor(async () => h.smtp.messages.some((m) => m.subject.startsWith(`Faktura ${number} `) && m.to.includes(customerId.toLowerCase())));
    const invoiceMail = h.smtp.messages.find((m) => m.subject.startsWith(`Faktura ${number} `) && m.to.includes(customerId.toLowerCase()))!;
    expect(invoiceMail.attachments.map((a) => [a.filename, a.contentType.split(';')[0]])).toEqual([
      [`faktura-${number}.pdf`, 'application/pdf'],
      [`faktura-${number}.xml`, 'application/xml'],
    ]);
    const invoiceXml = await validatePeppol(invoiceMail.attachments[1].content.toString('utf8'));
    expect({ schema: invoiceXml.schemaErrors, fatal: invoiceXml.fatal }).toEqual({ schema: [], fatal: [] });

    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, request);
    expect(started.outcome).toBe('started');
    expect(started.totalOre).toBe(-24_400);
    // Finance hears of the draft credit note; an unknown approver is refused with the reason.
    await waitFor(async () => h.smtp.messages.some((m) => m.subject.includes(`Kreditfaktura för granskning – faktura ${number}`)));
    await expect(decideCredit(h.client, started.workflowId, { kind: 'approve', by: 'Mallory' })).rejects.toThrow(/Mallory is not a configured finance approver/);
    const done = await approveCredit(started.workflowId);
    expect(done.state).toBe('final');
    await maybeRecordHistory(h.client, started.workflowId, 'credit-note-approved');
    const k1 = done.creditNoteNumber!;
    expect(k1).toMatch(/^K\d+$/);

    // The same request again credits nothing more.
    const again = await requestCredit(creditRequestReads(h.db), h.client, h.settings, request);
    expect(again).toMatchObject({ outcome: 'duplicate', workflowId: started.workflowId, creditNote: k1 });
    // More than is left is refused before anything starts, naming the line and what was credited.
    await expect(requestCredit(creditRequestReads(h.db), h.client, h.settings, { ...request, reason: 'igen', lines: [{ article: 'portal_user', quantity: 2 }] })).rejects.toThrow(
      new RegExp(`portal_user: crediting 2 would credit more than ${number} invoiced \\(2, of which 1 already credited by ${k1}\\)`),
    );

    const notes = await creditNotesOf(number);
    expect(notes).toHaveLength(1);
    expect([notes[0].kind, notes[0].net_ore, notes[0].vat_ore, notes[0].total_ore, notes[0].credit_reason]).toEqual(['credit_note', -19_500, -4_875, -24_400, request.reason]);

    // Kreditfaktura PDF naming the invoice, its date and the reason; a valid Peppol CreditNote.
    const pdf = await h.db('invoice_documents').where({ invoice_id: notes[0].id }).first();
    const text = plain((await pdfText((await getDocument(h.db, pdf.pdf_sha256))!.content)).join('\n')).replace(/\s+/g, ' ');
    expect(text).toContain('Kreditfaktura');
    expect(text).toContain(`${number} (2024-12-02)`);
    expect(text).toContain(request.reason);
    // It never asks for payment: no due date, terms, OCR instruction; the amount back without a minus.
    expect(text).toContain('Att återfå 244,00 kr');
    for (const forbidden of ['Att betala', 'Förfallodatum', 'dagar netto', 'OCR', '−244,00 kr']) expect(text).not.toContain(forbidden);
    // The customer's first monthly invoice told of the move from quarterly billing.
    const invoicePdf = await h.db('invoice_documents as d').join('invoices as i', 'i.id', 'd.invoice_id').whereRaw(`i.series || i.number = ?`, [number]).first('d.pdf_sha256');
    const invoiceText = plain((await pdfText((await getDocument(h.db, invoicePdf.pdf_sha256))!.content)).join('\n')).replace(/\s+/g, ' ');
    expect(invoiceText).toContain('Detta är er första månadsfaktura');
    expect(invoiceText).toContain('OneStop Reporting - Portalanvändare (tidigare OneStop Reporting Portaluser)');
    const xmlRow = await h.db('invoice_xml_documents').where({ invoice_id: notes[0].id }).first();
    const xml = (await getDocument(h.db, xmlRow.xml_sha256))!.content.toString('utf8');
    expect(xmlRow.document_type).toBe('CreditNote');
    const validation = await validatePeppol(xml);
    expect({ schema: validation.schemaErrors, fatal: validation.fatal }).toEqual({ schema: [], fatal: [] });

    // The customer gets the credit note with PDF and XML attached; the partner's webhook names the XML.
    await waitFor(async () => h.smtp.messages.some((m) => m.subject.startsWith(`Kreditfaktura ${k1}`)));
    const mail = h.smtp.messages.find((m) => m.subject.startsWith(`Kreditfaktura ${k1}`) && m.to.includes(customerId.toLowerCase()))!;
    expect(mail.attachments.map((a) => a.contentType.split(';')[0])).toEqual(['application/pdf', 'application/xml']);
    expect(mail.attachments[1].content.toString('utf8')).toBe(xml);
    expect(plain(mail.text)).toContain('Att återfå: 244,00 kr');
    for (const forbidden of ['Att betala', 'Ange OCR', 'OCR-nummer', 'Förfallodatum', '−']) expect(mail.text).not.toContain(forbidden);
    await waitFor(() => h.webhook.requests.some((r) => JSON.parse(r.body).data.number === k1));
    const hook = h.webhook.requests.map((r) => JSON.parse(r.body)).find((b) => b.data.number === k1);
    expect(hook.data).toMatchObject({ kind: 'credit_note', credits: number, xml_sha256: xmlRow.xml_sha256, total_ore: -24_400 });

    // invoices list: the invoice and the credit note, with kind and credits.
    const list = (await listInvoicesJson(h.db, PERIOD)).filter((i) => i.customer_id === customerId);
    expect(list.map((i) => [i.kind, i.number, i.credits ?? null, i.total_ore])).toEqual([
      ['invoice', number, null, 358_800],
      ['credit_note', k1, number, -24_400],
    ]);
  });

  it('two corrections approved out of order: the issuing transaction refuses the one that would over-credit; the series has no gap', async () => {
    const { number } = await invoicedCustomer();
    const base = { invoiceNumber: number, requestedBy: 'Olle Operatör', reissue: false };
    const some = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { ...base, reason: 'superanvändaren', lines: [{ article: 'superuser', quantity: 1 }] });
    const all = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { ...base, reason: 'allt', lines: null });
    const seriesBefore = (await h.db('invoice_number_series').where({ series: 'K' }).first())?.next_number ?? 1;
    expect((await approveCredit(all.workflowId)).state).toBe('final');
    const handle = h.client.workflow.getHandle(some.workflowId);
    await waitFor(async () => (await handle.query(creditStatusQuery)).state === 'awaiting_approval');
    // The approval answers with what came of it: refused, with the reason (issue 19).
    await expect(decideCredit(h.client, some.workflowId, { kind: 'approve', by: FINANCE })).rejects.toThrow(/approved, but the credit note was not issued: superuser: crediting 1 would credit more than/);
    await expect(handle.result()).rejects.toThrow();
    const request = await h.db('credit_requests').where({ workflow_id: some.workflowId }).first();
    expect(request.status).toBe('refused');
    expect(request.decision_reason).toMatch(/superuser: crediting 1 would credit more than .* \(1, of which 1 already credited by K\d+\)/);

    const notes = await creditNotesOf(number);
    expect(notes.map((n) => n.total_ore)).toEqual([-358_800]);
    const seriesAfter = (await h.db('invoice_number_series').where({ series: 'K' }).first()).next_number;
    expect(seriesAfter).toBe(seriesBefore + 1);
    const numbers = (await h.db('invoices').where({ kind: 'credit_note', series: 'K' }).orderBy('number').pluck('number')) as number[];
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
  });

  it('--reissue: a full credit, then the normal close drafts and issues a corrected invoice with a new number', async () => {
    const { customerId, number } = await invoicedCustomer();
    // A partial credit cannot re-issue: the old invoice would stay live.
    await expect(
      requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'Olle', reason: 'fel', lines: [{ article: 'smart', quantity: 1 }], reissue: true }),
    ).rejects.toThrow(CreditRequestRefused);
    // The data is corrected: p2 never was a user in November.
    await h.db('usage_events').where({ customer_id: customerId, subject_id: 'p2' }).delete();
    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'Olle', reason: 'p2 slutade i oktober', lines: null, reissue: true });
    const done = await approveCredit(started.workflowId);
    await maybeRecordHistory(h.client, started.workflowId, 'credit-note-reissued');
    expect(done.reissueWorkflowId).toBe(`close-${PERIOD}-${customerId}`);

    const close = h.client.workflow.getHandle(done.reissueWorkflowId!);
    await waitFor(async () => (await close.query(statusQuery)).state === 'awaiting_approval');
    expect((await close.query(statusQuery)).totalOre).toBe(334_400); // one portal user fewer
    await approveDraft(h.client, PERIOD, customerId, FINANCE);
    const summary = await h.client.workflow.getHandle(done.reissueWorkflowId!).result();
    expect(summary.state).toBe('final');
    expect(summary.invoiceNumber).not.toBe(number);
    // The re-issue names the invoice and the credit note it replaces, in its PDF and its e-mail.
    const [creditNote] = await creditNotesOf(number);
    const k = `${creditNote.series}${creditNote.number}`;
    const reissuePdf = await h.db('invoice_documents as d').join('invoices as i', 'i.id', 'd.invoice_id').whereRaw(`i.series || i.number = ?`, [summary.invoiceNumber]).first('d.pdf_sha256');
    const reissueText = plain((await pdfText((await getDocument(h.db, reissuePdf.pdf_sha256))!.content)).join('\n')).replace(/\s+/g, ' ');
    expect(reissueText).toContain(`Ersätter faktura: ${number}`);
    expect(reissueText).toContain(`Denna faktura ersätter faktura ${number} daterad 2024-12-02, som krediterats i sin helhet med kreditfaktura ${k}.`);
    await waitFor(async () => h.smtp.messages.some((m) => m.subject.startsWith(`Faktura ${summary.invoiceNumber} `)));
    const reissueMail = h.smtp.messages.find((m) => m.subject.startsWith(`Faktura ${summary.invoiceNumber} `))!;
    expect(reissueMail.text).toContain(`Fakturan ersätter faktura ${number}, som krediterats med ${k}.`);

    const invoices = await h.db('invoices').where({ customer_id: customerId, kind: 'invoice' }).orderBy('id');
    expect(invoices.map((i) => [i.total_ore, i.reissue_of])).toEqual([
      [358_800, null],
      [334_400, invoices[0].id],
    ]);
    // The database keeps one live invoice: no second original, no re-issue of a live invoice.
    const copy = { ...invoices[1], id: undefined, draft_id: null, number: 999_001, ocr: '999001', vat_breakdown: JSON.stringify(invoices[1].vat_breakdown) };
    await expect(h.db('invoices').insert({ ...copy, reissue_of: null })).rejects.toThrow(/invoices_one_original_per_customer_period/);
    await expect(h.db('invoices').insert({ ...copy, reissue_of: invoices[1].id })).rejects.toThrow(/still live: credit it in full/);
  });
});
