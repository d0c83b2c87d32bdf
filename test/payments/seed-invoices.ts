import { ocrFromBase } from '../../billing/ocr';
import type { Db } from '../../infra/db';
import { seedCustomer } from '../support/seed';

// Issued invoices written straight into the table for payment tests (the close that issues
// them has its own tests): series F, the OCR built from the number as finalisation builds it.

export const SELLER = { name: 'Nordisk Rapportering AB', orgNumber: '556677-8899', email: 'faktura@nordiskrapportering.se', bankgiro: '5402-9681' };

export async function seedInvoice(db: Db, o: { number: number; totalOre: number; dueDate: string; customerId?: string; period?: string; kind?: 'invoice' | 'credit_note'; creditOf?: number; series?: string; buyer?: Record<string, unknown> }): Promise<{ id: number; number: string; ocr: string; customerId: string }> {
  const customerId = o.customerId ?? (await seedCustomer(db));
  const series = o.series ?? (o.kind === 'credit_note' ? 'K' : 'F');
  const ocr = ocrFromBase(`${o.kind === 'credit_note' ? '0' : ''}${o.number}`, { lengthDigit: true });
  const net = Math.round(o.totalOre / 1.25);
  const [row] = await db('invoices')
    .insert({
      kind: o.kind ?? 'invoice', series, number: o.number, customer_id: customerId, period: o.period ?? '2026-10', credit_of: o.creditOf ?? null,
      issue_date: '2026-11-01', due_date: o.dueDate, payment_terms_days: 30, ocr, currency: 'SEK', vat_treatment: 'domestic',
      buyer: JSON.stringify(o.buyer ?? { name: `Kund ${customerId}` }), seller: JSON.stringify(SELLER),
      vat_breakdown: JSON.stringify([{ vatPercent: 25, vatCategory: 'S', baseOre: net, vatOre: o.totalOre - net }]),
      net_ore: net, vat_ore: o.totalOre - net, rounding_ore: 0, total_ore: o.totalOre, finalised_by: 'test', finalised_at: new Date(),
    })
    .returning('id');
  // One line, so the invoice books like an issued one (its lines add up to its net).
  await db('invoice_lines').insert({ invoice_id: row.id, position: 0, article: 'smart', description: 'Smart', legacy_description: 'Smart', quantity: 1, unit_price_ore: net, amount_ore: net, vat_percent: 25 });
  return { id: row.id, number: `${series}${o.number}`, ocr, customerId };
}
