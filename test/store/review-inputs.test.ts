import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainDraft, policyVerdict } from '../../billing';
import { DEFAULT_APPROVAL_POLICY } from '../../infra/config';
import { loadPreviousInvoice } from '../../store/review-inputs';
import { createTestDatabase } from '../support/database';
import { seedCustomer } from '../support/seed';

// The previous final invoice as the review compares with it, from real rows: a credit note
// against it (a row inserted here; the command comes later) lowers its total and its lines.

let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

async function insertInvoice(customerId: string, o: { kind: 'invoice' | 'credit_note'; number: number; period: string; totalOre: number; creditOf?: number; reissueOf?: number; lines: [string, number, number][] }): Promise<number> {
  const [row] = await t.db('invoices')
    .insert({
      kind: o.kind, series: 'F', number: o.number, customer_id: customerId, period: o.period, credit_of: o.creditOf ?? null, reissue_of: o.reissueOf ?? null,
      issue_date: '2024-11-02', due_date: '2024-12-02', payment_terms_days: 30, ocr: `${o.number}0`, currency: 'SEK', vat_treatment: 'domestic',
      buyer: '{}', seller: '{}', vat_breakdown: '[]', net_ore: o.totalOre, vat_ore: 0, rounding_ore: 0, total_ore: o.totalOre,
      finalised_by: 'Anna Ekonom', finalised_at: new Date('2024-11-02T08:00:00Z'),
    })
    .returning('id');
  await t.db('invoice_lines').insert(
    o.lines.map(([article, quantity, amount], position) => ({ invoice_id: row.id, position, article, description: article, legacy_description: article, quantity, unit_price_ore: Math.abs(amount), amount_ore: amount, vat_percent: 25 })),
  );
  return row.id;
}

describe('the previous final invoice', () => {
  it('is the newest invoice of an earlier period, none for the first', async () => {
    const customerId = await seedCustomer(t.db);
    expect(await loadPreviousInvoice(t.db, customerId, '2024-10')).toBeNull();
    await insertInvoice(customerId, { kind: 'invoice', number: 20001, period: '2024-09', totalOre: 100_000, lines: [['smart', 1, 100_000]] });
    await insertInvoice(customerId, { kind: 'invoice', number: 20002, period: '2024-10', totalOre: 150_000, lines: [['smart', 1, 150_000]] });
    expect((await loadPreviousInvoice(t.db, customerId, '2024-11'))).toMatchObject({ number: 'F20002', period: '2024-10', totalOre: 150_000 });
    expect((await loadPreviousInvoice(t.db, customerId, '2024-10'))).toMatchObject({ number: 'F20001', period: '2024-09' });
  });

  it('nets a credit note against it into the total and the lines', async () => {
    const customerId = await seedCustomer(t.db);
    const invoiceId = await insertInvoice(customerId, { kind: 'invoice', number: 30001, period: '2024-10', totalOre: 300_000, lines: [['smart', 1, 149_500], ['portal_user', 2, 39_000]] });
    await insertInvoice(customerId, { kind: 'credit_note', number: 30002, period: '2024-10', totalOre: -24_375, creditOf: invoiceId, lines: [['portal_user', 1, -19_500]] });
    const previous = (await loadPreviousInvoice(t.db, customerId, '2024-11'))!;
    expect(previous.totalOre).toBe(275_625);
    const e = explainDraft({
      customerId, period: '2024-11', totalOre: 300_000, previous, contradictions: [], lateEvents: [],
      lines: [{ article: 'smart', description: 'smart', quantity: 1, amountOre: 149_500 }, { article: 'portal_user', description: 'portal_user', quantity: 2, amountOre: 39_000 }],
      snapshot: { customerId, period: '2024-11', modules: ['smart'], users: [], companies: [] },
    });
    expect(e.lines.find((l) => l.article === 'portal_user')).toMatchObject({ previous_quantity: 1, previous_amount_ore: 19_500, quantity: 2, change_ore: 19_500 });
    expect(e.change_ore).toBe(24_375);
    // +8.8 %: outside the ±5 % tolerance only because of the credit.
    expect(policyVerdict(e, DEFAULT_APPROVAL_POLICY).autoApprove).toBeNull();
  });

  it('takes the re-issue of a credited invoice, however the rows are ordered', async () => {
    const customerId = await seedCustomer(t.db);
    const original = await insertInvoice(customerId, { kind: 'invoice', number: 40001, period: '2024-10', totalOre: 300_000, lines: [['smart', 1, 240_000]] });
    await insertInvoice(customerId, { kind: 'credit_note', number: 40002, period: '2024-10', totalOre: -300_000, creditOf: original, lines: [['smart', -1, -240_000]] });
    // Fully credited, not (yet) re-issued: compared as nothing billed.
    expect(await loadPreviousInvoice(t.db, customerId, '2024-11')).toMatchObject({ number: 'F40001', totalOre: 0, lines: [], creditNotes: ['F40002'], fullyCredited: true });
    await insertInvoice(customerId, { kind: 'invoice', number: 40003, period: '2024-10', totalOre: 250_000, reissueOf: original, lines: [['smart', 1, 200_000]] });
    expect(await loadPreviousInvoice(t.db, customerId, '2024-11')).toMatchObject({ number: 'F40003', totalOre: 250_000, replaces: 'F40001', creditNotes: [], fullyCredited: false });
  });
});
