import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booksSettings, exportBooks, rewriteBatch } from '../../books/export';
import { loadConfig } from '../../infra/config';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from '../payments/seed-invoices';
import { parseSie } from './sie-parser';

// `books export --json`: first_number/last_number name the invoice series (B) when the batch has
// invoices, whatever voucher comes first by date; `series` gives every series in the batch.

const config = loadConfig();
const settings = booksSettings(config);
let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('books export numbers per series', () => {
  it('a payment booked before the invoices does not make the payment series the batch numbers', async () => {
    // Invoices issued 2026-11-01; a payment of the first booked by the bank on 2026-10-28 (paid ahead).
    const a = await seedInvoice(t.db, { number: 60001, totalOre: 12_500, dueDate: '2026-12-01' });
    await seedInvoice(t.db, { number: 60002, totalOre: 25_000, dueDate: '2026-12-01' });
    await seedInvoice(t.db, { number: 60003, totalOre: 5_000, dueDate: '2026-12-01' });
    const xml = camt054Xml({ version: '08', messageId: 'EARLY-1', createdAt: '2026-10-29T06:00:00', bankgiro: '54029681', entries: [{ reference: 'DEP-EARLY', bookingDate: '2026-10-28', payments: [{ reference: 'EARLY-1', amountOre: 12_500, payer: 'Tidig Betalare AB', ocr: a.ocr }] }] });
    expect((await importPaymentFile(t.db, config, 'early.xml', Buffer.from(xml))).matched).toBe(1);

    const result = await exportBooks(t.db, settings, { today: '2026-12-05' });
    const sie = parseSie(result.content!);
    // The payment's voucher is the file's first (by date), series C.
    expect(sie.vouchers[0]).toMatchObject({ series: 'C', number: 1 });
    expect(result).toMatchObject({ vouchers: 4, first_number: 1, last_number: 3, series: { B: { first: 1, last: 3, vouchers: 3 }, C: { first: 1, last: 1, vouchers: 1 } } });
    // Written again, the batch reports the same numbers.
    expect(await rewriteBatch(t.db, result.batch!)).toMatchObject({ first_number: 1, last_number: 3, series: result.series });
  });

  it('a batch of payments only names the payment series', async () => {
    const b = await seedInvoice(t.db, { number: 60011, totalOre: 7_000, dueDate: '2026-12-01' });
    await exportBooks(t.db, settings, { today: '2026-12-05' }); // the invoice's voucher
    const xml = camt054Xml({ version: '02', messageId: 'LATER-1', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: 'DEP-LATER', bookingDate: '2026-12-03', payments: [{ reference: 'LATER-1', amountOre: 7_000, payer: 'Betalare AB', ocr: b.ocr }] }] });
    await importPaymentFile(t.db, config, 'later.xml', Buffer.from(xml));
    const result = await exportBooks(t.db, settings, { today: '2026-12-05' });
    expect(result).toMatchObject({ vouchers: 1, first_number: 2, last_number: 2, series: { C: { first: 2, last: 2, vouchers: 1 } } });
    expect(Object.keys(result.series)).toEqual(['C']);
  });
});
