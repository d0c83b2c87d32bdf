import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { booksSettings, exportBooks } from '../../books/export';
import { lockPeriod } from '../../books/period-lock';
import { periodReport } from '../../books/period-report';
import { loadConfig } from '../../infra/config';
import { camt054Xml } from '../../payments/camt054-writer';
import { importPaymentFile } from '../../store/payments';
import { assignPayment } from '../../store/payment-assign';
import { parseSie } from '../books/sie-parser';
import { createTestDatabase } from '../support/database';
import { seedInvoice } from './seed-invoices';

// A bank payment is a fact dated the day the bank booked it: it is recorded and booked (series
// C, its booking date) also when the billing period of its invoice is locked. The lock stops
// billing work (create, approve, re-run, recompute, re-issue), not the bank's news; nothing of
// the locked period's billing changes (docs/payments.md, "Payments and the period lock").

const config = loadConfig();
const PERIOD = '2026-08';
let t: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('payments against invoices of a locked period', () => {
  it('an import and an assignment are recorded and booked; the locked period\'s billing stays as it was', async () => {
    const paid = await seedInvoice(t.db, { number: 70001, totalOre: 30_000, dueDate: '2026-10-01', period: PERIOD });
    const assigned = await seedInvoice(t.db, { number: 70002, totalOre: 12_000, dueDate: '2026-10-01', period: PERIOD });
    await exportBooks(t.db, booksSettings(config), { today: '2026-09-30' }); // the period's invoices are in the books
    await lockPeriod(t.db, { period: PERIOD, by: 'Anna Ekonom', reason: 'bokslut augusti', now: new Date('2026-10-02T09:00:00Z') });
    const reportBefore = await periodReport(t.db, PERIOD);
    expect(reportBefore).toMatchObject({ locked: true, complete: true });
    const invoicesBefore = await t.db('invoices').orderBy('id').select('*');
    const linesBefore = await t.db('invoice_lines').orderBy(['invoice_id', 'position']).select('*');

    const xml = camt054Xml({ version: '08', messageId: 'LOCKED-1', createdAt: '2026-12-04T06:00:00', bankgiro: '54029681', entries: [{ reference: 'DEP-L', bookingDate: '2026-12-03', payments: [
      { reference: 'L-1', amountOre: 30_000, payer: 'Kund AB', ocr: paid.ocr },
      { reference: 'L-2', amountOre: 12_000, payer: 'Glömde OCR AB' },
    ] }] });
    const r = await importPaymentFile(t.db, config, 'locked.xml', Buffer.from(xml));
    expect(r).toMatchObject({ matched: 1, paid: 1 });
    expect(r.unmatched.map((u) => u.reference)).toEqual(['L-2']);
    expect((await assignPayment(t.db, { reference: 'L-2', shares: [{ invoice: assigned.number, amountOre: null }], by: 'Anna Ekonom', now: new Date('2026-12-04T10:00:00Z') })).parts).toMatchObject([{ outcome: 'paid' }]);

    // Booked: series C, dated the bank's booking date, in the next export.
    const batch = await exportBooks(t.db, booksSettings(config), { today: '2026-12-05' });
    expect(batch.series).toEqual({ C: { first: 1, last: 2, vouchers: 2 } });
    const sie = parseSie(batch.content!);
    expect(sie.vouchers.map((v) => [v.series, v.date, v.trans])).toEqual([
      ['C', '20261203', [{ account: 1930, ore: 30_000 }, { account: 1510, ore: -30_000 }]],
      ['C', '20261203', [{ account: 1930, ore: 12_000 }, { account: 1510, ore: -12_000 }]],
    ]);

    // The locked period's billing: the same invoices, lines, report and lock.
    expect(await t.db('invoices').orderBy('id').select('*')).toEqual(invoicesBefore);
    expect(await t.db('invoice_lines').orderBy(['invoice_id', 'position']).select('*')).toEqual(linesBefore);
    const reportAfter = await periodReport(t.db, PERIOD);
    expect(reportAfter.totals).toEqual(reportBefore.totals);
    expect(reportAfter.customers).toEqual(reportBefore.customers);
    expect(reportAfter).toMatchObject({ locked: true, complete: true, lock: reportBefore.lock });
  });
});
