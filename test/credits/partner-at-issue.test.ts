import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCustomerClose } from '../../client/close';
import { decideCredit, requestCredit } from '../../client/credit';
import { approveDraft } from '../../client/drafts';
import { creditStatusQuery } from '../../contracts/credit-messages';
import { statusQuery } from '../../contracts/close-messages';
import { creditRequestReads } from '../../store/credits';
import { createCloseHarness, type CloseHarness } from '../support/close-harness';
import { deliveriesOf } from '../support/queries';
import { seedCustomer, seedEvents, seedPrices, seedSubscriber, uid, workedExampleEvents } from '../support/seed';
import { waitFor } from '../support/wait';

// A partner hears of the invoices that name it: the partner at issue, as the invoice, its PDF
// and the console say, not whoever is the customer's partner when a notification is planned. A
// credit note names the partner of the invoice it credits. Against the harness's real SMTP
// server and webhook receiver.

const PERIOD = '2024-11';
let h: CloseHarness;
const oldPartner = uid('P-OLD');
const newPartner = uid('P-NEW');
const mailOf = (partner: string) => `faktura@${partner.toLowerCase()}.example`;
const hookOf = (partner: string) => `/hook/${partner.toLowerCase()}`;

beforeAll(async () => {
  h = await createCloseHarness({ now: () => new Date('2024-12-02T08:00:00+01:00') });
  await seedPrices(h.db);
  await h.db('partners').insert([
    { partner_id: oldPartner, name: 'Gamla Partnern AB' },
    { partner_id: newPartner, name: 'Nya Partnern AB' },
  ]);
  for (const partner of [oldPartner, newPartner]) {
    await seedSubscriber(h.db, { role: 'partner', partner_id: partner, channel: 'email', address: mailOf(partner), events: ['invoice_final'] });
    await seedSubscriber(h.db, { role: 'partner', partner_id: partner, channel: 'webhook', address: `${h.webhook.url}/${partner.toLowerCase()}`, secret: 's3cret', events: ['invoice_final'] });
  }
}, 120_000);
afterAll(async () => h?.close());

const mailsTo = (address: string, subjectStart: string) => h.smtp.messages.filter((m) => m.envelope.to.includes(address) && m.subject.startsWith(subjectStart));
const hooksTo = (path: string, number: string) => h.webhook.requests.filter((r) => r.url === path && JSON.parse(r.body).data.number === number);

/** A customer of the old partner with its November invoice issued (approved by finance). */
async function invoicedWithOldPartner(): Promise<{ customerId: string; number: string }> {
  const customerId = await seedCustomer(h.db, { partner_id: oldPartner });
  await seedEvents(h.db, customerId, workedExampleEvents());
  const { handle } = await startCustomerClose(h.client, h.settings, customerId, PERIOD);
  await waitFor(async () => (await handle.query(statusQuery)).state === 'awaiting_approval');
  await approveDraft(h.client, PERIOD, customerId, 'Anna Ekonom');
  return { customerId, number: (await handle.result()).invoiceNumber! };
}

describe('notifications go to the partner at issue', () => {
  it('a customer moves to another partner after its invoice: the credit note reaches the old partner by e-mail and webhook, never the new one', async () => {
    const { customerId, number } = await invoicedWithOldPartner();
    await waitFor(() => mailsTo(mailOf(oldPartner), `Faktura ${number} `).length === 1 && hooksTo(hookOf(oldPartner), number).length === 1, 30_000, 'the invoice at the old partner');

    // The customer moves; the invoice still names the old partner.
    await h.db('customers').where({ customer_id: customerId }).update({ partner_id: newPartner });
    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'Olle Operatör', reason: 'Fel modul', lines: null, reissue: false });
    const credit = h.client.workflow.getHandle(started.workflowId);
    await waitFor(async () => (await credit.query(creditStatusQuery)).state === 'awaiting_approval');
    expect((await decideCredit(h.client, started.workflowId, { kind: 'approve', by: 'Anna Ekonom' })).outcome).toBe('approved');
    const k = (await credit.result()).creditNoteNumber!;

    await waitFor(async () => (await deliveriesOf(h.db, customerId, { event: 'invoice_final', status: 'pending' })).length === 0 && (await deliveriesOf(h.db, customerId, { event: 'invoice_final' })).length === 6, 30_000, 'every delivery of the invoice and the credit note sent');
    expect(mailsTo(mailOf(oldPartner), `Kreditfaktura ${k}`)).toHaveLength(1);
    expect(hooksTo(hookOf(oldPartner), k)).toHaveLength(1);
    expect(JSON.parse(hooksTo(hookOf(oldPartner), k)[0].body).data).toMatchObject({ kind: 'credit_note', credits: number, customer_id: customerId });
    expect(mailsTo(mailOf(newPartner), '')).toEqual([]);
    expect(h.webhook.requests.filter((r) => r.url === hookOf(newPartner))).toEqual([]);
    // The customer's own billing e-mail got both, as before.
    expect(mailsTo(`admin@${customerId.toLowerCase()}.example`, `Kreditfaktura ${k}`)).toHaveLength(1);
  });

  it('a re-issue is a new invoice: it goes to the partner at its own issue (the new one), its credit note to the old', async () => {
    const { customerId, number } = await invoicedWithOldPartner();

    await h.db('customers').where({ customer_id: customerId }).update({ partner_id: newPartner });
    const started = await requestCredit(creditRequestReads(h.db), h.client, h.settings, { invoiceNumber: number, requestedBy: 'Olle Operatör', reason: 'Ny partner', lines: null, reissue: true });
    const credit = h.client.workflow.getHandle(started.workflowId);
    await waitFor(async () => (await credit.query(creditStatusQuery)).state === 'awaiting_approval');
    await decideCredit(h.client, started.workflowId, { kind: 'approve', by: 'Anna Ekonom' });
    const done = await credit.result();
    const reissue = h.client.workflow.getHandle(done.reissueWorkflowId!);
    await waitFor(async () => (await reissue.query(statusQuery)).state === 'awaiting_approval', 30_000, 'the re-issue awaiting approval');
    await approveDraft(h.client, PERIOD, customerId, 'Anna Ekonom');
    const replacement = (await reissue.result()).invoiceNumber!;

    await waitFor(() => hooksTo(hookOf(oldPartner), done.creditNoteNumber!).length === 1 && hooksTo(hookOf(newPartner), replacement).length === 1, 30_000, 'the credit note and the re-issue delivered');
    expect(mailsTo(mailOf(oldPartner), `Kreditfaktura ${done.creditNoteNumber}`)).toHaveLength(1);
    expect(mailsTo(mailOf(newPartner), `Faktura ${replacement} `)).toHaveLength(1);
    await waitFor(async () => (await deliveriesOf(h.db, customerId, { event: 'invoice_final', status: 'pending' })).length === 0, 30_000, 'nothing left to send');
    // Each partner got only what names it.
    expect(mailsTo(mailOf(newPartner), `Kreditfaktura ${done.creditNoteNumber}`)).toEqual([]);
    expect(mailsTo(mailOf(oldPartner), `Faktura ${replacement} `)).toEqual([]);
    expect(hooksTo(hookOf(newPartner), done.creditNoteNumber!)).toEqual([]);
    expect(hooksTo(hookOf(oldPartner), replacement)).toEqual([]);
  });
});
